import TSDB

extension Evaluator {
    /// The steps a subquery evaluates its expression at for the current range: every
    /// multiple of its step (counted from the epoch) from `start - offset - range` to
    /// `end - offset`, with `@` in place of start and end.
    func subquerySteps(_ subquery: SubqueryExpr) -> StepRange {
        let interval = subquery.step.milliseconds > 0 ? subquery.step.milliseconds : defaultSubqueryStep
        let offset = subquery.offset.milliseconds
        let range = subquery.range.milliseconds
        var outerStart = steps.start
        var outerEnd = steps.end
        if case .timestamp(let pinned) = subquery.at {
            outerStart = pinned
            outerEnd = pinned
        }
        // Times wrap around rather than trap, as in Go.
        let earliest = outerStart &- offset &- range
        // Truncating division, as Go's, then up to the first multiple not before `earliest`.
        var start = interval &* (earliest / interval)
        if start < earliest { start &+= interval }
        return StepRange(start: start, end: outerEnd &- offset, interval: interval)
    }

    /// `expr[range:step]`: the expression evaluated at the subquery's own steps, a range
    /// vector of those points.
    mutating func evalSubquery(_ subquery: SubqueryExpr) throws(QueryError) -> Matrix {
        try with(steps: subquerySteps(subquery)) { (inner) throws(QueryError) in try inner.eval(subquery.expr) }
    }
}
