import Alerting
import Logging
import Query
import ServiceLifecycle
import Synchronization
import TSDB

/// Evaluates the configured rule groups, each on its own interval at a fixed offset (as
/// Prometheus spreads groups), writing recorded series and `ALERTS` back to the store, and
/// keeps the latest state for `/api/v1/rules` and `/api/v1/alerts`.
///
/// After a restart each group first evaluates once, then restores pending alerts' start
/// times from `ALERTS_FOR_STATE`, so `for` does not start over.
final class RuleManager: Service, Sendable {
    private let store: Store
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let state: Mutex<[RuleGroupEvaluator]>
    /// Told of every evaluation: the notification pipeline and the alert history.
    private let onEvaluation: @Sendable (GroupEvaluation, RuleGroup) async -> Void

    init(
        groups: [RuleGroup], engine: Engine, externalLabels: Labels, store: Store, logger: Logger, now: @escaping @Sendable () -> Int64,
        onEvaluation: @escaping @Sendable (GroupEvaluation, RuleGroup) async -> Void = { _, _ in }
    ) {
        self.onEvaluation = onEvaluation
        self.store = store
        self.logger = logger
        self.now = now
        state = Mutex(groups.map { RuleGroupEvaluator(group: $0, engine: engine, externalLabels: externalLabels, restoring: true) })
    }

    /// The evaluators as of their last evaluation.
    var evaluators: [RuleGroupEvaluator] { state.withLock { $0 } }

    func run() async throws {
        let count = state.withLock { $0.count }
        // A service that returns ends the whole group: with no rules, wait for shutdown.
        guard count > 0 else {
            try? await gracefulShutdown()
            return
        }
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { tasks in
                for index in 0..<count {
                    tasks.addTask { await self.loop(index) }
                }
            }
        } onGracefulShutdown: {}
    }

    private func loop(_ index: Int) async {
        var evaluator = state.withLock { $0[index] }
        var next = evaluator.group.evaluationTime(atOrBefore: now()) + evaluator.group.interval
        var restored = false
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let wait = next - now()
            if wait > 0 {
                do { try await Task.sleep(for: .milliseconds(wait)) } catch { return }
            }
            let store = self.store
            let evaluation = evaluator.evaluate(at: next, querier: { store.querier() }, appender: { store.appender() })
            if !restored {
                evaluator.restore(from: store.querier(), at: next)
                restored = true
            }
            for error in evaluation.ruleErrors {
                logger.warning("rule evaluation failed", metadata: ["group": "\(evaluator.group.name)", "error": "\(error)"])
            }
            let snapshot = evaluator
            state.withLock { $0[index] = snapshot }
            await onEvaluation(evaluation, evaluator.group)
            next += evaluator.group.interval
            while next + evaluator.group.interval <= now() { next += evaluator.group.interval }
        }
    }
}
