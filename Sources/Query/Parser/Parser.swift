/// PromQL as Prometheus 2.42 parses it.
public enum PromQL {
    /// Parses and type-checks a query. Errors carry Prometheus's message and position; the
    /// first one Prometheus would report is the one thrown.
    ///
    /// ```swift
    /// do {
    ///     let expr = try PromQL.parse("rate(http_requests_total[5m])")
    /// } catch {
    ///     print(error)   // e.g. "1:6: parse error: unexpected ..."
    /// }
    /// ```
    public static func parse(_ input: String) throws(ParseError) -> Expr {
        var parser = Parser(input)
        return try parser.parseQuery()
    }
}

/// A recursive-descent parser that accepts the language of Prometheus's yacc grammar
/// (`generated_parser.y`) and reports the same first error.
///
/// Where the grammar has an `error` production, Prometheus names a context in its message
/// ("unexpected X in grouping opts, expected label"); each such place is a `throw unexpected(…)`
/// here. A syntax error anywhere else unwinds the yacc stack to the nearest enclosing
/// aggregation (`… in aggregation`) or to the top (`unexpected X`), which ``enclosingContext``
/// models. Prometheus goes on collecting errors after the first but reports only the first,
/// so this parser stops at it; semantic errors are raised at the point the grammar action
/// that raises them would run, so their order against lexical errors agrees.
struct Parser {
    let input: [UInt8]
    private var tokens: [Token]
    private var index = 0
    /// How many aggregations the parser is inside the argument list of.
    var aggregationDepth = 0
    /// End of the last consumed token (Prometheus's `lastClosing`, for ranges that end at it).
    private(set) var lastEnd = 0

    /// Limits that keep a crafted query from overflowing a thread's stack. Prometheus has
    /// none, but parsing recurses once per nesting level (parentheses, calls, aggregations,
    /// signs, right operands) and checking, printing, evaluating and releasing a tree recurse
    /// once per tree level. Real queries stay far below both; both fit a 512 KiB stack.
    static let maxNesting = 128
    static let maxDepth = 500
    /// How deeply `parseExpr` is recursing now.
    private var nesting = 0
    /// The tree depth of the expression the last parse function returned.
    var lastDepth = 0

    init(_ input: String) {
        self.input = Array(input.utf8)
        self.tokens = Lexer.tokenize(input)
    }

    mutating func parseQuery() throws(ParseError) -> Expr {
        if try peek().kind == .eof {
            throw ParseError("no expression found in input", at: 0..<0, in: input)
        }
        let expr = try parseExpr(minPrecedence: 0)
        guard try peek().kind == .eof else { throw unexpected() }
        var checker = TypeChecker(input: input)
        return try checker.check(expr)
    }

    // MARK: - Tokens

    /// The next token. Reading a lexical error is when Prometheus reports it.
    func peek() throws(ParseError) -> Token {
        try token(at: index)
    }

    /// The kind of the next token, without copying its text (cheap on the recursive path).
    func peekKind(ahead: Int = 0) throws(ParseError) -> Token.Kind {
        for offset in 0...ahead where tokens[min(index + offset, tokens.count - 1)].kind == .error {
            throw lexicalError(at: index + offset)
        }
        return tokens[min(index + ahead, tokens.count - 1)].kind
    }

    @inline(never)
    private func lexicalError(at position: Int) -> ParseError {
        let token = tokens[min(position, tokens.count - 1)]
        return ParseError(token.text, at: token.range, in: input)
    }

    private func token(at position: Int) throws(ParseError) -> Token {
        let token = tokens[min(position, tokens.count - 1)]
        if token.kind == .error { throw lexicalError(at: position) }
        return token
    }

    mutating func advance() {
        lastEnd = tokens[min(index, tokens.count - 1)].end
        index += 1
    }

    // MARK: - Errors

    /// The error context of the innermost enclosing `error` production: an aggregation's, or
    /// the whole query's.
    var enclosingContext: String { aggregationDepth > 0 ? "aggregation" : "" }

    /// `unexpected <next token>[ in <context>][, expected <expected>]`, at the next token.
    @inline(never)
    func unexpected(_ context: String? = nil, expected: String = "") -> ParseError {
        let token = tokens[min(index, tokens.count - 1)]
        var message = "unexpected " + token.errorDescription
        let context = context ?? enclosingContext
        if !context.isEmpty { message += " in " + context }
        if !expected.isEmpty { message += ", expected " + expected }
        return ParseError(message, at: token.range, in: input)
    }

    @inline(never)
    func error(_ message: String, at position: Range<Int>) -> ParseError {
        ParseError(message, at: position, in: input)
    }

    // MARK: - Expressions

    /// Binary operators by precedence climbing; `^` groups to the right.
    ///
    /// This and the functions it reaches recurse once per nesting level, so work that does
    /// not recurse is kept in separate, never-inlined functions: small frames let the
    /// ``maxNesting`` levels fit even on a 512 KiB thread stack.
    mutating func parseExpr(minPrecedence: Int) throws(ParseError) -> Expr {
        nesting += 1
        defer { nesting -= 1 }
        if nesting > Self.maxNesting { throw tooComplex("nested more than \(Self.maxNesting) levels deep") }
        var lhs = try parseUnary()
        var lhsDepth = lastDepth
        while let op = BinaryOp(try peekKind()), op.precedence >= minPrecedence {
            lhs = try parseBinary(lhs, op, lhsDepth: lhsDepth)
            lhsDepth = lastDepth
        }
        lastDepth = lhsDepth
        return lhs
    }

    /// The operator (the next token), its modifiers and the right operand.
    @inline(never)
    private mutating func parseBinary(_ lhs: Expr, _ op: BinaryOp, lhsDepth: Int) throws(ParseError) -> Expr {
        advance()
        let (returnBool, matching) = try parseBinaryModifiers()
        let rhs = try parseExpr(minPrecedence: op.isRightAssociative ? op.precedence : op.precedence + 1)
        _ = try deeper(than: max(lhsDepth, lastDepth))
        return .binary(BinaryExpr(op: op, lhs: lhs, rhs: rhs, matching: matching, returnBool: returnBool))
    }

    /// `depth + 1`, the depth of a node over a subtree `depth` deep, within ``maxDepth``.
    mutating func deeper(than depth: Int) throws(ParseError) -> Int {
        if depth + 1 > Self.maxDepth { throw tooComplex("more than \(Self.maxDepth) levels deep") }
        lastDepth = depth + 1
        return depth + 1
    }

    @inline(never)
    private func tooComplex(_ reason: String) -> ParseError {
        let token = tokens[min(index, tokens.count - 1)]
        return error("query too complex: expression \(reason)", at: token.range)
    }

    /// A sign binds like `*`: looser than `^`, so `-2 ^ 2` is `-(2 ^ 2)`.
    private mutating func parseUnary() throws(ParseError) -> Expr {
        switch try peekKind() {
        case .add, .sub: try parseSigned()
        default: try parsePostfix(parsePrimary())
        }
    }

    @inline(never)
    private mutating func parseSigned() throws(ParseError) -> Expr {
        let sign = try peek()
        let op: UnaryOp = sign.kind == .sub ? .minus : .plus
        advance()
        let operand = try parseExpr(minPrecedence: BinaryOp.pow.precedence)
        if case .number(var literal) = operand {
            if op == .minus { literal.value = -literal.value }
            literal.position = sign.start..<literal.position.upperBound
            return .number(literal)
        }
        _ = try deeper(than: lastDepth)
        return .unary(UnaryExpr(op: op, expr: operand, position: sign.start..<operand.position.upperBound))
    }

    /// `[range]`, `[range:step]`, `offset` and `@` bind to the expression just before them.
    @inline(never)
    private mutating func parsePostfix(_ base: Expr) throws(ParseError) -> Expr {
        var expr = base
        var depth = lastDepth
        while true {
            switch try peekKind() {
            case .leftBracket:
                expr = try parseRangeOrSubquery(expr)
                depth = try deeper(than: depth)
            case .offset: expr = try parseOffset(expr)
            case .at: expr = try parseAt(expr)
            default:
                lastDepth = depth
                return expr
            }
        }
    }

    @inline(never)
    private mutating func parsePrimary() throws(ParseError) -> Expr {
        switch try peekKind() {
        case .number, .string: return try parseLiteral()
        case .leftParen: return try parseParen()
        case .leftBrace: return try parseVectorSelector()
        case .identifier:
            if try peekKind(ahead: 1) == .leftParen { return try parseFunctionCall() }
            return try parseVectorSelector()
        case .aggregator(let op):
            switch try peekKind(ahead: 1) {
            case .leftParen, .by, .without: return try parseAggregation(op)
            default: return try parseVectorSelector()
            }
        case let kind where kind.isMetricName:
            return try parseVectorSelector()
        default:
            throw unexpected()
        }
    }

    @inline(never)
    private mutating func parseLiteral() throws(ParseError) -> Expr {
        let token = try peek()
        advance()
        lastDepth = 1
        if token.kind == .string { return .string(StringLiteral(value: token.stringValue, position: token.range)) }
        return .number(NumberLiteral(value: try number(token), position: token.range))
    }

    @inline(never)
    private mutating func parseParen() throws(ParseError) -> Expr {
        let open = tokens[index].start
        advance()
        let inner = try parseExpr(minPrecedence: 0)
        guard try peekKind() == .rightParen else { throw unexpected() }
        advance()
        _ = try deeper(than: lastDepth)
        return .paren(ParenExpr(expr: inner, position: open..<lastEnd))
    }

    /// `bool`, `on (…)`/`ignoring (…)` and `group_left (…)`/`group_right (…)` after an operator.
    @inline(never)
    private mutating func parseBinaryModifiers() throws(ParseError) -> (Bool, VectorMatching) {
        var matching = VectorMatching(cardinality: .oneToOne, matchingLabels: [], on: false, include: [])
        var returnBool = false
        var token = try peek()
        if token.kind == .bool {
            advance()
            returnBool = true
            token = try peek()
        }
        guard token.kind == .on || token.kind == .ignoring else { return (returnBool, matching) }
        advance()
        matching.on = token.kind == .on
        matching.matchingLabels = try parseGroupingLabels()
        token = try peek()
        guard token.kind == .groupLeft || token.kind == .groupRight else { return (returnBool, matching) }
        advance()
        matching.cardinality = token.kind == .groupLeft ? .manyToOne : .oneToMany
        let next = try peek()
        if next.kind == .leftParen {
            matching.include = try parseGroupingLabels()
        } else if !next.kind.startsExpression {
            throw unexpected("grouping opts", expected: "\"(\"")
        }
        return (returnBool, matching)
    }
}
