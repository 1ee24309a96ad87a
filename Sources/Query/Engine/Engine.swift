public import TSDB

/// Evaluates PromQL against a ``Querier`` as Prometheus 2.42 does.
///
/// ```swift
/// let engine = Engine()
/// let now = Int64(Date().timeIntervalSince1970 * 1000)
/// let up = try engine.instant("up == 0", at: now, querier: store.querier())
/// let cpu = try engine.range("sum by (job) (rate(cpu_seconds_total[5m]))",
///                            start: now - 3_600_000, end: now, step: 60_000, querier: store.querier())
/// ```
///
/// Times are milliseconds since the epoch. Errors are ``QueryError``s carrying the
/// `errorType` and message Prometheus's API would return.
public struct Engine: Sendable {
    public let options: EngineOptions

    public init(options: EngineOptions = .init()) {
        self.options = options
    }

    /// Evaluates `query` at `time`; the result has the expression's type.
    public func instant(_ query: String, at time: Int64, querier: some Querier) throws(QueryError) -> QueryResult {
        try instant(try Self.parse(query), at: time, querier: querier)
    }

    /// Evaluates a parsed expression at `time` (for rules, which parse once).
    public func instant(_ expr: Expr, at time: Int64, querier: some Querier) throws(QueryError) -> QueryResult {
        let expr = expr.resolvingAtModifiers(start: time, end: time)
        if case .string(let literal) = expr.unwrappingParens { return .string(time, literal.value) }
        var evaluator = Evaluator(
            querier: querier, steps: StepRange(start: time, end: time, interval: 1), hintStep: 0, options: options,
            deadline: Deadline(clock: options.clock, timeout: options.timeout))
        let matrix = try evaluator.eval(expr)
        switch expr.type {
        case .vector:
            return .vector(matrix.map { InstantSample(labels: $0.labels, timestamp: time, value: $0.points[0].value) })
        case .scalar:
            return .scalar(Sample(time, matrix.first?.points.first?.value ?? .nan))
        default:
            return .matrix(matrix.map { RangeSeries(labels: $0.labels, samples: $0.points) })
        }
    }

    /// Evaluates `query` at `start`, `start + step`, … through `end`; the result is a
    /// matrix with series sorted by labels.
    public func range(_ query: String, start: Int64, end: Int64, step: Int64, querier: some Querier) throws(QueryError) -> QueryResult {
        try checkRange(start: start, end: end, step: step)
        return try range(try Self.parse(query), start: start, end: end, step: step, querier: querier)
    }

    /// Evaluates a parsed expression over a range.
    public func range(_ expr: Expr, start: Int64, end: Int64, step: Int64, querier: some Querier) throws(QueryError) -> QueryResult {
        try checkRange(start: start, end: end, step: step)
        guard expr.type == .vector || expr.type == .scalar else {
            throw .badData(
                "invalid expression type \(GoFormat.quote(expr.type.documentedName)) for range query, must be Scalar or instant Vector",
                parameter: "query")
        }
        let expr = expr.resolvingAtModifiers(start: start, end: end)
        var evaluator = Evaluator(
            querier: querier, steps: StepRange(start: start, end: end, interval: step), hintStep: step, options: options,
            deadline: Deadline(clock: options.clock, timeout: options.timeout))
        var matrix = try evaluator.eval(expr)
        try evaluator.deadline.check()
        matrix.sort { $0.labels < $1.labels }
        return .matrix(matrix.map { RangeSeries(labels: $0.labels, samples: $0.points) })
    }

    /// The checks Prometheus's API makes on a range before evaluating anything.
    private func checkRange(start: Int64, end: Int64, step: Int64) throws(QueryError) {
        if end < start { throw .badData("end timestamp must not be before start time", parameter: "end") }
        if step <= 0 {
            throw .badData("zero or negative query resolution step widths are not accepted. Try a positive integer", parameter: "step")
        }
        // Go's time.Sub saturates; a span that does not fit is too long anyway.
        let (span, overflow) = end.subtractingReportingOverflow(start)
        if overflow || span / step > Int64(options.maxPointsPerSeries) {
            throw .badData(
                "exceeded maximum resolution of \(Self.grouped(options.maxPointsPerSeries)) points per timeseries. "
                    + "Try decreasing the query resolution (?step=XX)")
        }
    }

    private static func parse(_ query: String) throws(QueryError) -> Expr {
        do {
            return try PromQL.parse(query)
        } catch {
            throw .badData(error.description, parameter: "query")
        }
    }

    /// 11000 as "11,000".
    private static func grouped(_ number: Int) -> String {
        let digits = Array(String(number))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return out
    }
}
