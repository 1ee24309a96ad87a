import TSDB

/// Evaluates an expression over a range of steps, as Prometheus's `evaluator`: every node
/// yields a ``Matrix`` whose points sit at the step times. Selectors and functions over
/// range vectors walk each series once across all steps; operators, aggregations and
/// instant functions run step by step over their arguments' matrices (``rangeEval(_:_:)``).
///
/// An instant query is a range of one step (interval 1, as Prometheus does). Subqueries
/// evaluate their expression with a nested range; the sample count and the deadline are
/// shared, as in Prometheus.
struct Evaluator<Q: Querier> {
    let querier: Q
    var steps: StepRange
    /// The step passed to the store as a hint: 0 for instant queries.
    var hintStep: Int64
    let lookback: Int64
    let maxSamples: Int
    let defaultSubqueryStep: Int64
    let deadline: Deadline
    /// Samples held in memory now, counted as Prometheus counts them for `maxSamples`.
    var currentSamples = 0

    init(querier: Q, steps: StepRange, hintStep: Int64, options: EngineOptions, deadline: Deadline) {
        self.querier = querier
        self.steps = steps
        self.hintStep = hintStep
        self.lookback = options.lookbackDelta
        self.maxSamples = options.maxSamples
        self.defaultSubqueryStep = options.defaultSubqueryStep
        self.deadline = deadline
    }

    /// Evaluates an expression of type instant vector, scalar or (single step only) range
    /// vector. String literals are handled by the caller.
    mutating func eval(_ expr: Expr) throws(QueryError) -> Matrix {
        try deadline.check()
        if steps.start != steps.end, expr.isStepInvariant, expr.type == .vector || expr.type == .scalar {
            switch expr {
            case .number, .string: break
            default: return try evalStepInvariant(expr)
            }
        }
        switch expr {
        case .number(let number):
            return try constant(number.value)
        case .string:
            throw .internal("unexpected string literal in evaluation")
        case .paren(let paren):
            return try eval(paren.expr)
        case .unary(let unary):
            var matrix = try eval(unary.expr)
            if unary.op == .minus {
                for index in matrix.indices {
                    matrix[index].labels = matrix[index].labels.droppingMetricName()
                    for point in matrix[index].points.indices { matrix[index].points[point].value.negate() }
                }
                if matrix.containsDuplicateLabels { throw .duplicateLabelset }
            }
            return matrix
        case .vectorSelector(let selector):
            return try evalVectorSelector(selector)
        case .matrixSelector(let selector):
            guard steps.start == steps.end else { throw .internal("cannot do range evaluation of matrix selector") }
            return try evalMatrixSelector(selector)
        case .subquery(let subquery):
            return try evalSubquery(subquery)
        case .call(let call):
            return try evalCall(call)
        case .aggregate(let aggregate):
            return try evalAggregate(aggregate)
        case .binary(let binary):
            return try evalBinary(binary)
        }
    }

    /// A scalar that is the same at every step (a number literal).
    mutating func constant(_ value: Double) throws(QueryError) -> Matrix {
        let count = steps.count
        currentSamples += count
        if currentSamples > maxSamples { throw .tooManySamples }
        return [EvalSeries(labels: .empty, points: steps.map { Sample($0, value) })]
    }

    /// Evaluates `expr` over another range (a subquery's, or one step), sharing the sample
    /// count.
    mutating func with<R>(steps other: StepRange, _ body: (inout Self) throws(QueryError) -> R) throws(QueryError) -> R {
        let saved = steps
        steps = other
        defer { steps = saved }
        return try body(&self)
    }

    /// An expression whose value does not depend on the step (everything in it pinned with
    /// `@`) is evaluated once at the first step and repeated, as Prometheus's
    /// `StepInvariantExpr`.
    private mutating func evalStepInvariant(_ expr: Expr) throws(QueryError) -> Matrix {
        let first = StepRange(start: steps.start, end: steps.start, interval: steps.interval)
        var matrix = try with(steps: first) { (inner) throws(QueryError) in try inner.eval(expr) }
        let times = Array(steps.dropFirst())
        for index in matrix.indices {
            guard let value = matrix[index].points.first?.value else { continue }
            matrix[index].points.reserveCapacity(times.count + 1)
            for t in times {
                matrix[index].points.append(Sample(t, value))
                currentSamples += 1
                if currentSamples > maxSamples { throw .tooManySamples }
            }
        }
        return matrix
    }

    /// The store's series for `matchers` with samples in `[mint, maxt]`; per-window aggregates
    /// where `rollup` asks for them and the store has them.
    func select(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64, rollup: RollupRequest? = nil) throws(QueryError) -> Q.Series {
        do {
            return try querier.select(matchers, mint: mint, maxt: maxt, hints: SelectHints(step: hintStep, rollup: rollup))
        } catch {
            throw .internal("expanding series: \(error)")
        }
    }

    /// The sample time a selector reads at step `t`: `@` pins it, `offset` shifts it back.
    /// Arithmetic on times wraps around rather than trapping, as Go's does: an absurd
    /// offset yields an empty result, never a crash.
    @inline(__always)
    static func referenceTime(_ t: Int64, at: AtModifier?, offset: Int64) -> Int64 {
        if case .timestamp(let pinned) = at { return pinned &- offset }
        return t &- offset
    }
}

/// When a query must stop: its deadline, or its task being cancelled.
struct Deadline: Sendable {
    let clock: @Sendable () -> Duration
    let limit: Duration

    init(clock: @escaping @Sendable () -> Duration, timeout: Duration) {
        self.clock = clock
        self.limit = clock() + timeout
    }

    func check() throws(QueryError) {
        if Task.isCancelled { throw .cancelled }
        if clock() > limit { throw .timedOut }
    }
}

extension Expr {
    /// Whether the expression yields the same value at every step (Prometheus's
    /// `preprocessExprHelper`): every selector and subquery in it is pinned with `@`, and
    /// no function reads the evaluation time. An aggregation looks at its vector only, as
    /// Prometheus does.
    var isStepInvariant: Bool {
        switch self {
        case .number, .string: true
        case .vectorSelector(let selector): selector.at != nil
        case .matrixSelector(let matrix): matrix.selector.at != nil
        case .subquery(let subquery): subquery.at != nil
        case .aggregate(let aggregate): aggregate.expr.isStepInvariant
        case .binary(let binary): binary.lhs.isStepInvariant && binary.rhs.isStepInvariant
        case .call(let call):
            !Functions.readsEvaluationTime.contains(call.function.name) && call.args.allSatisfy(\.isStepInvariant)
        case .paren(let paren): paren.expr.isStepInvariant
        case .unary(let unary): unary.expr.isStepInvariant
        }
    }

    /// The expression inside any parentheses.
    var unwrappingParens: Expr {
        var expr = self
        while case .paren(let paren) = expr { expr = paren.expr }
        return expr
    }
}
