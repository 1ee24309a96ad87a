import TSDB

/// The type checks Prometheus runs once a query has parsed (`checkAST`), in its order, so the
/// first failure is the one Prometheus reports. Checking also settles vector matching: set
/// operators become many-to-many, and matching is dropped when a side is not a vector.
struct TypeChecker {
    let input: [UInt8]

    /// Checks `expr` and its subtree; returns it with vector matching settled.
    ///
    /// This is the recursive path, so it only dispatches: each node's own checks live in
    /// separate functions to keep stack frames small on deep trees (debug builds especially).
    mutating func check(_ expr: Expr) throws(ParseError) -> Expr {
        // Payloads are unpacked in the callees, so this frame stays a few words.
        switch expr {
        case .number, .string: return expr
        case .vectorSelector, .matrixSelector: return try checkSelector(expr)
        case .subquery: return try checkSubquery(expr)
        case .paren: return try checkParen(expr)
        case .unary: return try checkUnary(expr)
        case .aggregate: return try checkAggregate(expr)
        case .call: return try checkCall(expr)
        case .binary: return try checkBinary(expr)
        }
    }

    @inline(never)
    private mutating func checkParen(_ expr: Expr) throws(ParseError) -> Expr {
        guard case .paren(var paren) = expr else { return expr }
        paren.expr = try check(paren.expr)
        return .paren(paren)
    }

    @inline(never)
    private mutating func checkSubquery(_ expr: Expr) throws(ParseError) -> Expr {
        guard case .subquery(var subquery) = expr else { return expr }
        subquery.expr = try check(subquery.expr)
        try requireInstantVector(subquery)
        return .subquery(subquery)
    }

    @inline(never)
    private func requireInstantVector(_ subquery: SubqueryExpr) throws(ParseError) {
        let type = subquery.expr.type
        if type != .vector {
            throw error("subquery is only allowed on instant vector, got \(type.rawValue) instead", at: subquery.position)
        }
    }

    @inline(never)
    private mutating func checkUnary(_ expr: Expr) throws(ParseError) -> Expr {
        guard case .unary(var unary) = expr else { return expr }
        unary.expr = try check(unary.expr)
        try requireNumeric(unary)
        return .unary(unary)
    }

    @inline(never)
    private func requireNumeric(_ unary: UnaryExpr) throws(ParseError) {
        let type = unary.expr.type
        if type != .scalar && type != .vector {
            throw error(
                "unary expression only allowed on expressions of type scalar or instant vector, got \(GoFormat.quote(type.documentedName))",
                at: unary.position)
        }
    }

    @inline(never)
    private mutating func checkAggregate(_ expr: Expr) throws(ParseError) -> Expr {
        guard case .aggregate(var aggregate) = expr else { return expr }
        aggregate.expr = try expect(aggregate.expr, .vector, in: "aggregation expression")
        if let parameter = aggregate.parameter {
            switch aggregate.op {
            case .topk, .bottomk, .quantile:
                aggregate.parameter = try expect(parameter, .scalar, in: "aggregation parameter")
            case .countValues:
                aggregate.parameter = try expect(parameter, .string, in: "aggregation parameter")
            default:
                break
            }
        }
        return .aggregate(aggregate)
    }

    @inline(never)
    private mutating func checkCall(_ expr: Expr) throws(ParseError) -> Expr {
        guard case .call(var call) = expr else { return expr }
        try checkArgumentCount(call)
        let types = call.function.argumentTypes
        for index in call.args.indices {
            var typeIndex = index
            if index >= types.count {
                // Extra arguments of a non-variadic function were already reported above.
                if call.function.variadic == 0 { break }
                typeIndex = types.count - 1
            }
            call.args[index] = try expect(call.args[index], types[typeIndex], inCallTo: call.function.name)
        }
        return .call(call)
    }

    @inline(never)
    private func checkSelector(_ expr: Expr) throws(ParseError) -> Expr {
        switch expr {
        case .vectorSelector(let selector): try checkSelector(selector)
        case .matrixSelector(let matrix): try checkSelector(matrix.selector)
        default: break
        }
        return expr
    }

    private func checkSelector(_ selector: VectorSelector) throws(ParseError) {
        if !selector.name.isEmpty {
            // The last matcher is the one for the name outside the braces.
            for matcher in selector.matchers.dropLast() where matcher.name == Labels.metricName {
                throw error(
                    "metric name must not be set twice: \(GoFormat.quote(selector.name)) or \(GoFormat.quote(matcher.value))",
                    at: selector.position)
            }
            return
        }
        // At least one matcher must reject the empty value, or a typo would select every series.
        if !selector.matchers.contains(where: { !$0.matchesEmpty }) {
            throw error("vector selector must contain at least one non-empty matcher", at: selector.position)
        }
    }

    @inline(never)
    private func checkArgumentCount(_ call: FunctionCall) throws(ParseError) {
        let function = call.function
        let declared = function.argumentTypes.count
        let name = GoFormat.quote(function.name)
        if function.variadic == 0 {
            if declared != call.args.count {
                throw error("expected \(declared) argument(s) in call to \(name), got \(call.args.count)", at: call.position)
            }
            return
        }
        let required = declared - 1
        if required > call.args.count {
            throw error("expected at least \(required) argument(s) in call to \(name), got \(call.args.count)", at: call.position)
        }
        if function.variadic > 0, required + function.variadic < call.args.count {
            throw error(
                "expected at most \(required + function.variadic) argument(s) in call to \(name), got \(call.args.count)",
                at: call.position)
        }
    }

    @inline(never)
    private mutating func checkBinary(_ expr: Expr) throws(ParseError) -> Expr {
        guard case .binary(var binary) = expr else { return expr }
        binary.lhs = try check(binary.lhs)
        binary.rhs = try check(binary.rhs)
        return .binary(try settle(binary))
    }

    /// The checks of a binary expression whose operands are already checked.
    @inline(never)
    private func settle(_ original: BinaryExpr) throws(ParseError) -> BinaryExpr {
        var binary = original
        let lhsType = binary.lhs.type
        let rhsType = binary.rhs.type
        let op = binary.op

        if binary.returnBool && !op.isComparison {
            throw error("bool modifier can only be used on comparison operators", at: operatorRange(binary))
        }
        if op.isComparison && !binary.returnBool && lhsType == .scalar && rhsType == .scalar {
            throw error("comparisons between scalars must use BOOL modifier", at: operatorRange(binary))
        }
        if var matching = binary.matching {
            if op.isSetOperator && matching.cardinality == .oneToOne { matching.cardinality = .manyToMany }
            if matching.on {
                for label in matching.matchingLabels where matching.include.contains(label) {
                    throw error(
                        "label \(GoFormat.quote(label)) must not occur in ON and GROUP clause at once",
                        at: operatorRange(binary))
                }
            }
            binary.matching = matching
        }
        if lhsType != .scalar && lhsType != .vector {
            throw error("binary expression must contain only scalar and instant vector types", at: binary.lhs.position)
        }
        if rhsType != .scalar && rhsType != .vector {
            throw error("binary expression must contain only scalar and instant vector types", at: binary.rhs.position)
        }
        if let matching = binary.matching {
            if lhsType != .vector || rhsType != .vector {
                if !matching.matchingLabels.isEmpty {
                    throw error("vector matching only allowed between instant vectors", at: binary.position)
                }
                binary.matching = nil
            } else if op.isSetOperator {
                if matching.cardinality == .oneToMany || matching.cardinality == .manyToOne {
                    throw error("no grouping allowed for \(GoFormat.quote(op.rawValue)) operation", at: binary.position)
                }
                if matching.cardinality != .manyToMany {
                    throw error("set operations must always be many-to-many", at: binary.position)
                }
            }
        }
        if (lhsType == .scalar || rhsType == .scalar) && op.isSetOperator {
            throw error("set operator \(GoFormat.quote(op.rawValue)) not allowed in binary scalar expression", at: binary.position)
        }
        return binary
    }

    /// Checks `expr` and that it has type `want` (`expectType`).
    private mutating func expect(_ expr: Expr, _ want: ValueType, in context: String) throws(ParseError) -> Expr {
        let checked = try check(expr)
        try require(checked, want, in: context)
        return checked
    }

    private mutating func expect(_ expr: Expr, _ want: ValueType, inCallTo function: String) throws(ParseError) -> Expr {
        let checked = try check(expr)
        try require(checked, want, in: "call to function \(GoFormat.quote(function))")
        return checked
    }

    @inline(never)
    private func require(_ expr: Expr, _ want: ValueType, in context: String) throws(ParseError) {
        let type = expr.type
        if type != want {
            throw error("expected type \(want.documentedName) in \(context), got \(type.documentedName)", at: expr.position)
        }
    }

    /// The operator between the operands, without surrounding space. Like Prometheus, the end
    /// is the operator's last byte rather than one past it.
    private func operatorRange(_ binary: BinaryExpr) -> Range<Int> {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        var start = binary.lhs.position.upperBound
        while start < input.count, isSpace(input[start]) { start += 1 }
        var end = binary.rhs.position.lowerBound - 1
        while end > start, isSpace(input[end]) { end -= 1 }
        return start..<max(start, end)
    }

    private func error(_ message: String, at position: Range<Int>) -> ParseError {
        ParseError(message, at: position, in: input)
    }
}
