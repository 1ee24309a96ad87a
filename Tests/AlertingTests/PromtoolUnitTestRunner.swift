import Alerting
import Foundation
import Logging
import Query
import TSDB

/// Runs a ``PromtoolUnitTest`` through Sextant's rule evaluator the way promtool 2.42's
/// `test rules` runs it, and collects every difference from the expected alerts:
///
/// - each test group gets a fresh store holding its input series, sample `i` at
///   `i × interval`;
/// - the rule files are loaded with the test group's interval as their default;
/// - every group is evaluated at 0, `evaluation_interval`, 2 × `evaluation_interval`, …
///   up to the last `eval_time`, in `group_eval_order` and then file order (promtool
///   leaves the order of the groups it is not told about unspecified);
/// - an `eval_time` is checked against the last evaluation at or before it: the alerts of
///   that name that are firing, with their labels and annotations, must be exactly the
///   expected ones. A rule error fails the test group, as it fails promtool's.
struct PromtoolUnitTestRunner {
    let test: PromtoolUnitTest
    private(set) var failures: [String] = []
    /// How many `alert_rule_test` items were checked.
    private(set) var checks = 0
    private let engine = Engine()

    init(_ test: PromtoolUnitTest) {
        self.test = test
    }

    mutating func run() {
        var definitions: [(file: String, groups: [RuleGroupDefinition])] = []
        for file in test.ruleFiles {
            do {
                let text = try String(contentsOfFile: file, encoding: .utf8)
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                    .map { (number: $0.offset + 1, text: String($0.element)) }
                definitions.append((file, try MiniYAML.ruleGroups(try MiniYAML.parse(lines))))
            } catch {
                failures.append("\(file): \(error)")
            }
        }
        guard failures.isEmpty else { return }
        for group in test.tests { run(group, definitions) }
    }

    private mutating func run(_ testGroup: PromtoolUnitTest.TestGroup, _ definitions: [(file: String, groups: [RuleGroupDefinition])]) {
        let name = testGroup.name.isEmpty ? "test group at line \(testGroup.line)" : "test group \(testGroup.name)"
        let interval = testGroup.interval ?? test.evaluationInterval
        var groups: [RuleGroup] = []
        for (file, fileGroups) in definitions {
            do {
                groups += try RuleFile.groups(from: fileGroups, file: file, defaultInterval: interval)
            } catch {
                failures.append("\(file): \(error.errors.map(\.description).joined(separator: "\n  "))")
                return
            }
        }
        let order = Dictionary(test.groupEvalOrder.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        groups = groups.enumerated()
            .sorted { (order[$0.element.name] ?? 0, $0.offset) < (order[$1.element.name] ?? 0, $1.offset) }
            .map(\.element)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sextant-promtool-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logger = Logger(label: "promtool-unit-test")
        logger.logLevel = .error
        let store: Store
        do {
            store = try Store(options: StoreOptions(path: directory, walSync: .none), logger: logger)
            var appender = store.appender()
            for series in testGroup.series {
                for (index, value) in series.values.enumerated() {
                    guard let value else { continue }
                    try appender.append(.unknown, series.labels, Int64(index) * interval, value)
                }
            }
            try appender.commit()
        } catch {
            failures.append("\(name): cannot load the input series: \(error)")
            return
        }

        var evaluators = groups.map {
            RuleGroupEvaluator(group: $0, engine: engine, externalLabels: testGroup.externalLabels, externalURL: testGroup.externalURL)
        }
        let tests = testGroup.alertTests.sorted { ($0.evalTime, $0.line) < ($1.evalTime, $1.line) }
        let last = tests.last?.evalTime ?? 0
        var next = 0
        var time: Int64 = 0
        while time <= last {
            for index in evaluators.indices {
                let result = evaluators[index].evaluate(at: time, querier: { store.querier() }, appender: { store.appender() })
                if !result.ruleErrors.isEmpty {
                    failures.append("\(name): rule errors at \(format(time)): \(result.ruleErrors.map(\.description))")
                    return
                }
            }
            // The eval_times this evaluation answers for: time ≤ eval_time < time + evaluation_interval.
            while next < tests.count, tests[next].evalTime < time + test.evaluationInterval {
                let alertTest = tests[next]
                next += 1
                checks += 1
                let firing = evaluators.flatMap(\.alerts).filter { $0.ruleName == alertTest.alertname && $0.state == .firing }
                let got = firing.map { alert in
                    PromtoolUnitTest.ExpectedAlert(
                        labels: Dictionary(alert.labels.pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }),
                        annotations: alert.annotations)
                }.sorted()
                let expected = alertTest.expected.sorted()
                if got != expected {
                    failures.append("""
                        \(name), line \(alertTest.line): alertname: \(alertTest.alertname), time: \(format(alertTest.evalTime))
                          exp: \(expected.isEmpty ? "[]" : expected.map(\.description).joined(separator: "\n       "))
                          got: \(got.isEmpty ? "[]" : got.map(\.description).joined(separator: "\n       "))
                        """)
                }
            }
            time += test.evaluationInterval
        }
    }

    private func format(_ time: Int64) -> String { PromQL.Duration(milliseconds: time).description }
}
