import Alerting
import Foundation
import Testing

/// The built-in rule file is a valid Prometheus rule file, and every alert in it carries a
/// severity and a summary and description.
struct BuiltinRulesTests {
    static let testdata = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata")

    static func definitions() throws -> [RuleGroupDefinition] {
        let lines = BuiltinRules.yaml.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { (number: $0.offset + 1, text: String($0.element)) }
        return try MiniYAML.ruleGroups(try MiniYAML.parse(lines))
    }

    @Test func parsesAndValidates() throws {
        let definitions = try Self.definitions()
        #expect(RuleFile.validate(groups: definitions).map(\.description) == [])
        let groups = try RuleFile.groups(from: definitions, file: BuiltinRules.fileName)
        #expect(groups.allSatisfy { $0.file == "<builtin>" })
        #expect(groups.flatMap(\.rules).map(\.name) == [
            "HostCPUSaturated", "HostMemoryPressure", "HostDiskFillingUp", "HostDiskAlmostFull",
            "TargetDown", "VMStoppedUnexpectedly", "JobFailing",
        ])
    }

    @Test func everyAlertHasSeverityAndAnnotations() throws {
        for rule in try Self.definitions().flatMap(\.rules) {
            let name = rule.alert ?? rule.record ?? ""
            #expect(rule.alert != nil, "\(name) is not an alert")
            #expect(["warning", "critical"].contains(rule.labels["severity"]), "\(name) severity")
            #expect(Set(rule.annotations.keys) == ["summary", "description"], "\(name) annotations")
        }
    }

    /// The copy promtool's unit tests read (`testdata/promtool/builtin_test.yml`) is the source's text.
    @Test func testdataCopyIsTheSource() throws {
        let copy = try String(contentsOf: Self.testdata.appendingPathComponent("builtin_rules.yml"), encoding: .utf8)
        #expect(copy == BuiltinRules.yaml, "copy BuiltinRules.yaml to Tests/AlertingTests/testdata/builtin_rules.yml")
    }

    @Test(.enabled(if: Promtool.isInstalled)) func promtoolChecksThem() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sextant-builtin-\(UUID().uuidString.prefix(8)).yml")
        try BuiltinRules.yaml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, output) = try await Promtool.run(["check", "rules", file.path])
        #expect(status == 0, "\(output)")
        #expect(output.contains("SUCCESS: 7 rules found"), "\(output)")
    }
}
