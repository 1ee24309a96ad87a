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
/// times from `ALERTS_FOR_STATE`, so `for` does not start over. A reload (``replace(_:)``)
/// keeps the evaluators of unchanged groups, state and all; changed or new groups restore
/// from `ALERTS_FOR_STATE` like after a restart.
final class RuleManager: Service, Sendable {
    private let store: Store
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let engine: Engine
    private let externalLabels: Labels
    /// The evaluators and the generation they belong to; a reload starts a new generation.
    private let state: Mutex<(generation: Int, evaluators: [RuleGroupEvaluator])>
    private let reloads: AsyncStream<Void>
    private let reloaded: AsyncStream<Void>.Continuation
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
        self.engine = engine
        self.externalLabels = externalLabels
        state = Mutex((0, groups.map { RuleGroupEvaluator(group: $0, engine: engine, externalLabels: externalLabels, restoring: true) }))
        (reloads, reloaded) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        reloaded.yield()
    }

    /// The evaluators as of their last evaluation.
    var evaluators: [RuleGroupEvaluator] { state.withLock { $0.evaluators } }

    /// Swaps in a new set of groups (a reload); unchanged groups keep their evaluators.
    func replace(_ groups: [RuleGroup]) {
        state.withLock { current in
            let old = current.evaluators
            current.evaluators = groups.map { group in
                old.first { Self.same($0.group, group) }
                    ?? RuleGroupEvaluator(group: group, engine: engine, externalLabels: externalLabels, restoring: true)
            }
            current.generation += 1
        }
        reloaded.yield()
    }

    /// Same file, name, interval and rules (by name and expression).
    static func same(_ a: RuleGroup, _ b: RuleGroup) -> Bool {
        a.file == b.file && a.name == b.name && a.interval == b.interval && a.limit == b.limit
            && a.rules.map { "\($0.name)\u{0}\($0.query)" } == b.rules.map { "\($0.name)\u{0}\($0.query)" }
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            var running: Task<Void, Never>?
            for await _ in reloads {
                running?.cancel()
                await running?.value
                let (generation, count) = state.withLock { ($0.generation, $0.evaluators.count) }
                running = Task {
                    await withTaskGroup(of: Void.self) { tasks in
                        for index in 0..<count {
                            tasks.addTask { await self.loop(index, generation: generation) }
                        }
                    }
                }
            }
            running?.cancel()
            await running?.value
        } onGracefulShutdown: { [reloaded] in
            reloaded.finish()
        }
    }

    private func loop(_ index: Int, generation: Int) async {
        guard var evaluator = state.withLock({ $0.generation == generation ? $0.evaluators[index] : nil }) else { return }
        var next = evaluator.group.evaluationTime(atOrBefore: now()) + evaluator.group.interval
        var restored = !evaluator.restoring
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
            let current = state.withLock { state in
                guard state.generation == generation else { return false }
                state.evaluators[index] = snapshot
                return true
            }
            guard current else { return }
            await onEvaluation(evaluation, evaluator.group)
            next += evaluator.group.interval
            while next + evaluator.group.interval <= now() { next += evaluator.group.interval }
        }
    }
}
