import Alerting
import Foundation
import Query
import TSDB

/// A `promtool test rules` file — Prometheus's rule unit-test format — read so that Sextant's
/// evaluator can run the same tests promtool runs:
///
///     rule_files: [paths, relative to the test file]
///     evaluation_interval: 1m
///     group_eval_order: [group names]
///     tests:
///       - name: …
///         interval: 1m                       the input series' sample interval
///         external_labels: {env: prod}
///         external_url: http://…
///         input_series:
///           - series: 'up{job="a"}'
///             values: '1 1 0x10 _ stale'     the same notation as `load` in .test scripts
///         alert_rule_test:
///           - eval_time: 5m
///             alertname: TargetDown
///             exp_alerts:                    exactly the alerts firing then (pending ones are not listed)
///               - exp_labels: {…}            the alert's labels, without alertname
///                 exp_annotations: {…}       all its annotations
///
/// As promtool's strict YAML decoding does, unknown keys are errors. `promql_expr_test` is
/// not read: these files test rules.
struct PromtoolUnitTest: Sendable {
    var ruleFiles: [String] = []
    var evaluationInterval: Int64 = 60_000
    var groupEvalOrder: [String] = []
    var tests: [TestGroup] = []

    struct TestGroup: Sendable {
        var name = ""
        var line: Int
        /// The input series' sample interval; promtool's default is the evaluation interval.
        var interval: Int64?
        var externalLabels = Labels.empty
        var externalURL = ""
        var series: [(labels: Labels, values: [Double?])] = []
        var alertTests: [AlertTest] = []
    }

    struct AlertTest: Sendable {
        var line: Int
        var evalTime: Int64 = 0
        var alertname = ""
        var expected: [ExpectedAlert] = []
    }

    /// One firing alert: its labels (with `alertname`) and annotations.
    struct ExpectedAlert: Sendable, Hashable, Comparable, CustomStringConvertible {
        var labels: [String: String]
        var annotations: [String: String]

        var description: String {
            func show(_ map: [String: String]) -> String {
                "{" + map.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.debugDescription)" }.joined(separator: ", ") + "}"
            }
            return "Labels:\(show(labels)) Annotations:\(show(annotations))"
        }

        static func < (a: Self, b: Self) -> Bool { a.description < b.description }
    }

    typealias SyntaxError = MiniYAML.SyntaxError

    /// Reads `text`, the contents of the file at `path`; rule files are resolved against its directory.
    static func parse(_ text: String, path: String) throws -> PromtoolUnitTest {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { (number: $0.offset + 1, text: String($0.element)) }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        var file = PromtoolUnitTest()
        for (key, value) in try map(try MiniYAML.parse(lines)) {
            switch key {
            case "rule_files":
                file.ruleFiles = try list(value).map { node in
                    let name = try scalar(node)
                    return name.hasPrefix("/") ? name : directory.appendingPathComponent(name).standardizedFileURL.path
                }
            case "evaluation_interval": file.evaluationInterval = try duration(value)
            case "group_eval_order": file.groupEvalOrder = try list(value).map(scalar)
            case "tests": file.tests = try list(value).map(testGroup)
            default: throw SyntaxError(line: value.line, message: "field \(key) not found in type main.unitTestFile")
            }
        }
        return file
    }

    private static func testGroup(_ node: MiniYAML.Node) throws -> TestGroup {
        var group = TestGroup(line: node.line)
        for (key, value) in try map(node) {
            switch key {
            case "name": group.name = try scalar(value)
            case "interval": group.interval = try duration(value)
            case "external_labels": group.externalLabels = Labels(try stringMap(value))
            case "external_url": group.externalURL = try scalar(value)
            case "input_series":
                group.series = try list(value).map { item in
                    var series = "", values = ""
                    for (key, value) in try map(item) {
                        switch key {
                        case "series": series = try scalar(value)
                        case "values": values = try scalar(value)
                        default: throw SyntaxError(line: value.line, message: "field \(key) not found in type main.series")
                        }
                    }
                    let (labels, rest) = try RuleTestScript.parseLabels(series, line: item.line)
                    guard rest.isEmpty else { throw SyntaxError(line: item.line, message: "unexpected \(rest) after the series") }
                    return (labels, try RuleTestScript.parseValues(values, line: item.line))
                }
            case "alert_rule_test": group.alertTests = try list(value).map(alertTest)
            case "promql_expr_test": throw SyntaxError(line: value.line, message: "promql_expr_test is not supported here")
            default: throw SyntaxError(line: value.line, message: "field \(key) not found in type main.testGroup")
            }
        }
        return group
    }

    private static func alertTest(_ node: MiniYAML.Node) throws -> AlertTest {
        var test = AlertTest(line: node.line)
        for (key, value) in try map(node) {
            switch key {
            case "eval_time": test.evalTime = try duration(value)
            case "alertname": test.alertname = try scalar(value)
            case "exp_alerts":
                test.expected = try list(value).map { item in
                    var alert = ExpectedAlert(labels: [:], annotations: [:])
                    for (key, value) in try map(item) {
                        switch key {
                        case "exp_labels": alert.labels = try stringMap(value)
                        case "exp_annotations": alert.annotations = try stringMap(value)
                        default: throw SyntaxError(line: value.line, message: "field \(key) not found in type main.alert")
                        }
                    }
                    return alert
                }
            default: throw SyntaxError(line: value.line, message: "field \(key) not found in type main.alertTestCase")
            }
        }
        guard !test.alertname.isEmpty else {
            throw SyntaxError(line: test.line, message: "an item under alert_rule_test misses required attribute alertname")
        }
        // The rule's labels come without alertname; promtool adds it.
        for index in test.expected.indices { test.expected[index].labels["alertname"] = test.alertname }
        return test
    }

    // MARK: - Nodes

    private static func map(_ node: MiniYAML.Node) throws -> [(key: String, value: MiniYAML.Node)] {
        switch node {
        case .map(let entries, _): return entries
        case .scalar("", _), .scalar("{}", _): return []
        default: throw SyntaxError(line: node.line, message: "expected a map")
        }
    }

    private static func list(_ node: MiniYAML.Node) throws -> [MiniYAML.Node] {
        switch node {
        case .list(let items, _): return items
        case .scalar("", _), .scalar("[]", _): return []
        default: throw SyntaxError(line: node.line, message: "expected a list")
        }
    }

    private static func scalar(_ node: MiniYAML.Node) throws -> String {
        guard case .scalar(let text, _) = node else { throw SyntaxError(line: node.line, message: "expected a scalar") }
        return text
    }

    private static func stringMap(_ node: MiniYAML.Node) throws -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in try map(node) { out[key] = try scalar(value) }
        return out
    }

    private static func duration(_ node: MiniYAML.Node) throws -> Int64 {
        try RuleTestScript.duration(try scalar(node), line: node.line)
    }
}
