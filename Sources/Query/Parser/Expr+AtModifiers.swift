extension Expr {
    /// The expression with every `@ start()` and `@ end()` replaced by the query's start or
    /// end time (milliseconds), as Prometheus's engine does before evaluation
    /// (`PreprocessExpr`). The parser leaves them symbolic because it does not know the
    /// query's time range; detecting step-invariant subtrees is left to the evaluator.
    public func resolvingAtModifiers(start: Int64, end: Int64) -> Expr {
        func resolve(_ at: AtModifier?) -> AtModifier? {
            switch at {
            case .start: .timestamp(start)
            case .end: .timestamp(end)
            case .timestamp, nil: at
            }
        }
        switch self {
        case .number, .string:
            return self
        case .vectorSelector(var selector):
            selector.at = resolve(selector.at)
            return .vectorSelector(selector)
        case .matrixSelector(var matrix):
            matrix.selector.at = resolve(matrix.selector.at)
            return .matrixSelector(matrix)
        case .subquery(var subquery):
            subquery.at = resolve(subquery.at)
            subquery.expr = subquery.expr.resolvingAtModifiers(start: start, end: end)
            return .subquery(subquery)
        case .call(var call):
            call.args = call.args.map { $0.resolvingAtModifiers(start: start, end: end) }
            return .call(call)
        case .aggregate(var aggregate):
            aggregate.expr = aggregate.expr.resolvingAtModifiers(start: start, end: end)
            aggregate.parameter = aggregate.parameter?.resolvingAtModifiers(start: start, end: end)
            return .aggregate(aggregate)
        case .binary(var binary):
            binary.lhs = binary.lhs.resolvingAtModifiers(start: start, end: end)
            binary.rhs = binary.rhs.resolvingAtModifiers(start: start, end: end)
            return .binary(binary)
        case .unary(var unary):
            unary.expr = unary.expr.resolvingAtModifiers(start: start, end: end)
            return .unary(unary)
        case .paren(var paren):
            paren.expr = paren.expr.resolvingAtModifiers(start: start, end: end)
            return .paren(paren)
        }
    }
}
