/// Why an exposition was refused, with the position where the problem was found.
///
/// Lines and columns are 1-based; columns count bytes, not characters, because the
/// offending input may not be valid UTF-8.
public struct ExpositionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var reason: String

    public init(line: Int, column: Int, reason: String) {
        self.line = line
        self.column = column
        self.reason = reason
    }

    /// `line 3, column 17: expected '=' after label name "job"`
    public var description: String { "line \(line), column \(column): \(reason)" }
}
