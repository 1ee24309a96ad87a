import Yams

/// A typed, strict reader over one YAML mapping: every key read is marked, and
/// ``finish()`` refuses the ones nobody read, so a typo is an error and not a silent default.
///
/// When `environmentPrefix` is set, a scalar key `k` is first looked up in the environment
/// as `<prefix>_K` (e.g. `SEXTANT_SERVER_LISTEN`), which overrides the file.
final class ConfigMapping {
    let source: String
    let path: String
    let mark: Mark?
    private let entries: [(key: String, mark: Mark?, value: Node)]
    private var used: Set<String> = []
    private let environment: [String: String]
    private let environmentPrefix: String?

    init(_ node: Node?, source: String, path: String, environment: [String: String] = [:], environmentPrefix: String? = nil) throws(ConfigError) {
        self.source = source
        self.path = path
        self.mark = node?.mark
        self.environment = environment
        self.environmentPrefix = environmentPrefix
        guard let node else {
            entries = []
            return
        }
        guard case .mapping(let mapping) = node else {
            throw ConfigError(source: source, line: node.mark?.line, column: node.mark?.column, key: path, reason: "expected a mapping of keys to values")
        }
        var seen: Set<String> = []
        var entries: [(String, Mark?, Node)] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                throw ConfigError(source: source, line: key.mark?.line, column: key.mark?.column, key: path, reason: "keys must be plain strings")
            }
            guard seen.insert(scalar.string).inserted else {
                throw ConfigError(source: source, line: key.mark?.line, column: key.mark?.column, key: Self.join(path, scalar.string), reason: "key appears twice")
            }
            entries.append((scalar.string, key.mark, value))
        }
        self.entries = entries
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func keyPath(_ key: String) -> String { Self.join(path, key) }

    func error(_ key: String, _ reason: String) -> ConfigError {
        let mark = entries.first { $0.key == key }?.value.mark ?? mark
        return ConfigError(source: source, line: mark?.line, column: mark?.column, key: keyPath(key), reason: reason)
    }

    var keys: [String] { entries.map(\.key) }

    func has(_ key: String) -> Bool { entries.contains { $0.key == key } || environmentValue(key) != nil }

    /// The raw node of `key`, marked as read.
    func node(_ key: String) -> Node? {
        used.insert(key)
        return entries.first { $0.key == key }?.value
    }

    private func environmentName(_ key: String) -> String? {
        environmentPrefix.map { $0 + "_" + key.uppercased() }
    }

    private func environmentValue(_ key: String) -> String? {
        environmentName(key).flatMap { environment[$0] }
    }

    /// A scalar's text and where it came from; nil when absent or null.
    func scalar(_ key: String) throws(ConfigError) -> (text: String, error: (String) -> ConfigError)? {
        used.insert(key)
        if let name = environmentName(key), let value = environment[name] {
            return (value, { ConfigError(source: "environment variable \(name)", key: self.keyPath(key), reason: $0) })
        }
        guard let node = entries.first(where: { $0.key == key })?.value else { return nil }
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain && (scalar.string == "~" || scalar.string == "null" || scalar.string.isEmpty) { return nil }
            return (scalar.string, { ConfigError(source: self.source, line: node.mark?.line, column: node.mark?.column, key: self.keyPath(key), reason: $0) })
        default:
            throw error(key, "expected a single value, found a \(Self.kind(node))")
        }
    }

    func string(_ key: String) throws(ConfigError) -> String? {
        try scalar(key)?.text
    }

    func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let (text, fail) = try scalar(key) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw fail("expected true or false, found \"\(text)\"")
        }
    }

    func int(_ key: String, range: ClosedRange<Int> = 0...Int.max) throws(ConfigError) -> Int? {
        guard let (text, fail) = try scalar(key) else { return nil }
        guard let value = Int(text) else { throw fail("expected a whole number, found \"\(text)\"") }
        guard range.contains(value) else { throw fail("\(value) is outside \(range.lowerBound)...\(range.upperBound)") }
        return value
    }

    /// A Prometheus duration (`15s`, `1m30s`, `2h`, `15d`) in milliseconds.
    func duration(_ key: String, allowZero: Bool = false) throws(ConfigError) -> Int64? {
        guard let (text, fail) = try scalar(key) else { return nil }
        guard let ms = ConfigValues.duration(text) else {
            throw fail("\"\(text)\" is not a duration (examples: 15s, 1m30s, 2h, 15d)")
        }
        if ms == 0 && !allowZero { throw fail("duration must be greater than zero") }
        return ms
    }

    /// A byte size: a number with an optional unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB).
    func byteSize(_ key: String) throws(ConfigError) -> Int? {
        guard let (text, fail) = try scalar(key) else { return nil }
        guard let bytes = ConfigValues.byteSize(text) else {
            throw fail("\"\(text)\" is not a size (examples: 0, 512MB, 32MiB, 10GB)")
        }
        return bytes
    }

    func stringList(_ key: String) throws(ConfigError) -> [String]? {
        if let env = environmentValue(key) {
            used.insert(key)
            return env.split(separator: ",").map { String($0).trimmingSpaces() }
        }
        guard let node = node(key) else { return nil }
        if case .scalar(let s) = node, s.style == .plain, s.string == "null" || s.string == "~" || s.string.isEmpty { return nil }
        guard case .sequence(let sequence) = node else { throw error(key, "expected a list, found a \(Self.kind(node))") }
        var out: [String] = []
        for item in sequence {
            guard case .scalar(let s) = item else {
                throw ConfigError(source: source, line: item.mark?.line, column: item.mark?.column, key: keyPath(key), reason: "list items must be single values")
            }
            out.append(s.string)
        }
        return out
    }

    func stringMap(_ key: String) throws(ConfigError) -> [String: String]? {
        guard let node = node(key) else { return nil }
        let mapping = try ConfigMapping(node, source: source, path: keyPath(key))
        var out: [String: String] = [:]
        for name in mapping.keys {
            out[name] = try mapping.string(name) ?? ""
        }
        return out
    }

    /// The nested mapping at `key`; `environment` and `prefix` turn on overrides for its scalars.
    func mapping(_ key: String, environment: [String: String] = [:], prefix: String? = nil) throws(ConfigError) -> ConfigMapping {
        try ConfigMapping(node(key), source: source, path: keyPath(key), environment: environment, environmentPrefix: prefix)
    }

    func sequence(_ key: String) throws(ConfigError) -> [Node] {
        guard let node = node(key) else { return [] }
        if case .scalar(let s) = node, s.style == .plain, s.string == "null" || s.string == "~" || s.string.isEmpty { return [] }
        guard case .sequence(let sequence) = node else { throw error(key, "expected a list, found a \(Self.kind(node))") }
        return Array(sequence)
    }

    /// Refuses any key that no reader asked for.
    func finish() throws(ConfigError) {
        for entry in entries where !used.contains(entry.key) {
            throw ConfigError(source: source, line: entry.mark?.line, column: entry.mark?.column, key: keyPath(entry.key), reason: "unknown key")
        }
    }

    static func kind(_ node: Node) -> String {
        switch node {
        case .scalar: "single value"
        case .mapping: "mapping"
        case .sequence: "list"
        case .alias: "alias"
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
