/// A configuration value that was refused: where it is (file and line, or the environment
/// variable or flag that set it), which key, and why.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: String
    public var line: Int?
    public var column: Int?
    public var key: String
    public var reason: String

    public init(source: String, line: Int? = nil, column: Int? = nil, key: String, reason: String) {
        self.source = source
        self.line = line
        self.column = column
        self.key = key
        self.reason = reason
    }

    public var description: String {
        var location = source
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return key.isEmpty ? "\(location): \(reason)" : "\(location): \(key): \(reason)"
    }
}
