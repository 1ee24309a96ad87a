import Dispatch
import Synchronization
import TSDB

extension Evaluator {
    /// A function of range vectors: per series, the window slides across the steps and the
    /// function is called wherever it holds samples.
    ///
    /// Each series is evaluated on its own, on several threads when there is enough work
    /// (``OverRangeOutcome``), and the outcomes are then counted against `maxSamples` in
    /// series order, so that the result and any error are those of evaluating one series
    /// after another.
    mutating func evalOverRange(
        _ call: FunctionCall, matrixArgument: Int, kernel: RangeKernel, keepsMetricName: Bool
    ) throws(QueryError) -> Matrix {
        let scalars = try scalarArguments(call, except: matrixArgument)
        let steps = self.steps
        let deadline = self.deadline
        let argumentCount = call.args.count
        switch call.args[matrixArgument].unwrappingParens {
        case .matrixSelector(let matrix):
            let selector = matrix.selector
            let shape = WindowShape(range: matrix.range.milliseconds, offset: selector.offset.milliseconds, at: selector.at)
            let rollup = RangeRollups.request(call.function.name, shape: shape, steps: steps)
            let labels: [Labels]
            let readsRollups: [Bool]
            let cursors: CursorHandOff
            var counts: CursorHandOff?
            do {
                let (mint, maxt) = (shape.bounds(at: steps.start).mint, shape.bounds(at: steps.end).maxt)
                let selected = Array(try select(selector.matchers, mint: mint, maxt: maxt, rollup: rollup))
                labels = selected.map(\.labels)
                readsRollups = selected.map(\.readsRollups)
                cursors = CursorHandOff(selected)
                if readsRollups.contains(true), let countRequest = RangeRollups.countsBeside(call.function.name, rollup) {
                    let counted = Array(try select(selector.matchers, mint: mint, maxt: maxt, rollup: countRequest))
                    // Both selections read the same blocks, so they list the same series.
                    guard counted.map(\.labels) == labels else { throw QueryError.internal("the count rollups do not list the series the sums do") }
                    counts = CursorHandOff(counted)
                }
            }
            let outcomes = Self.outcomes(of: labels.count, steps: steps.count) { [counts] index in
                var window = SlidingWindow(SeriesSamples(stored: cursors.take(index)))
                if readsRollups[index], let counts {
                    var countWindow = SlidingWindow(SeriesSamples(stored: counts.take(index)))
                    return OverRangeOutcome(averaging: &window, counts: &countWindow, steps: steps, shape: shape, deadline: deadline)
                }
                return OverRangeOutcome(&window, steps: steps, shape: shape, scalars: scalars, argumentCount: argumentCount,
                                        kernel: RangeRollups.kernel(kernel, reading: rollup, readsRollups: readsRollups[index]), deadline: deadline)
            }
            return try count(outcomes, labels: { labels[$0] }, keepsMetricName: keepsMetricName)
        case .subquery(let subquery):
            let shape = WindowShape(range: subquery.range.milliseconds, offset: subquery.offset.milliseconds, at: subquery.at)
            let evaluated = try evalSubquery(subquery)
            let outcomes = Self.outcomes(of: evaluated.count, steps: steps.count) { index in
                var window = SlidingWindow(SeriesSamples(evaluated: evaluated[index].points))
                return OverRangeOutcome(&window, steps: steps, shape: shape, scalars: scalars,
                                        argumentCount: argumentCount, kernel: kernel, deadline: deadline)
            }
            let result = try count(outcomes, labels: { evaluated[$0].labels }, keepsMetricName: keepsMetricName)
            currentSamples -= evaluated.totalPoints
            return result
        case let argument:
            throw .internal("expected a range vector, got \(argument)")
        }
    }

    /// The outcome of every series in order, computed on several threads when `series ×
    /// steps` is large enough to pay for them. A list may stop early at a failed outcome:
    /// the series after it are not evaluated, as an error ends the query there anyway.
    private static func outcomes(of series: Int, steps: Int, _ evaluate: @Sendable (Int) -> OverRangeOutcome) -> [OverRangeOutcome] {
        let blockSize = 16
        guard series >= 2 * blockSize, series.multipliedReportingOverflow(by: steps).partialValue >= 100_000 else {
            var outcomes: [OverRangeOutcome] = []
            outcomes.reserveCapacity(series)
            for index in 0..<series {
                outcomes.append(evaluate(index))
                if outcomes[index].failure != nil { break }
            }
            return outcomes
        }
        // Small blocks handed out as threads become free keep the threads busy to the end
        // when the series differ in size or another process takes a core for a while.
        let blocks = (series + blockSize - 1) / blockSize
        let results = Mutex<[[OverRangeOutcome]]>(Array(repeating: [], count: blocks))
        DispatchQueue.concurrentPerform(iterations: blocks) { block in
            var outcomes: [OverRangeOutcome] = []
            outcomes.reserveCapacity(blockSize)
            for index in block * blockSize..<min(series, (block + 1) * blockSize) {
                outcomes.append(evaluate(index))
                if outcomes[outcomes.count - 1].failure != nil { break }
            }
            results.withLock { $0[block] = outcomes }
        }
        var outcomes: [OverRangeOutcome] = []
        outcomes.reserveCapacity(series)
        for block in results.withLock({ $0 }) {
            outcomes.append(contentsOf: block)
            if block.last?.failure != nil { break }
        }
        return outcomes
    }

    /// Counts the outcomes against `maxSamples` one series after another, as evaluating
    /// them in turn would have, and collects their points.
    private mutating func count(
        _ outcomes: [OverRangeOutcome], labels: (Int) -> Labels, keepsMetricName: Bool
    ) throws(QueryError) -> Matrix {
        var matrix: Matrix = []
        for (index, outcome) in outcomes.enumerated() {
            if currentSamples + outcome.peak > maxSamples { throw .tooManySamples }
            if let failure = outcome.failure { throw failure }
            // The window is still held while the result is counted, as in Prometheus.
            if !outcome.points.isEmpty {
                guard currentSamples + outcome.held + outcome.points.count <= maxSamples else { throw .tooManySamples }
                currentSamples += outcome.points.count
                let labels = labels(index)
                matrix.append(EvalSeries(labels: keepsMetricName ? labels : labels.droppingMetricName(), points: outcome.points))
            }
        }
        if matrix.containsDuplicateLabels { throw .duplicateLabelset }
        return matrix
    }
}

/// The cursors of a selection, each taken by the one call that evaluates its series, so
/// that the series' chunks are freed on that thread as soon as it is done with them, not all
/// together on the query's thread at the end.
private final class CursorHandOff: @unchecked Sendable {
    // Unchecked: slot `i` is only touched by `take(i)`, which the evaluation of series `i`
    // calls once (`outcomes(of:steps:_:)` evaluates each index at most once), and
    // by `deinit`, after every evaluation has returned.
    private let slots: UnsafeMutableBufferPointer<SampleCursor?>

    init(_ series: [StoredSeries]) {
        slots = .allocate(capacity: series.count)
        for (index, s) in series.enumerated() { (slots.baseAddress! + index).initialize(to: s.samples) }
    }

    func take(_ index: Int) -> SampleCursor {
        let cursor = slots[index].take()
        return cursor!
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }
}

/// What a function of a range vector yields for one series over all steps, with what its
/// window held, so that its samples can be counted after the fact as if it had been
/// evaluated in turn.
struct OverRangeOutcome {
    var points: [Sample] = []
    /// The most samples the window held at one step, up to a failure.
    var peak = 0
    /// Samples the window held after the last step.
    var held = 0
    /// The error the series ended with: from the function, the deadline or the store.
    var failure: QueryError?

    init(
        _ window: inout SlidingWindow<SeriesSamples>, steps: StepRange, shape: WindowShape,
        scalars: [[Double]], argumentCount: Int, kernel: RangeKernel, deadline: Deadline
    ) {
        do throws(QueryError) {
            try deadline.check()
            switch kernel {
            // One copy of the step loop per function, each with its flags constant: a flag
            // read from memory at every step was a twentieth of the loop.
            case .extrapolatedRate(isCounter: true, isRate: true):
                try extrapolatedRates(&window, steps: steps, shape: shape, isCounter: true, isRate: true, deadline: deadline)
            case .extrapolatedRate(isCounter: true, isRate: false):
                try extrapolatedRates(&window, steps: steps, shape: shape, isCounter: true, isRate: false, deadline: deadline)
            case .extrapolatedRate(isCounter: false, let isRate):
                try extrapolatedRates(&window, steps: steps, shape: shape, isCounter: false, isRate: isRate, deadline: deadline)
            case .function(let function):
                var arguments = CallScalars(time: 0, count: argumentCount)
                try slide(&window, steps: steps, shape: shape, deadline: deadline) { window, step, t, mint, maxt throws(QueryError) in
                    arguments.time = t
                    for (index, values) in scalars.enumerated() where !values.isEmpty { arguments[index] = values[step] }
                    return try function(RangeCall(samples: window.samples, rangeStart: mint, rangeEnd: maxt, range: shape.range,
                                                  scalars: arguments, counterResets: window.counterResets))
                }
            }
            try window.checkSource()
        } catch {
            failure = error
        }
        held = window.count
    }
}

extension OverRangeOutcome {
    /// `avg_over_time` over rollups: per step, the windows' sums added up over their counts
    /// added up (raw samples in the range come as a sum of themselves and a count of 1). This
    /// is the mean up to rounding; where the sum of the values overflows a double and their
    /// incremental mean would not (values beyond about 1e307), it gives ±Inf.
    init(
        averaging sums: inout SlidingWindow<SeriesSamples>, counts: inout SlidingWindow<SeriesSamples>,
        steps: StepRange, shape: WindowShape, deadline: Deadline
    ) {
        do throws(QueryError) {
            try deadline.check()
            try slide(&sums, steps: steps, shape: shape, deadline: deadline) { sums, _, _, mint, maxt in
                _ = counts.advance(mint: mint, maxt: maxt)
                var total = KahanSum()
                for sample in sums.samples { total.add(sample.value) }
                var count = 0.0
                for sample in counts.samples { count += sample.value }
                return total.total / count
            }
            try sums.checkSource()
            try counts.checkSource()
        } catch {
            failure = error
        }
        held = sums.count
    }

    /// Moves `window` across the steps, noting its peak and checking the deadline now and
    /// then; where it holds samples, `value` gives the step's point (nil: none), from the
    /// window, the step's index and time, and the window's bounds.
    private mutating func slide(
        _ window: inout SlidingWindow<SeriesSamples>, steps: StepRange, shape: WindowShape, deadline: Deadline,
        _ value: (_ window: SlidingWindow<SeriesSamples>, _ step: Int, _ t: Int64, _ mint: Int64, _ maxt: Int64) throws(QueryError) -> Double?
    ) throws(QueryError) {
        var step = 0
        for t in steps {
            defer { step += 1 }
            if step & 0xFFFF == 0xFFFF { try deadline.check() }
            let (mint, maxt) = shape.bounds(at: t)
            _ = window.advance(mint: mint, maxt: maxt)
            if window.count > peak { peak = window.count }
            if window.isEmpty { continue }
            if let point = try value(window, step, t, mint, maxt) { points.append(Sample(t, point)) }
        }
    }

    /// What `rate`, `increase` and `delta` need of one step's window.
    private struct RateStep {
        var t: Int64
        var mint: Int64
        var maxt: Int64
        var first: Sample
        var last: Sample
        var count: Int
        var result: Double
    }

    /// The ``RangeKernel/extrapolatedRate(isCounter:isRate:)`` kernel over all steps, in two
    /// passes over runs of steps: the window moves and its ends are noted first, then the
    /// floating-point work, a chain of dependent divisions per step, runs over the run with no
    /// window bookkeeping between the steps, so that the divisions of several steps overlap.
    /// Each value is computed by the same expression as one step at a time would.
    @inline(__always)
    private mutating func extrapolatedRates(
        _ window: inout SlidingWindow<SeriesSamples>, steps: StepRange, shape: WindowShape,
        isCounter: Bool, isRate: Bool, deadline: Deadline
    ) throws(QueryError) {
        let runLength = 64
        // RateStep is a trivial type: the slots need no deinitialization.
        let run = UnsafeMutablePointer<RateStep>.allocate(capacity: runLength)
        defer { run.deallocate() }
        var pending = 0
        var step = 0
        for t in steps {
            defer { step += 1 }
            if step & 0xFFFF == 0xFFFF { try deadline.check() }
            let (mint, maxt) = shape.bounds(at: t)
            _ = window.advance(mint: mint, maxt: maxt)
            let count = window.count
            if count > peak { peak = count }
            guard count >= 2 else { continue }
            let first = window.first
            let last = window.last
            var result = last.value - first.value
            if isCounter && window.counterResets > 0 { result = window.addingCounterResets(to: result) }
            (run + pending).initialize(to: RateStep(t: t, mint: mint, maxt: maxt, first: first, last: last, count: count, result: result))
            pending += 1
            if pending == runLength {
                // A series with a point at each of its first steps has one at nearly every
                // step: room for all of them at once, rather than a copy per doubling (a
                // twentieth of the query in memmove). A sparse one grows as it goes.
                if points.isEmpty && run[runLength - 1].t &- run[0].t == Int64(runLength - 1) &* steps.interval {
                    points.reserveCapacity(steps.count)
                }
                appendRates(UnsafeBufferPointer(start: run, count: pending), range: shape.range, isCounter: isCounter, isRate: isRate)
                pending = 0
            }
        }
        appendRates(UnsafeBufferPointer(start: run, count: pending), range: shape.range, isCounter: isCounter, isRate: isRate)
    }

    /// The values of a run of steps, computed into a buffer with no appends between them (so
    /// that the divisions of successive steps overlap), then appended to `points` at once.
    private mutating func appendRates(_ run: UnsafeBufferPointer<RateStep>, range: Int64, isCounter: Bool, isRate: Bool) {
        guard !run.isEmpty else { return }
        let rangeSeconds = Functions.seconds(range)
        withUnsafeTemporaryAllocation(of: Sample.self, capacity: run.count) { values in
            var i = 0
            while i + 1 < run.count {
                let a = run[i], b = run[i + 1]
                let rates = Functions.extrapolatedRates(
                    SIMD2(a.result, b.result), first: (a.first, b.first), last: (a.last, b.last), count: (a.count, b.count),
                    rangeStart: (a.mint, b.mint), rangeEnd: (a.maxt, b.maxt), rangeSeconds: rangeSeconds, isCounter: isCounter, isRate: isRate)
                values.initializeElement(at: i, to: Sample(a.t, rates[0]))
                values.initializeElement(at: i + 1, to: Sample(b.t, rates[1]))
                i += 2
            }
            if i < run.count {
                let s = run[i]
                let value = Functions.extrapolatedRate(s.result, first: s.first, last: s.last, count: s.count, rangeStart: s.mint,
                                                       rangeEnd: s.maxt, range: range, isCounter: isCounter, isRate: isRate)
                values.initializeElement(at: i, to: Sample(s.t, value))
            }
            points.append(contentsOf: values)
        }
    }
}

/// What is computed from each window of a range vector.
enum RangeKernel: Sendable {
    /// A function of the window's samples.
    case function(RangeFunction)
    /// `rate`, `increase`, `delta`: from the window's ends and counter resets alone.
    case extrapolatedRate(isCounter: Bool, isRate: Bool)
}
