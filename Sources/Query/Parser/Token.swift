/// One lexical item of a PromQL query, as Prometheus's lexer produces it.
///
/// Positions are byte offsets into the UTF-8 query, because that is what Prometheus reports
/// in its errors (`1:5: parse error: ...` counts bytes, not characters).
struct Token: Sendable {
    enum Kind: Equatable, Sendable {
        case eof
        /// A lexical error; `text` holds the message.
        case error

        case identifier
        case metricIdentifier
        case number
        case string
        case duration

        case leftParen, rightParen, leftBrace, rightBrace, leftBracket, rightBracket
        case comma
        /// `=` (only meaningful inside braces).
        case assign
        /// `:` inside brackets. Prometheus 2.x lexes any letter there as a colon too.
        case colon

        // Operators.
        case add, sub, mul, div, mod, pow
        case eqlc, neq, lte, lss, gte, gtr
        case eqlRegex, neqRegex
        case land, lor, lunless
        case atan2
        case at

        case aggregator(AggregateOp)

        // Keywords.
        case bool, by, groupLeft, groupRight, ignoring, offset, on, without

        // `@` preprocessors.
        case start, end
    }

    var kind: Kind
    var start: Int
    var end: Int
    /// The source text (for `.error`, the message).
    var text: String
    /// The unquoted value of a `.string` token.
    var stringValue: String = ""

    var range: Range<Int> { start..<end }
}

extension Token.Kind {
    /// Words that lex as keywords, matched case-insensitively. `inf` and `nan` are numbers.
    static let keywords: [String: Token.Kind] = {
        var table: [String: Token.Kind] = [
            "and": .land, "or": .lor, "unless": .lunless, "atan2": .atan2,
            "offset": .offset, "by": .by, "without": .without, "on": .on, "ignoring": .ignoring,
            "group_left": .groupLeft, "group_right": .groupRight, "bool": .bool,
            "start": .start, "end": .end,
            "inf": .number, "nan": .number,
        ]
        for op in AggregateOp.allCases { table[op.rawValue] = .aggregator(op) }
        return table
    }()

    var isOperator: Bool {
        switch self {
        case .add, .sub, .mul, .div, .mod, .pow, .eqlc, .neq, .lte, .lss, .gte, .gtr,
             .eqlRegex, .neqRegex, .land, .lor, .lunless, .atan2, .at:
            true
        default: false
        }
    }

    var isKeyword: Bool {
        switch self {
        case .bool, .by, .groupLeft, .groupRight, .ignoring, .offset, .on, .without: true
        default: false
        }
    }

    /// Tokens that may begin an expression (the grammar's FIRST(expr)): keywords that double
    /// as metric names (`by`, `and`, `offset`, `start`, …) included.
    var startsExpression: Bool {
        switch self {
        case .number, .string, .leftParen, .leftBrace, .add, .sub, .identifier, .metricIdentifier,
             .aggregator, .by, .without, .land, .lor, .lunless, .offset, .start, .end:
            true
        default: false
        }
    }

    /// Tokens that may be used as a metric name (`metric_identifier` in Prometheus's grammar).
    var isMetricName: Bool {
        switch self {
        case .identifier, .metricIdentifier, .aggregator, .by, .without, .land, .lor, .lunless,
             .offset, .start, .end:
            true
        default: false
        }
    }

    /// Tokens accepted as a label name in `by (…)`, `on (…)` and `group_left (…)`
    /// (`maybe_label`). `without` is missing from Prometheus's list, so it is missing here.
    var isGroupingLabel: Bool {
        switch self {
        case .identifier, .metricIdentifier, .aggregator, .bool, .by, .groupLeft, .groupRight,
             .ignoring, .land, .lor, .lunless, .offset, .on, .start, .end, .atan2:
            true
        default: false
        }
    }
}

extension Token {
    /// How Prometheus names this token in an "unexpected …" message (`Item.desc()`).
    var errorDescription: String {
        switch kind {
        case .eof: return "end of input"
        case .error: return text
        case .identifier: return "identifier \(GoFormat.quote(text))"
        case .metricIdentifier: return "metric identifier \(GoFormat.quote(text))"
        case .number: return "number \(shortQuoted)"
        case .string: return "string \(shortQuoted)"
        case .duration: return "duration \(shortQuoted)"
        default:
            if kind.isKeyword { return "<\(text)>" }
            if kind.isOperator { return "<op:\(text)>" }
            if case .aggregator = kind { return "<aggr:\(text)>" }
            return shortQuoted
        }
    }

    /// Go's `%q`, cut to ten characters followed by `...` when the text is longer than ten bytes.
    private var shortQuoted: String {
        guard text.utf8.count > 10 else { return GoFormat.quote(text) }
        return GoFormat.quote(String(String.UnicodeScalarView(text.unicodeScalars.prefix(10)))) + "..."
    }
}
