import Foundation
import Alerting
import Query

/// The part of YAML that rule files use — block maps, block lists, plain, single-quoted and
/// double-quoted scalars, full-line comments — read into ``RuleGroupDefinition``s, so test
/// scripts can hold rule files as people write them. (Sextant's configuration loader reads
/// real YAML; this is only for tests.)
enum MiniYAML {
    indirect enum Node {
        case scalar(String, line: Int)
        case map([(key: String, value: Node)], line: Int)
        case list([Node], line: Int)

        var line: Int {
            switch self {
            case .scalar(_, let line), .map(_, let line), .list(_, let line): line
            }
        }
    }

    struct SyntaxError: Error, CustomStringConvertible {
        let line: Int
        let message: String
        var description: String { "line \(line): \(message)" }
    }

    private struct Line {
        var indent: Int
        var text: String
        var number: Int
    }

    /// Parses `lines` (text with its line number in the script).
    static func parse(_ lines: [(number: Int, text: String)]) throws -> Node {
        var parsed: [Line] = []
        for (number, text) in lines {
            let trimmed = text.drop { $0 == " " }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            parsed.append(Line(indent: text.count - trimmed.count, text: String(trimmed), number: number))
        }
        guard let first = parsed.first else { return .map([], line: 0) }
        var parser = Parser(lines: parsed)
        let node = try parser.block(indent: first.indent)
        if parser.index < parsed.count {
            throw SyntaxError(line: parsed[parser.index].number, message: "unexpected indentation")
        }
        return node
    }

    private struct Parser {
        var lines: [Line]
        var index = 0

        mutating func block(indent: Int) throws -> Node {
            let line = lines[index]
            if line.text == "-" || line.text.hasPrefix("- ") { return try list(indent: indent) }
            return try map(indent: indent)
        }

        mutating func list(indent: Int) throws -> Node {
            var items: [Node] = []
            let start = lines[index].number
            while index < lines.count, lines[index].indent == indent, lines[index].text == "-" || lines[index].text.hasPrefix("- ") {
                let line = lines[index]
                let rest = line.text.dropFirst().drop { $0 == " " }
                if rest.isEmpty {
                    index += 1
                    guard index < lines.count, lines[index].indent > indent else {
                        items.append(.scalar("", line: line.number))
                        continue
                    }
                    items.append(try block(indent: lines[index].indent))
                } else if MiniYAML.splitKey(String(rest)) != nil {
                    // "- key: value" starts a map whose keys line up with "key".
                    lines[index] = Line(indent: indent + (line.text.count - rest.count), text: String(rest), number: line.number)
                    items.append(try map(indent: lines[index].indent))
                } else {
                    items.append(.scalar(try MiniYAML.scalar(String(rest), line: line.number), line: line.number))
                    index += 1
                }
            }
            return .list(items, line: start)
        }

        mutating func map(indent: Int) throws -> Node {
            var entries: [(String, Node)] = []
            let start = lines[index].number
            while index < lines.count, lines[index].indent == indent {
                let line = lines[index]
                guard let (key, value) = MiniYAML.splitKey(line.text) else {
                    throw SyntaxError(line: line.number, message: "expected key: value")
                }
                index += 1
                if !value.isEmpty {
                    entries.append((key, .scalar(try MiniYAML.scalar(value, line: line.number), line: line.number)))
                } else if index < lines.count, lines[index].indent > indent
                    || (lines[index].indent == indent && lines[index].text.hasPrefix("- "))
                {
                    entries.append((key, try block(indent: lines[index].indent)))
                } else {
                    entries.append((key, .scalar("", line: line.number)))
                }
            }
            return .map(entries, line: start)
        }
    }

    /// `key: value` or `key:`; nil when the line is not a mapping entry.
    static func splitKey(_ text: String) -> (String, String)? {
        if text.hasPrefix("\"") || text.hasPrefix("'") { return nil }
        if let range = text.range(of: ": ") {
            let key = String(text[..<range.lowerBound])
            guard !key.isEmpty, !key.contains(" ") else { return nil }
            return (key, String(text[range.upperBound...]).trimmingCharacters(in: .whitespaces))
        }
        if text.hasSuffix(":"), !text.dropLast().contains(" ") { return (String(text.dropLast()), "") }
        return nil
    }

    static func scalar(_ text: String, line: Int) throws -> String {
        if text.hasPrefix("'") {
            guard text.count >= 2, text.hasSuffix("'") else { throw SyntaxError(line: line, message: "unclosed '") }
            return String(text.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
        }
        if text.hasPrefix("\"") {
            guard text.count >= 2, text.hasSuffix("\"") else { throw SyntaxError(line: line, message: "unclosed \"") }
            var out = ""
            var escaped = false
            for ch in text.dropFirst().dropLast() {
                if escaped {
                    switch ch {
                    case "n": out += "\n"
                    case "t": out += "\t"
                    case "\"": out += "\""
                    case "\\": out += "\\"
                    default: out += "\\" + String(ch)
                    }
                    escaped = false
                } else if ch == "\\" {
                    escaped = true
                } else {
                    out.append(ch)
                }
            }
            return out
        }
        return text
    }

    // MARK: - Rule files

    /// The `groups:` of a rule file.
    static func ruleGroups(_ node: Node) throws -> [RuleGroupDefinition] {
        guard case .map(let top, _) = node, let groups = top.first(where: { $0.key == "groups" })?.value,
              case .list(let items, _) = groups
        else { throw SyntaxError(line: node.line, message: "expected groups: [...]") }
        return try items.map { item in
            guard case .map(let fields, let line) = item else { throw SyntaxError(line: item.line, message: "expected a group") }
            var group = RuleGroupDefinition(name: "", rules: [], line: line)
            for (key, value) in fields {
                switch key {
                case "name": group.name = try string(value)
                case "interval": group.interval = try duration(value)
                case "limit":
                    guard let limit = Int(try string(value)) else { throw SyntaxError(line: value.line, message: "bad limit") }
                    group.limit = limit
                case "rules":
                    guard case .list(let rules, _) = value else { throw SyntaxError(line: value.line, message: "expected rules") }
                    group.rules = try rules.map(rule)
                default:
                    throw SyntaxError(line: value.line, message: "field \(key) not found in type rulefmt.RuleGroup")
                }
            }
            return group
        }
    }

    private static func rule(_ node: Node) throws -> RuleDefinition {
        guard case .map(let fields, let line) = node else { throw SyntaxError(line: node.line, message: "expected a rule") }
        var rule = RuleDefinition(expr: "", line: line)
        for (key, value) in fields {
            switch key {
            case "alert": rule.alert = try string(value)
            case "record": rule.record = try string(value)
            case "expr": rule.expr = try string(value)
            case "for": rule.for = try duration(value)
            case "keep_firing_for": rule.keepFiringFor = try duration(value)
            case "labels": rule.labels = try stringMap(value)
            case "annotations": rule.annotations = try stringMap(value)
            default: throw SyntaxError(line: value.line, message: "field \(key) not found in type rulefmt.Rule")
            }
        }
        return rule
    }

    private static func string(_ node: Node) throws -> String {
        guard case .scalar(let text, _) = node else { throw SyntaxError(line: node.line, message: "expected a scalar") }
        return text
    }

    private static func stringMap(_ node: Node) throws -> [String: String] {
        if case .scalar("", _) = node { return [:] }
        guard case .map(let fields, _) = node else { throw SyntaxError(line: node.line, message: "expected a map") }
        var out: [String: String] = [:]
        for (key, value) in fields { out[key] = try string(value) }
        return out
    }

    private static func duration(_ node: Node) throws -> Int64 {
        let text = try string(node)
        do {
            return try PromQL.Duration(parsing: text).milliseconds
        } catch {
            throw SyntaxError(line: node.line, message: "bad duration \(text)")
        }
    }
}
