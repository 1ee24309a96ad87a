/// Function calls, aggregations and the label lists of `by`, `without`, `on`, `ignoring`
/// and `group_left`/`group_right`.
extension Parser {
    /// `name(args…)`; the name must be in ``FunctionSignatures``.
    @inline(never)
    mutating func parseFunctionCall() throws(ParseError) -> Expr {
        let name = try peek()
        advance()
        let (args, close) = try parseArguments()
        _ = try deeper(than: lastDepth)
        guard let function = FunctionSignatures.named(name.text) else {
            throw error("unknown function with name \(GoFormat.quote(name.text))", at: name.range)
        }
        return .call(FunctionCall(function: function, args: args, position: name.start..<close.end))
    }

    /// `op (…)`, `op by|without (…) (…)` or `op (…) by|without (…)`. The caller has seen
    /// `(`, `by` or `without` after the operator.
    @inline(never)
    mutating func parseAggregation(_ op: AggregateOp) throws(ParseError) -> Expr {
        let opToken = try peek()
        advance()
        aggregationDepth += 1
        var grouping: [String] = []
        var without = false
        var modifierFirst = false
        let modifier = try peek()
        if modifier.kind == .by || modifier.kind == .without {
            advance()
            without = modifier.kind == .without
            grouping = try parseGroupingLabels()
            modifierFirst = true
            guard try peek().kind == .leftParen else { throw unexpected() }
        }
        let (args, _) = try parseArguments()
        let argumentsDepth = lastDepth
        aggregationDepth -= 1
        if !modifierFirst {
            // Prometheus reads the next token to decide whether a modifier follows before it
            // builds the aggregation, so a lexical error there comes first.
            let next = try peek()
            if next.kind == .by || next.kind == .without {
                advance()
                without = next.kind == .without
                grouping = try parseGroupingLabels()
            }
        }
        _ = try deeper(than: argumentsDepth)
        let position = opToken.start..<lastEnd
        if args.isEmpty { throw error("no arguments for aggregate expression provided", at: position) }
        let expected = op.hasParameter ? 2 : 1
        guard args.count == expected else {
            throw error(
                "wrong number of arguments for aggregate expression provided, expected \(expected), got \(args.count)",
                at: position)
        }
        return .aggregate(AggregateExpr(
            op: op, expr: args[expected - 1], parameter: op.hasParameter ? args[0] : nil,
            grouping: grouping, without: without, position: position))
    }

    /// `(expr, …)`; the next token is the `(`. Returns the arguments and the `)`.
    @inline(never)
    private mutating func parseArguments() throws(ParseError) -> ([Expr], Token) {
        advance()
        var token = try peek()
        if token.kind == .rightParen {
            advance()
            lastDepth = 0
            return ([], token)
        }
        var args = [try parseExpr(minPrecedence: 0)]
        var depth = lastDepth
        while true {
            token = try peek()
            switch token.kind {
            case .comma:
                advance()
                guard try peek().kind.startsExpression else {
                    throw error("trailing commas not allowed in function call args", at: token.range)
                }
                args.append(try parseExpr(minPrecedence: 0))
                depth = max(depth, lastDepth)
            case .rightParen:
                advance()
                lastDepth = depth
                return (args, token)
            default:
                throw unexpected()
            }
        }
    }

    /// `(label, …)` with an optional trailing comma. Keywords are accepted as label names.
    @inline(never)
    mutating func parseGroupingLabels() throws(ParseError) -> [String] {
        guard try peek().kind == .leftParen else { throw unexpected("grouping opts", expected: "\"(\"") }
        advance()
        var labels: [String] = []
        if try peek().kind == .rightParen {
            advance()
            return labels
        }
        while true {
            let label = try peek()
            guard label.kind.isGroupingLabel else { throw unexpected("grouping opts", expected: "label") }
            guard Self.isLabelName(label.text) else {
                // A name with a colon lexes as a metric identifier but is no label name.
                throw unexpected("grouping opts", expected: "label")
            }
            advance()
            labels.append(label.text)
            let token = try peek()
            switch token.kind {
            case .comma:
                advance()
                if try peek().kind == .rightParen {
                    advance()
                    return labels
                }
            case .rightParen:
                advance()
                return labels
            default:
                throw unexpected("grouping opts", expected: "\",\" or \")\"")
            }
        }
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`.
    static func isLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(0x30...0x39).contains(first) else { return false }
        return name.utf8.allSatisfy {
            $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0)
        }
    }
}
