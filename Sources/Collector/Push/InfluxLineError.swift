/// Why one line of line protocol was refused. The other lines are unaffected, as in
/// InfluxDB's partial writes.
///
/// Lines and columns are 1-based; columns count bytes from the start of the line, not
/// characters, because the offending input may not be valid UTF-8. A string field may
/// hold a raw newline, so a line can span several physical lines; `line` is where it
/// starts.
public struct InfluxLineError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var reason: String

    public init(line: Int, column: Int, reason: String) {
        self.line = line
        self.column = column
        self.reason = reason
    }

    /// `line 3, column 17: invalid field value "12x"`
    public var description: String { "line \(line), column \(column): \(reason)" }
}
