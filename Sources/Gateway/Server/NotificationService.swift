import Alerting
import Foundation
import AsyncHTTPClient
import Fleet
import Logging
import Query
import ServiceLifecycle
import Synchronization
import TSDB

/// Runs the notification pipeline: feeds rule evaluations to the dispatcher, flushes its
/// groups every second and runs the outbox's delivery worker, with the shared HTTP client the
/// webhook and Slack integrations use.
final class NotificationService: Service, Sendable {
    let dispatcher: NotificationDispatcher
    let store: AlertingStore
    private let worker: DeliveryWorker
    private let http: HTTPClient
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let externalURL: String
    let forwarder: AlertmanagerForwarder
    let secrets: SecretBox
    /// The file's configuration; the dispatcher runs it with the API's channels added.
    private let fileConfig: Mutex<NotificationConfig>
    let sender: NotificationSender
    private let retention: Retention

    /// How long delivered notifications, expired silences and the notification log (and,
    /// separately, the alert history) are kept.
    struct Retention: Sendable {
        var notifications: Int64 = 120 * 3_600_000
        var history: Int64 = 15 * 86_400_000
    }

    init(config: NotificationConfig, forwarding: AlertmanagerForwarding = AlertmanagerForwarding(), store: AlertingStore, secrets: SecretBox,
         policy: RetryPolicy = RetryPolicy(), retention: Retention = Retention(), logger: Logger,
         now: @escaping @Sendable () -> Int64) throws(CatalogError) {
        self.store = store
        self.retention = retention
        self.secrets = secrets
        fileConfig = Mutex(config)
        self.logger = logger
        self.now = now
        externalURL = config.global.externalURL
        dispatcher = try NotificationDispatcher(config: config.adding(try store.channels(box: secrets)), store: store)
        // The process-wide client: it needs no shutdown, so a server built but never run
        // (tests, `config check`) leaves nothing to clean up.
        http = HTTPClient.shared
        forwarder = AlertmanagerForwarder(forwarding: forwarding, http: http, logger: logger)
        sender = NotificationSender(http: http)
        worker = DeliveryWorker(store: store, dispatcher: dispatcher, sender: sender, policy: policy, logger: logger, now: now)
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { tasks in
                tasks.addTask { await self.worker.run() }
                tasks.addTask { await self.flushLoop() }
                tasks.addTask { await self.pruneLoop() }
                // Both loops end on cancellation, which graceful shutdown triggers below.
                try? await gracefulShutdown()
                tasks.cancelAll()
            }
        } onGracefulShutdown: {}
    }

    /// Runs the dispatcher on the file's configuration (new after a reload) plus the channels.
    func reconfigure(_ config: NotificationConfig? = nil) async throws(CatalogError) {
        let base = fileConfig.withLock { current in
            if let config { current = config }
            return current
        }
        await dispatcher.apply(base.adding(try store.channels(box: secrets)), at: now())
    }

    /// The file's `notifications:` block as last loaded (without the API's channels).
    var fileConfiguration: NotificationConfig { fileConfig.withLock { $0 } }

    /// Alerts another program posted (Alertmanager's `POST /api/v2/alerts`): they join the
    /// rule evaluator's in the same dispatcher. One without an end resolves when its sender
    /// stops repeating it for `resolve_timeout`, as in Alertmanager. They are not forwarded
    /// to the `alerting:` Alertmanagers: those are for Sextant's own rules, and a sender that
    /// also posts there would loop.
    func receivePosted(_ alerts: [NotifiableAlert]) async {
        let changes = await dispatcher.receive(alerts, at: now())
        do {
            try store.recordHistory(changes)
        } catch {
            logger.error("alert history not recorded", metadata: ["error": "\(error)"])
        }
    }

    /// Whether a receiver of this name comes from the file.
    func fileReceiverExists(_ name: String) -> Bool {
        fileConfig.withLock { $0.receiver(named: name) != nil }
    }

    private func flushLoop() async {
        while !Task.isCancelled {
            do {
                try await dispatcher.tick(at: now())
            } catch {
                logger.error("notification flush failed; will retry", metadata: ["error": "\(error)"])
            }
            do { try await Task.sleep(for: .seconds(1)) } catch { return }
        }
    }

    /// Prunes the catalog's alerting tables once a minute after start, then hourly.
    private func pruneLoop() async {
        var delay = Duration.seconds(60)
        while !Task.isCancelled {
            do { try await Task.sleep(for: delay) } catch { return }
            delay = .seconds(3_600)
            do {
                _ = try await prune(at: now())
            } catch {
                logger.error("pruning the notification tables failed; will retry", metadata: ["error": "\(error)"])
            }
        }
    }

    func prune(at now: Int64) async throws(CatalogError) -> PruneCounts {
        var counts = try await dispatcher.prune(before: now - retention.notifications)
        let stored = try store.prune(notificationsBefore: now - retention.notifications, historyBefore: now - retention.history)
        counts.notifications = stored.notifications
        counts.silences = stored.silences
        counts.history = stored.history
        if counts.total > 0 {
            logger.info("pruned the notification tables", metadata: [
                "notifications": "\(counts.notifications)", "silences": "\(counts.silences)", "history": "\(counts.history)",
                "log_entries": "\(counts.logEntries)", "acknowledgements": "\(counts.acknowledgements)",
            ])
        }
        return counts
    }

    /// Hands one evaluation's firing and resolved alerts to the dispatcher, and records
    /// the state changes in the alert history.
    func receive(_ evaluation: GroupEvaluation, group: RuleGroup) async {
        let at = evaluation.time
        var alerts: [NotifiableAlert] = []
        for alert in evaluation.alerts where alert.state == .firing || alert.resolvedAt != nil {
            alerts.append(NotifiableAlert(
                labels: alert.labels, annotations: alert.annotations, startsAt: alert.firedAt ?? alert.activeAt, endsAt: alert.resolvedAt,
                generatorURL: generatorURL(group, ruleIndex: alert.ruleIndex), value: alert.value, updatedAt: at))
        }
        await dispatcher.receive(alerts, at: now())
        await forwarder.forward(alerts, at: now())
        var history: [AlertingStore.HistoryEntry] = []
        let values = Dictionary(evaluation.alerts.map { ($0.labels, $0.value) }, uniquingKeysWith: { first, _ in first })
        for change in evaluation.transitions {
            switch change.transition {
            case .pending(let labels): history.append(.init(at: at, labels: labels, state: "pending", value: values[labels]))
            case .firing(let labels): history.append(.init(at: at, labels: labels, state: "firing", value: values[labels]))
            case .resolved(let labels): history.append(.init(at: at, labels: labels, state: "resolved", value: values[labels]))
            case .cancelled(let labels): history.append(.init(at: at, labels: labels, state: "cancelled", value: values[labels]))
            }
        }
        do {
            try store.recordHistory(history)
        } catch {
            logger.error("alert history not recorded", metadata: ["error": "\(error)"])
        }
    }

    /// Prometheus's link from an alert to its expression in the graph page.
    private func generatorURL(_ group: RuleGroup, ruleIndex: Int) -> String {
        guard !externalURL.isEmpty, ruleIndex < group.rules.count else { return "" }
        let expression = group.rules[ruleIndex].query
        let encoded = expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return "\(externalURL)/graph?g0.expr=\(encoded)&g0.tab=1"
    }
}
