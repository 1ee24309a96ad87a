public import Fleet
public import Logging

/// Delivers the outbox: each integration's oldest pending notification when it is due,
/// integrations in parallel, one at a time within an integration (so order holds). A
/// temporary failure is retried with backoff; a permanent one, or one past the policy's
/// give-up age, is marked failed and kept for the API. Restarts resume where the rows say.
public final class DeliveryWorker: Sendable {
    private let store: AlertingStore
    private let dispatcher: NotificationDispatcher
    private let sender: NotificationSender
    private let policy: RetryPolicy
    private let logger: Logger
    private let now: @Sendable () -> Int64

    public init(
        store: AlertingStore, dispatcher: NotificationDispatcher, sender: NotificationSender, policy: RetryPolicy = RetryPolicy(),
        logger: Logger, now: @escaping @Sendable () -> Int64
    ) {
        self.store = store
        self.dispatcher = dispatcher
        self.sender = sender
        self.policy = policy
        self.logger = logger
        self.now = now
    }

    /// Polls until cancelled. Polling (every 200 ms, one indexed query) keeps the worker
    /// free of wake-up plumbing and picks up rows written by any writer; after a pass that
    /// attempted something it looks again at once, so a backlog drains at the receivers' pace.
    public func run() async {
        while !Task.isCancelled {
            var attempted = 0
            do {
                attempted = try await deliverDue()
            } catch {
                logger.error("notification outbox unreadable", metadata: ["error": "\(error)"])
            }
            if attempted > 0 { continue }
            do { try await Task.sleep(for: .milliseconds(200)) } catch { return }
        }
    }

    /// One pass: attempts every due notification; returns how many attempts were made.
    @discardableResult
    public func deliverDue() async throws(CatalogError) -> Int {
        let due = try store.dueNotifications(at: now())
        guard !due.isEmpty else { return 0 }
        let config = await dispatcher.config
        await withTaskGroup(of: Void.self) { tasks in
            for item in due {
                tasks.addTask { await self.attempt(item, config: config) }
            }
        }
        return due.count
    }

    private func attempt(_ item: OutboxItem, config: NotificationConfig) async {
        let attempts = item.attempts + 1
        let outcome: DeliveryOutcome
        if let integration = config.receiver(named: item.receiver)?.integrations.first(where: { $0.id == item.integration }) {
            let (result, notes) = await sender.send(item.payload, via: integration, global: config.global, templates: config.templates, timeout: policy.timeout)
            for note in notes {
                logger.warning("notification template failed; default text sent", metadata: ["integration": "\(item.integration)", "error": "\(note)"])
            }
            outcome = result
        } else {
            outcome = .failed(reason: "integration \(item.integration) is no longer configured")
        }
        let at = now()
        do {
            switch outcome {
            case .delivered:
                try store.markDelivered(item.id, attempts: attempts, at: at)
                logger.debug("notification delivered", metadata: ["integration": "\(item.integration)", "id": "\(item.id)"])
            case .failed(let reason):
                try store.markFailed(item.id, attempts: attempts, error: reason, at: at)
                logger.error("notification failed for good", metadata: ["integration": "\(item.integration)", "error": "\(reason)"])
            case .retry(let after, let reason):
                if at - item.createdAt >= policy.giveUpAfter {
                    let message = "gave up after \(attempts) attempts: \(reason)"
                    try store.markFailed(item.id, attempts: attempts, error: message, at: at)
                    logger.error("notification failed for good", metadata: ["integration": "\(item.integration)", "error": "\(message)"])
                } else {
                    let next = at + policy.delay(afterAttempts: attempts, retryAfter: after)
                    try store.markRetry(item.id, attempts: attempts, next: next, error: reason, at: at)
                    logger.warning("notification will be retried", metadata: [
                        "integration": "\(item.integration)", "attempt": "\(attempts)", "in_ms": "\(next - at)", "error": "\(reason)",
                    ])
                }
            }
        } catch {
            logger.error("notification outbox update failed", metadata: ["integration": "\(item.integration)", "error": "\(error)"])
        }
    }
}
