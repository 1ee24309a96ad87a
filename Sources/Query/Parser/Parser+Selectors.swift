import TSDB

/// Vector selectors, range selectors, subqueries and their `offset` / `@` modifiers.
extension Parser {
    /// `name`, `name{…}` or `{…}`; the next token is the name or the brace.
    @inline(never)
    mutating func parseVectorSelector() throws(ParseError) -> Expr {
        let first = try peek()
        var name = ""
        var end = first.end
        var matchers: [LabelMatcher] = []
        if first.kind == .leftBrace {
            (matchers, end) = try parseLabelMatchers()
        } else {
            advance()
            name = first.text
            if try peek().kind == .leftBrace { (matchers, end) = try parseLabelMatchers() }
        }
        if !name.isEmpty { matchers.append(.equal(Labels.metricName, name)) }
        lastDepth = 1
        return .vectorSelector(VectorSelector(
            name: name, matchers: matchers, offset: .zero, at: nil, position: first.start..<end))
    }

    /// `{label op "value", …}` with an optional trailing comma; returns the end of the `}`.
    private mutating func parseLabelMatchers() throws(ParseError) -> ([LabelMatcher], Int) {
        advance()
        var matchers: [LabelMatcher] = []
        var token = try peek()
        if token.kind == .rightBrace {
            advance()
            return (matchers, token.end)
        }
        while true {
            let name = try peek()
            guard name.kind == .identifier else {
                throw unexpected("label matching", expected: "identifier or \"}\"")
            }
            advance()
            let kind: LabelMatcher.Kind
            switch try peek().kind {
            case .assign: kind = .equal
            case .neq: kind = .notEqual
            case .eqlRegex: kind = .regexMatch
            case .neqRegex: kind = .regexNoMatch
            default: throw unexpected("label matching", expected: "label matching operator")
            }
            advance()
            let value = try peek()
            guard value.kind == .string else { throw unexpected("label matching", expected: "string") }
            advance()
            do {
                matchers.append(try LabelMatcher(kind, name.text, value.stringValue))
            } catch let failure {
                // Prometheus passes on Go's regexp error; the engine's own reason is given here.
                throw error("error parsing regexp: \(failure.reason)", at: name.start..<value.end)
            }
            token = try peek()
            switch token.kind {
            case .comma:
                advance()
                token = try peek()
                if token.kind == .rightBrace {
                    advance()
                    return (matchers, token.end)
                }
            case .rightBrace:
                advance()
                return (matchers, token.end)
            default:
                throw unexpected("label matching", expected: "\",\" or \"}\"")
            }
        }
    }

    /// `[range]` after a vector selector, or `[range:step]` / `[range:]` after any expression.
    @inline(never)
    mutating func parseRangeOrSubquery(_ base: Expr) throws(ParseError) -> Expr {
        let open = try peek()
        advance()
        let rangeToken = try peek()
        guard rangeToken.kind == .duration else { throw unexpected("subquery selector", expected: "duration") }
        let range = try duration(rangeToken)
        advance()
        let token = try peek()
        switch token.kind {
        case .rightBracket:
            advance()
            let bracketRange = open.start..<token.end
            guard case .vectorSelector(let selector) = base else {
                throw error("ranges only allowed for vector selectors", at: bracketRange)
            }
            if selector.offset != .zero { throw error("no offset modifiers allowed before range", at: bracketRange) }
            if case .timestamp = selector.at { throw error("no @ modifiers allowed before range", at: bracketRange) }
            return .matrixSelector(MatrixSelector(
                selector: selector, range: range, position: selector.position.lowerBound..<token.end))
        case .colon:
            advance()
            var step = PromQL.Duration.zero
            var close = try peek()
            if close.kind == .duration {
                step = try duration(close)
                advance()
                close = try peek()
                guard close.kind == .rightBracket else { throw unexpected("subquery selector", expected: "\"]\"") }
            } else if close.kind != .rightBracket {
                throw unexpected("subquery selector", expected: "duration or \"]\"")
            }
            advance()
            return .subquery(SubqueryExpr(
                expr: base, range: range, step: step, offset: .zero, at: nil,
                position: base.position.lowerBound..<close.end))
        default:
            throw unexpected("subquery or range", expected: "\":\" or \"]\"")
        }
    }

    /// `offset 5m` or `offset -5m`.
    @inline(never)
    mutating func parseOffset(_ base: Expr) throws(ParseError) -> Expr {
        advance()
        var token = try peek()
        let negative = token.kind == .sub
        if negative {
            advance()
            token = try peek()
        }
        guard token.kind == .duration else { throw unexpected("offset", expected: "duration") }
        let amount = try duration(token)
        advance()
        return try withOffset(base, negative ? -amount : amount)
    }

    private func withOffset(_ base: Expr, _ offset: PromQL.Duration) throws(ParseError) -> Expr {
        let end = lastEnd
        let twice = "offset may not be set multiple times"
        switch base {
        case .vectorSelector(var selector):
            if selector.offset != .zero { throw error(twice, at: base.position) }
            selector.offset = offset
            selector.position = selector.position.lowerBound..<end
            return .vectorSelector(selector)
        case .matrixSelector(var matrix):
            if matrix.selector.offset != .zero { throw error(twice, at: base.position) }
            matrix.selector.offset = offset
            matrix.position = matrix.position.lowerBound..<end
            return .matrixSelector(matrix)
        case .subquery(var subquery):
            if subquery.offset != .zero { throw error(twice, at: base.position) }
            subquery.offset = offset
            subquery.position = subquery.position.lowerBound..<end
            return .subquery(subquery)
        default:
            throw error(
                "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery",
                at: base.position)
        }
    }

    /// `@ <number>`, `@ start()` or `@ end()`.
    @inline(never)
    mutating func parseAt(_ base: Expr) throws(ParseError) -> Expr {
        advance()
        let token = try peek()
        switch token.kind {
        case .number:
            advance()
            return try withTimestamp(base, try number(token))
        case .add, .sub:
            advance()
            let digits = try peek()
            guard digits.kind == .number else { throw unexpected("@", expected: "timestamp") }
            advance()
            let value = try number(digits)
            return try withTimestamp(base, token.kind == .sub ? -value : value)
        case .start, .end:
            advance()
            guard try peek().kind == .leftParen else { throw unexpected("@", expected: "timestamp") }
            advance()
            guard try peek().kind == .rightParen else { throw unexpected("@", expected: "timestamp") }
            advance()
            return try withAt(base, token.kind == .start ? .start : .end)
        default:
            throw unexpected("@", expected: "timestamp")
        }
    }

    private func withTimestamp(_ base: Expr, _ seconds: Double) throws(ParseError) -> Expr {
        if !seconds.isFinite || seconds >= 0x1p63 || seconds <= -0x1p63 {
            throw error(
                "timestamp out of bounds for @ modifier: \(GoFormat.fixed(seconds, decimals: 6))", at: base.position)
        }
        // timestamp.FromFloatSeconds: int64(math.Round(s * 1000)); Go on amd64 turns an
        // out-of-range conversion into the minimum Int64.
        let milliseconds = (seconds * 1000).rounded()
        let pinned = milliseconds >= 0x1p63 || milliseconds < -0x1p63 ? Int64.min : Int64(milliseconds)
        return try withAt(base, .timestamp(pinned))
    }

    private func withAt(_ base: Expr, _ at: AtModifier) throws(ParseError) -> Expr {
        let end = lastEnd
        let twice = "@ <timestamp> may not be set multiple times"
        switch base {
        case .vectorSelector(var selector):
            if selector.at != nil { throw error(twice, at: base.position) }
            selector.at = at
            selector.position = selector.position.lowerBound..<end
            return .vectorSelector(selector)
        case .matrixSelector(var matrix):
            if matrix.selector.at != nil { throw error(twice, at: base.position) }
            matrix.selector.at = at
            matrix.position = matrix.position.lowerBound..<end
            return .matrixSelector(matrix)
        case .subquery(var subquery):
            if subquery.at != nil { throw error(twice, at: base.position) }
            subquery.at = at
            subquery.position = subquery.position.lowerBound..<end
            return .subquery(subquery)
        default:
            throw error(
                "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery",
                at: base.position)
        }
    }
}
