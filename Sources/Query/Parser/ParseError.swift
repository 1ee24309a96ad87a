/// Why a PromQL query was refused, with where in it.
///
/// `description` is Prometheus's `ParseErr.Error()` text, `1:5: parse error: unclosed left
/// parenthesis`: line and column are 1-based and the column counts bytes. The HTTP API wraps
/// it as ``apiMessage(parameter:)`` in a `bad_data` error, as Prometheus 2.42 does.
public struct ParseError: Error, Sendable, CustomStringConvertible {
    /// Byte offsets into the query. Lexical errors run to the end of the input; errors about
    /// an operator cover the operator; others cover the offending token or expression.
    public let position: Range<Int>
    /// The message without position, e.g. `unexpected end of input inside braces`.
    public let message: String
    public let line: Int
    public let column: Int

    init(_ message: String, at position: Range<Int>, in query: [UInt8]) {
        self.message = message
        self.position = position
        var line = 1
        var lastLineBreak = -1
        let end = min(max(position.lowerBound, 0), query.count)
        for index in 0..<end where query[index] == UInt8(ascii: "\n") {
            line += 1
            lastLineBreak = index
        }
        self.line = line
        self.column = position.lowerBound - lastLineBreak
    }

    public var description: String { "\(line):\(column): parse error: \(message)" }

    /// The `error` field of Prometheus's API response for a query that does not parse:
    /// `invalid parameter "query": 1:5: parse error: …`.
    public func apiMessage(parameter: String = "query") -> String {
        "invalid parameter \(GoFormat.quote(parameter)): \(description)"
    }
}
