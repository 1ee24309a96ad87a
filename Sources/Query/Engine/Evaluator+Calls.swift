import TSDB

extension Evaluator {
    mutating func evalCall(_ call: FunctionCall) throws(QueryError) -> Matrix {
        let name = call.function.name
        guard let implementation = Functions.table[name] else {
            throw .internal("function \(name) has no evaluator in this engine")
        }
        // A function of a range vector walks each series once across all steps.
        if let index = call.args.firstIndex(where: { $0.unwrappingParens.type == .matrix }) {
            switch implementation {
            case .overRange(let function, let keepsMetricName):
                return try evalOverRange(call, matrixArgument: index, kernel: .function(function), keepsMetricName: keepsMetricName)
            case .extrapolatedRate(let isCounter, let isRate):
                return try evalOverRange(call, matrixArgument: index, kernel: .extrapolatedRate(isCounter: isCounter, isRate: isRate),
                                         keepsMetricName: false)
            case .absentOverTime:
                return try evalAbsentOverTime(call, matrixArgument: index)
            default:
                throw .internal("function \(name) does not take a range vector")
            }
        }
        let original = currentSamples
        switch implementation {
        case .overRange, .extrapolatedRate, .absentOverTime:
            throw .internal("function \(name) needs a range vector")
        case .elementwise(let function):
            var op = ElementwiseOperator(function, argumentCount: call.args.count)
            return try rangeEval(&op, call.args)
        case .date(let field):
            var op = DateOperator(field: field, hasArgument: !call.args.isEmpty)
            return try rangeEval(&op, call.args)
        case .timestamp:
            if case .vectorSelector(let selector) = call.args[0].unwrappingParens {
                // The time of the samples the selector reads, not of the step.
                let times = try evalVectorSelector(selector, sampleTimes: true)
                var op = ElementwiseOperator({ value, _ in value }, argumentCount: 1)
                return try rangeEval(&op, inputs: [times], original: original)
            }
            var op = ElementwiseOperator({ _, scalars in Double(scalars.time) / 1000 }, argumentCount: 1)
            return try rangeEval(&op, call.args)
        case .absent:
            var op = AbsentOperator(labels: AbsentOperator.labels(for: call.args[0]))
            return try rangeEval(&op, call.args)
        case .scalar:
            var op = UnlabelledOperator { _, args in args[0].count == 1 ? args[0][0].value : .nan }
            return try rangeEval(&op, call.args)
        case .vector:
            var op = UnlabelledOperator { _, args in args[0][0].value }
            return try rangeEval(&op, call.args)
        case .clock(let compute):
            var op = UnlabelledOperator { t, _ in compute(t) }
            return try rangeEval(&op, [])
        case .sort(let descending):
            var op = SortOperator(descending: descending)
            return try rangeEval(&op, call.args)
        case .labelReplace:
            // The vector first: its errors come before those of the other arguments.
            let inputs = [try eval(call.args[0])]
            var op = try RelabelOperator.labelReplace(
                destination: try stringArgument(call, 1), replacement: try stringArgument(call, 2),
                source: try stringArgument(call, 3), regex: try stringArgument(call, 4))
            return try rangeEval(&op, inputs: inputs, original: original)
        case .labelJoin:
            let inputs = [try eval(call.args[0])]
            var sources: [String] = []
            for index in 3..<call.args.count { sources.append(try stringArgument(call, index)) }
            var op = try RelabelOperator.labelJoin(
                destination: try stringArgument(call, 1), separator: try stringArgument(call, 2), sources: sources)
            return try rangeEval(&op, inputs: inputs, original: original)
        case .histogramQuantile:
            var op = HistogramQuantileOperator()
            return try rangeEval(&op, call.args)
        case .nativeHistogramOnly:
            var op = EmptyOperator()
            return try rangeEval(&op, call.args)
        }
    }

    private func stringArgument(_ call: FunctionCall, _ index: Int) throws(QueryError) -> String {
        guard index < call.args.count, case .string(let literal) = call.args[index].unwrappingParens else {
            throw .internal("argument \(index + 1) of \(call.function.name) is not a string")
        }
        return literal.value
    }

    /// Evaluates the scalar arguments of a call with a range vector, one value per step.
    mutating func scalarArguments(_ call: FunctionCall, except matrixArgument: Int) throws(QueryError) -> [[Double]] {
        var values: [[Double]] = Array(repeating: [], count: call.args.count)
        for (index, arg) in call.args.enumerated() where index != matrixArgument {
            values[index] = try eval(arg).first?.points.map(\.value) ?? []
        }
        return values
    }

    /// Calls `body` with a window over each series of a range argument: a selector's
    /// stored series, or the points of a subquery (which stay counted until all are done,
    /// as Prometheus counts them).
    private mutating func forEachSeries(
        of argument: Expr,
        _ body: (inout Self, Labels, inout SlidingWindow<SeriesSamples>, WindowShape) throws(QueryError) -> Void
    ) throws(QueryError) {
        switch argument.unwrappingParens {
        case .matrixSelector(let matrix):
            let selector = matrix.selector
            let shape = WindowShape(range: matrix.range.milliseconds, offset: selector.offset.milliseconds, at: selector.at)
            let mint = shape.bounds(at: steps.start).mint
            let maxt = shape.bounds(at: steps.end).maxt
            for series in try select(selector.matchers, mint: mint, maxt: maxt) {
                try deadline.check()
                var window = SlidingWindow(SeriesSamples(stored: series.samples))
                try body(&self, series.labels, &window, shape)
            }
        case .subquery(let subquery):
            let shape = WindowShape(range: subquery.range.milliseconds, offset: subquery.offset.milliseconds, at: subquery.at)
            let matrix = try evalSubquery(subquery)
            for series in matrix {
                try deadline.check()
                var window = SlidingWindow(SeriesSamples(evaluated: series.points))
                try body(&self, series.labels, &window, shape)
            }
            currentSamples -= matrix.totalPoints
        default:
            throw .internal("expected a range vector, got \(argument)")
        }
    }

    /// `absent_over_time(v[r])`: 1 at each step where no series of `v` has a sample in
    /// the window, labelled as `absent` would label it.
    private mutating func evalAbsentOverTime(_ call: FunctionCall, matrixArgument: Int) throws(QueryError) -> Matrix {
        var present = [Bool](repeating: false, count: steps.count)
        try forEachSeries(of: call.args[matrixArgument]) { (ev, _, window, shape) throws(QueryError) in
            var produced = 0
            for (step, t) in ev.steps.enumerated() {
                if step & 0xFFFF == 0xFFFF { try ev.deadline.check() }
                let (mint, maxt) = shape.bounds(at: t)
                let moved = window.advance(mint: mint, maxt: maxt)
                ev.currentSamples += moved.added - moved.dropped
                if ev.currentSamples > ev.maxSamples { throw .tooManySamples }
                if !window.isEmpty {
                    present[step] = true
                    produced += 1
                }
            }
            try window.checkSource()
            // Prometheus first builds a 1 per series and step with samples, and counts them.
            guard ev.currentSamples + produced <= ev.maxSamples else { throw .tooManySamples }
            ev.currentSamples += produced - window.count
        }
        var points: [Sample] = []
        for (step, t) in steps.enumerated() where !present[step] { points.append(Sample(t, 1)) }
        guard !points.isEmpty else { return [] }
        currentSamples += points.count
        return [EvalSeries(labels: AbsentOperator.labels(for: call.args[matrixArgument]), points: points)]
    }
}

/// How a range argument's window sits relative to each step.
struct WindowShape: Sendable {
    var range: Int64
    var offset: Int64
    var at: AtModifier?

    /// The window at step `t`; times wrap around as ``Evaluator/referenceTime(_:at:offset:)``'s.
    @inline(__always)
    func bounds(at t: Int64) -> (mint: Int64, maxt: Int64) {
        var maxt = t &- offset
        if case .timestamp(let pinned) = at { maxt = pinned &- offset }
        return (maxt &- range, maxt)
    }
}
