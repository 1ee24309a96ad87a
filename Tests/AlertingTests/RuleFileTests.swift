import Query
import Testing
import TSDB
@testable import Alerting

struct RuleFileTests {
    private let alert = RuleDefinition(
        alert: "HighLoad", expr: "load > 0.9", for: 300_000, labels: ["severity": "page"],
        annotations: ["summary": "{{ $labels.instance }} is loaded"], line: 7)

    @Test func buildsGroupsFromDefinitions() throws {
        let groups = try RuleFile.groups(
            from: [
                RuleGroupDefinition(name: "node", interval: 30_000, limit: 10, rules: [
                    alert, RuleDefinition(record: "job:load:avg", expr: "avg by (job) (load)", labels: ["source": "rule"]),
                ]),
                RuleGroupDefinition(name: "other", rules: [RuleDefinition(record: "x", expr: "1")]),
            ],
            file: "node.yml", defaultInterval: 15_000)
        #expect(groups.count == 2)
        #expect(groups[0].interval == 30_000)
        #expect(groups[0].limit == 10)
        #expect(groups[1].interval == 15_000)
        #expect(groups[1].limit == 0)
        guard case .alerting(let rule) = groups[0].rules[0], case .recording(let recording) = groups[0].rules[1] else {
            Issue.record("wrong rule kinds")
            return
        }
        #expect(rule.name == "HighLoad")
        #expect(rule.holdDuration == 300_000)
        #expect(rule.keepFiringFor == 0)
        #expect(rule.query == "load > 0.9")
        #expect(rule.labels["severity"]?.text == "page")
        #expect(rule.annotations["summary"]?.name == "__alert_HighLoad")
        #expect(recording.name == "job:load:avg")
        #expect(recording.labels == Labels(["source": "rule"]))
        #expect(groups[0].rules[1].expr.description == "avg by(job) (load)")
    }

    @Test func errorsCarryTheirPlace() {
        let bad = RuleDefinition(alert: "Broken", expr: "rate(x[5m]", line: 12)
        let errors = RuleFile.validate(groups: [RuleGroupDefinition(name: "g", rules: [alert, bad], line: 3)])
        #expect(errors.count == 1)
        #expect(errors.first?.groupIndex == 0)
        #expect(errors.first?.ruleIndex == 1)
        #expect(errors.first?.ruleName == "Broken")
        #expect(errors.first?.line == 12)
        #expect(errors.first?.description.hasPrefix("line 12: group \"g\", rule 2, \"Broken\": could not parse expression: 1:") == true)
    }

    @Test func aGroupWithProblemsIsRefusedWhole() {
        let definition = RuleGroupDefinition(name: "g", rules: [alert, RuleDefinition(record: "a b", expr: "up")])
        #expect(throws: RuleFileErrors.self) { try RuleGroup(definition, index: 3) }
        do {
            _ = try RuleGroup(definition, index: 3)
        } catch {
            #expect(error.errors.map(\.groupIndex) == [3])
            #expect(error.description == "group \"g\", rule 2, \"a b\": invalid recording rule name: a b")
        }
    }

    @Test func negativeDurationsAndKeepFiringForOnRecordingRules() {
        let errors = RuleFile.validate(groups: [
            RuleGroupDefinition(name: "g", interval: -1, rules: [
                RuleDefinition(alert: "A", expr: "up", for: -1, keepFiringFor: -5),
                RuleDefinition(record: "r", expr: "up", keepFiringFor: 60_000),
            ])
        ]).map(\.description)
        #expect(errors == [
            "group \"g\": interval must not be negative",
            "group \"g\", rule 1, \"A\": field 'for' must not be negative",
            "group \"g\", rule 1, \"A\": field 'keep_firing_for' must not be negative",
            "group \"g\", rule 2, \"r\": invalid field 'keep_firing_for' in recording rule",
        ])
    }

    @Test func labelTemplatesAreCheckedToo() {
        let errors = RuleFile.validate(groups: [
            RuleGroupDefinition(name: "g", rules: [
                RuleDefinition(alert: "A", expr: "up", labels: ["team": "{{ if }}"])
            ])
        ]).map(\.description)
        #expect(errors == ["group \"g\", rule 1, \"A\": label \"team\": template: __alert_A:1: missing value for if"])
    }

    @Test func evaluationTimesAreAlignedAndSpread() {
        let group = RuleGroup(name: "g", file: "f.yml", interval: 60_000, rules: [])
        let other = RuleGroup(name: "h", file: "f.yml", interval: 60_000, rules: [])
        let t = group.evaluationTime(atOrBefore: 1_700_000_123_456)
        #expect(t <= 1_700_000_123_456 && t > 1_700_000_123_456 - 60_000)
        // Every evaluation of a group falls on the same grid.
        #expect(group.evaluationTime(atOrBefore: t + 59_999) == t)
        #expect(group.evaluationTime(atOrBefore: t + 60_000) == t + 60_000)
        #expect((group.evaluationTime(atOrBefore: 5_000_000) - t) % 60_000 == 0)
        #expect(other.evaluationTime(atOrBefore: t) != t, "groups are spread across the interval")
    }
}
