import TSDB

extension Evaluator {
    /// An instant vector selector at every step: per series the newest sample in
    /// `[t - lookback, t]` (after `offset` and `@`), unless it is a stale marker. Points
    /// carry the step time, or with `sampleTimes` the sample's own time in seconds as the
    /// value (what `timestamp()` of a selector returns).
    mutating func evalVectorSelector(_ selector: VectorSelector, sampleTimes: Bool = false) throws(QueryError) -> Matrix {
        let offset = selector.offset.milliseconds
        let first = Self.referenceTime(steps.start, at: selector.at, offset: offset)
        let last = Self.referenceTime(steps.end, at: selector.at, offset: offset)
        let selected = try select(selector.matchers, mint: first &- lookback, maxt: last)
        var matrix: Matrix = []
        for series in selected {
            try deadline.check()
            var latest = LatestSample(series.samples)
            var points: [Sample] = []
            for (step, t) in steps.enumerated() {
                if step & 0xFFFF == 0xFFFF { try deadline.check() }
                let reference = Self.referenceTime(t, at: selector.at, offset: offset)
                guard let sample = latest.at(reference), sample.timestamp >= reference &- lookback,
                      !StaleMarker.isStale(sample.value) else { continue }
                guard currentSamples < maxSamples else { throw .tooManySamples }
                currentSamples += 1
                points.append(Sample(t, sampleTimes ? Double(sample.timestamp) / 1000 : sample.value))
            }
            try latest.checkSource()
            if !points.isEmpty { matrix.append(EvalSeries(labels: series.labels, points: points)) }
        }
        return matrix
    }

    /// A range vector selector at the (single) evaluation time: the raw samples in
    /// `[t - range, t]`, stale markers left out.
    mutating func evalMatrixSelector(_ selector: MatrixSelector) throws(QueryError) -> Matrix {
        let maxt = Self.referenceTime(steps.start, at: selector.selector.at, offset: selector.selector.offset.milliseconds)
        let mint = maxt &- selector.range.milliseconds
        var matrix: Matrix = []
        for series in try select(selector.selector.matchers, mint: mint, maxt: maxt) {
            try deadline.check()
            var window = SlidingWindow(series.samples)
            let (added, _) = window.advance(mint: mint, maxt: maxt)
            try window.checkSource()
            currentSamples += added
            if currentSamples > maxSamples { throw .tooManySamples }
            if added > 0 { matrix.append(EvalSeries(labels: series.labels, points: Array(window.samples))) }
        }
        return matrix
    }
}
