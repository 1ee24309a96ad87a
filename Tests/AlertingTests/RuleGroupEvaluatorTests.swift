import Foundation
import Logging
import Query
import Synchronization
import Testing
import TSDB
@testable import Alerting

/// The evaluator's API beyond what the rule scripts cover.
struct RuleGroupEvaluatorTests {
    /// A store in a fresh temporary directory, removed when the test ends.
    final class TemporaryStore {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sextant-alerting-\(UUID().uuidString.prefix(8))").path
        let store: Store

        init(_ series: [(Labels, [(Int64, Double)])] = []) throws {
            var logger = Logger(label: "test")
            logger.logLevel = .error
            store = try Store(options: StoreOptions(path: path, walSync: .none), logger: logger)
            var appender = store.appender()
            for (labels, samples) in series {
                for (t, v) in samples { try appender.append(.unknown, labels, t, v) }
            }
            try appender.commit()
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    private func group(_ definitions: [RuleDefinition], limit: Int? = nil) throws -> RuleGroup {
        try RuleGroup(RuleGroupDefinition(name: "test", limit: limit, rules: definitions))
    }

    @Test func thePureEvaluationReadsOneViewOfTheStore() throws {
        let temporary = try TemporaryStore([(Labels(["__name__": "x"]), [(0, 1)])])
        let rules = try group([
            RuleDefinition(record: "y", expr: "x * 2"),
            RuleDefinition(record: "z", expr: "y * 2"),
        ])
        var evaluator = RuleGroupEvaluator(group: rules)
        let result = evaluator.evaluate(at: 0, querier: temporary.store.querier())
        // z does not see y: nothing was written between the rules.
        #expect(result.samples.map(\.labels) == [Labels(["__name__": "y"])])
        #expect(result.samples.first?.sample == Sample(0, 2))
        #expect(result.ruleErrors.isEmpty)
        #expect(evaluator.lastEvaluation == 0)
        #expect(evaluator.ruleHealth.map(\.status) == [.ok, .ok])
    }

    @Test func committingEvaluationsChainRulesAndMarkStaleSeries() throws {
        let temporary = try TemporaryStore([(Labels(["__name__": "x", "i": "a"]), [(0, 1)]), (Labels(["__name__": "x", "i": "b"]), [(0, 1), (60_000, 1)])])
        let store = temporary.store
        let rules = try group([
            RuleDefinition(record: "y", expr: "x * 2"),
            RuleDefinition(record: "z", expr: "y * 2"),
        ])
        var evaluator = RuleGroupEvaluator(group: rules)
        let first = evaluator.evaluate(at: 0, querier: { store.querier() }, appender: { store.appender() })
        #expect(first.samples.count == 4)
        #expect(first.samples.filter { $0.labels.metricName == "z" }.map(\.sample.value) == [4, 4])
        // Series a has no sample within the lookback at 6m: y{i="a"} and z{i="a"} go stale.
        let later = evaluator.evaluate(at: 360_000, querier: { store.querier() }, appender: { store.appender() })
        let stale = later.samples.filter(\.isStale).map(\.labels)
        #expect(stale == [Labels(["__name__": "y", "i": "a"]), Labels(["__name__": "z", "i": "a"])])
        // A removed group marks what it last wrote stale.
        #expect(evaluator.staleMarkers(at: 420_000).map(\.labels).count == 2)
    }

    @Test func refusedSamplesMakeTheRuleUnhealthy() throws {
        let temporary = try TemporaryStore([(Labels(["__name__": "x"]), [(0, 1), (120_000, 1)])])
        let store = temporary.store
        var evaluator = RuleGroupEvaluator(group: try group([RuleDefinition(record: "y", expr: "x")]))
        _ = evaluator.evaluate(at: 120_000, querier: { store.querier() }, appender: { store.appender() })
        // Evaluating an earlier time writes out of order.
        let result = evaluator.evaluate(at: 60_000, querier: { store.querier() }, appender: { store.appender() })
        #expect(result.ruleErrors.count == 1)
        #expect(result.ruleErrors.first?.message.contains("out of order") == true)
        #expect(evaluator.ruleHealth.first?.status == .err)
        #expect(evaluator.ruleHealth.first?.lastError == result.ruleErrors.first?.message)
    }

    @Test func alertsCarryAnnotationsAndTheMeasuredDuration() throws {
        let temporary = try TemporaryStore([(Labels(["__name__": "up", "instance": "a"]), [(0, 0)])])
        let ticks = Mutex<Int64>(0)
        let clock: @Sendable () -> Duration = {
            ticks.withLock { value in
                value += 1
                return .milliseconds(value)
            }
        }
        var evaluator = RuleGroupEvaluator(
            group: try group([RuleDefinition(
                alert: "Down", expr: "up == 0", for: 60_000,
                labels: ["severity": "{{ if eq $value 0.0 }}page{{ end }}"],
                annotations: ["summary": "{{ $labels.instance }} down ({{ $externalLabels.dc }})"])]),
            externalLabels: Labels(["dc": "fra"]), clock: clock)
        let result = evaluator.evaluate(at: 0, querier: temporary.store.querier())
        #expect(result.duration > .zero)
        #expect(result.alerts.count == 1)
        let alert = try #require(result.alerts.first)
        #expect(alert.labels == Labels(["alertname": "Down", "instance": "a", "severity": "page"]))
        #expect(alert.annotations == ["summary": "a down (fra)"])
        #expect(alert.state == .pending)
        #expect(alert.ruleName == "Down")
        #expect(result.transitions == [RuleTransition(ruleIndex: 0, ruleName: "Down", transition: .pending(alert.labels))])
    }

    @Test func restoringWritesNoAlertsSeriesUntilRestored() throws {
        let temporary = try TemporaryStore([(Labels(["__name__": "up"]), [(0, 0), (60_000, 0)])])
        var evaluator = RuleGroupEvaluator(
            group: try group([RuleDefinition(alert: "Down", expr: "up == 0", for: 1_200_000)]), restoring: true)
        let first = evaluator.evaluate(at: 0, querier: temporary.store.querier())
        #expect(first.samples.isEmpty)
        let report = evaluator.restore(from: temporary.store.querier(), at: 0)
        #expect(report.restored.isEmpty)
        #expect(report.errors.isEmpty)
        let second = evaluator.evaluate(at: 60_000, querier: temporary.store.querier())
        #expect(second.samples.map(\.labels.metricName) == ["ALERTS", "ALERTS_FOR_STATE"])
    }

    @Test func scalarResultsAreOneSampleWithoutLabels() throws {
        let temporary = try TemporaryStore()
        var evaluator = RuleGroupEvaluator(group: try group([
            RuleDefinition(alert: "Always", expr: "1 > bool 0"),
            RuleDefinition(alert: "Text", expr: "\"x\""),
        ]))
        let result = evaluator.evaluate(at: 0, querier: temporary.store.querier())
        #expect(result.alerts.map(\.labels) == [Labels(["alertname": "Always"])])
        #expect(result.ruleErrors.map(\.message) == ["rule result is not a vector or scalar"])
    }
}
