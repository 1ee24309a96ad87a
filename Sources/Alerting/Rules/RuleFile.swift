import Query
import TSDB

/// Checks and loads the groups of one rule file, as `promtool check rules` and
/// Prometheus's rule manager do.
///
/// ```swift
/// let problems = RuleFile.validate(groups: definitions)   // [] when the file is fine
/// let groups = try RuleFile.groups(from: definitions, file: "rules/node.yml")
/// ```
public enum RuleFile {
    /// Every problem in the file: empty or repeated group names, a negative interval or
    /// limit, and each rule's problems (see ``RuleGroup/init(_:file:defaultInterval:index:)``).
    public static func validate(groups: [RuleGroupDefinition]) -> [RuleFileError] {
        var errors: [RuleFileError] = []
        var seen: Set<String> = []
        for (index, group) in groups.enumerated() {
            errors += groupErrors(group, index: index)
            if !group.name.isEmpty && !seen.insert(group.name).inserted {
                errors.append(RuleFileError(
                    group: group.name, groupIndex: index, line: group.line,
                    message: "groupname: \(GoQuote.quote(group.name)) is repeated in the same file"))
            }
            for (ruleIndex, rule) in group.rules.enumerated() {
                if case .failure(let problems) = build(rule) {
                    errors += problems.messages.map {
                        RuleFileError(
                            group: group.name, groupIndex: index, ruleIndex: ruleIndex, ruleName: rule.alert ?? rule.record,
                            line: rule.line, message: $0)
                    }
                }
            }
        }
        return errors
    }

    /// The file's groups, or every problem it has.
    public static func groups(
        from definitions: [RuleGroupDefinition], file: String = "", defaultInterval: Int64 = 60_000
    ) throws(RuleFileErrors) -> [RuleGroup] {
        let errors = validate(groups: definitions)
        if !errors.isEmpty { throw RuleFileErrors(errors) }
        var groups: [RuleGroup] = []
        for (index, definition) in definitions.enumerated() {
            groups.append(try RuleGroup(definition, file: file, defaultInterval: defaultInterval, index: index))
        }
        return groups
    }

    static func groupErrors(_ group: RuleGroupDefinition, index: Int) -> [RuleFileError] {
        var errors: [RuleFileError] = []
        func problem(_ message: String) {
            errors.append(RuleFileError(group: group.name, groupIndex: index, line: group.line, message: message))
        }
        if group.name.isEmpty { problem("Groupname must not be empty") }
        if let interval = group.interval, interval < 0 { problem("interval must not be negative") }
        if let limit = group.limit, limit < 0 { problem("limit must not be negative") }
        return errors
    }

    /// One rule checked as Prometheus's `RuleNode.Validate` checks it, and built.
    static func build(_ rule: RuleDefinition) -> Result<Rule, RuleProblems> {
        var problems: [String] = []
        let alert = rule.alert ?? ""
        let record = rule.record ?? ""
        if !alert.isEmpty && !record.isEmpty { problems.append("only one of 'record' and 'alert' must be set") }
        if alert.isEmpty && record.isEmpty { problems.append("one of 'record' or 'alert' must be set") }
        var expr: Expr?
        if rule.expr.isEmpty {
            problems.append("field 'expr' must be set in rule")
        } else {
            do {
                expr = try PromQL.parse(rule.expr)
            } catch {
                problems.append("could not parse expression: \(error)")
            }
        }
        if !record.isEmpty {
            if !rule.annotations.isEmpty { problems.append("invalid field 'annotations' in recording rule") }
            if (rule.for ?? 0) != 0 { problems.append("invalid field 'for' in recording rule") }
            if (rule.keepFiringFor ?? 0) != 0 { problems.append("invalid field 'keep_firing_for' in recording rule") }
            if !Labels.isValidMetricName(record) { problems.append("invalid recording rule name: \(record)") }
        }
        if let hold = rule.for, hold < 0 { problems.append("field 'for' must not be negative") }
        if let keep = rule.keepFiringFor, keep < 0 { problems.append("field 'keep_firing_for' must not be negative") }
        for name in rule.labels.keys.sorted() where !Labels.isValidLabelName(name) || name == Labels.metricName {
            problems.append("invalid label name: \(name)")
        }
        for name in rule.annotations.keys.sorted() where !Labels.isValidLabelName(name) {
            problems.append("invalid annotation name: \(name)")
        }
        var labelTemplates: [String: AlertTemplate] = [:]
        var annotationTemplates: [String: AlertTemplate] = [:]
        if !alert.isEmpty {
            let templateName = AlertingRule.templateName(alert)
            for (name, text) in rule.labels.sorted(by: { $0.key < $1.key }) {
                do {
                    labelTemplates[name] = try AlertTemplate(text, name: templateName)
                } catch {
                    problems.append("label \(GoQuote.quote(name)): \(error)")
                }
            }
            for (name, text) in rule.annotations.sorted(by: { $0.key < $1.key }) {
                do {
                    annotationTemplates[name] = try AlertTemplate(text, name: templateName)
                } catch {
                    problems.append("annotation \(GoQuote.quote(name)): \(error)")
                }
            }
        }
        guard problems.isEmpty, let expr else { return .failure(RuleProblems(messages: problems)) }
        if !alert.isEmpty {
            return .success(.alerting(AlertingRule(
                name: alert, expr: expr, query: rule.expr, holdDuration: rule.for ?? 0,
                keepFiringFor: rule.keepFiringFor ?? 0, labels: labelTemplates, annotations: annotationTemplates)))
        }
        return .success(.recording(RecordingRule(name: record, expr: expr, query: rule.expr, labels: Labels(rule.labels))))
    }

    struct RuleProblems: Error {
        var messages: [String]
    }
}
