public import Alerting
import Foundation
import Yams

/// Reads Prometheus rule files (`groups: - name: … rules: […]`) into rule groups, strictly:
/// unknown keys, wrong types and invalid rules are errors with file and line, as
/// `promtool check rules` reports them.
public enum RuleFileLoader {
    /// Every file matching `patterns` (globs in the file name; relative paths from
    /// `directory`), loaded and validated. All problems of all files are reported together.
    public static func load(_ patterns: [String], relativeTo directory: String, defaultInterval: Int64) throws(ConfigError) -> [RuleGroup] {
        var groups: [RuleGroup] = []
        var problems: [String] = []
        var names = Set<String>()
        for file in patterns.flatMap({ expand($0, relativeTo: directory) }) {
            do {
                let loaded = try loadFile(file, defaultInterval: defaultInterval)
                for group in loaded where !names.insert(group.file + "\u{0}" + group.name).inserted {
                    problems.append("\(file): group \"\(group.name)\" is defined twice")
                }
                groups += loaded
            } catch {
                problems.append(error.description)
            }
        }
        if !problems.isEmpty {
            throw ConfigError(source: "rule_files", key: "rule_files", reason: problems.joined(separator: "\n"))
        }
        return groups
    }

    static func expand(_ pattern: String, relativeTo directory: String) -> [String] {
        let path = pattern.hasPrefix("/") ? pattern : directory + "/" + pattern
        guard path.contains("*") || path.contains("?") else { return [path] }
        let url = URL(fileURLWithPath: path)
        let parent = url.deletingLastPathComponent().path
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
        return entries.filter { fnmatch(url.lastPathComponent, $0, 0) == 0 }.sorted().map { parent + "/" + $0 }
    }

    /// One file: parse, then validate with the rule model.
    public static func loadFile(_ file: String, defaultInterval: Int64) throws(ConfigError) -> [RuleGroup] {
        try groups(from: try parse(file: file), file: file, defaultInterval: defaultInterval)
    }

    /// Sextant's built-in rules (``BuiltinRules``), under the file name `<builtin>`.
    public static func builtin(defaultInterval: Int64) throws(ConfigError) -> [RuleGroup] {
        let definitions = try parse(yaml: BuiltinRules.yaml, source: BuiltinRules.fileName)
        return try groups(from: definitions, file: BuiltinRules.fileName, defaultInterval: defaultInterval)
    }

    static func groups(from definitions: [RuleGroupDefinition], file: String, defaultInterval: Int64) throws(ConfigError) -> [RuleGroup] {
        do {
            return try RuleFile.groups(from: definitions, file: file, defaultInterval: defaultInterval)
        } catch {
            throw ConfigError(source: file, key: "", reason: error.errors.map(\.description).joined(separator: "\n"))
        }
    }

    static func parse(file: String) throws(ConfigError) -> [RuleGroupDefinition] {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw ConfigError(source: file, key: "", reason: "cannot read the file: \(error.localizedDescription)")
        }
        return try parse(yaml: text, source: file)
    }

    public static func parse(yaml: String, source: String) throws(ConfigError) -> [RuleGroupDefinition] {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch {
            throw ConfigError(source: source, key: "", reason: "not valid YAML: \(error)")
        }
        let top = try ConfigMapping(root, source: source, path: "")
        var groups: [RuleGroupDefinition] = []
        for (gi, node) in try top.sequence("groups").enumerated() {
            let g = try ConfigMapping(node, source: source, path: "groups[\(gi)]")
            guard let name = try g.string("name"), !name.isEmpty else {
                throw ConfigError(source: source, line: g.mark?.line, key: g.keyPath("name"), reason: "a group needs a name")
            }
            var group = RuleGroupDefinition(name: name, rules: [], line: g.mark?.line)
            group.interval = try g.duration("interval")
            group.limit = try g.int("limit")
            for (ri, ruleNode) in try g.sequence("rules").enumerated() {
                let r = try ConfigMapping(ruleNode, source: source, path: g.keyPath("rules[\(ri)]"))
                guard let expr = try r.string("expr") else {
                    throw ConfigError(source: source, line: r.mark?.line, key: r.keyPath("expr"), reason: "field 'expr' must be set in rule")
                }
                var rule = RuleDefinition(expr: expr, line: r.mark?.line)
                rule.alert = try r.string("alert")
                rule.record = try r.string("record")
                rule.for = try r.duration("for", allowZero: true)
                rule.keepFiringFor = try r.duration("keep_firing_for", allowZero: true)
                rule.labels = try r.stringMap("labels") ?? [:]
                rule.annotations = try r.stringMap("annotations") ?? [:]
                try r.finish()
                group.rules.append(rule)
            }
            try g.finish()
            groups.append(group)
        }
        try top.finish()
        return groups
    }
}
