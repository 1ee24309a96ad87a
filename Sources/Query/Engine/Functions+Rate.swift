import TSDB

extension Functions {
    /// Rates, deltas, derivatives and counter functions over range vectors.
    static let rateFunctions: [String: FunctionImplementation] = [
        "rate": .extrapolatedRate(isCounter: true, isRate: true),
        "increase": .extrapolatedRate(isCounter: true, isRate: false),
        "delta": .extrapolatedRate(isCounter: false, isRate: false),
        "irate": .overRange({ call in instantValue(call.samples, isRate: true) }, keepsMetricName: false),
        "idelta": .overRange({ call in instantValue(call.samples, isRate: false) }, keepsMetricName: false),
        "deriv": .overRange({ call in
            guard call.samples.count >= 2 else { return nil }
            // Regress around the first sample's time to keep the numbers small (Prometheus
            // issue 2674).
            return linearRegression(call.samples, interceptTime: call.samples.first!.timestamp).slope
        }, keepsMetricName: false),
        "predict_linear": .overRange({ call in
            guard call.samples.count >= 2 else { return nil }
            let (slope, intercept) = linearRegression(call.samples, interceptTime: call.scalars.time)
            return slope * call.scalars[1] + intercept
        }, keepsMetricName: false),
        "holt_winters": .overRange(holtWinters, keepsMetricName: false),
        "resets": .overRange({ call in Double(call.counterResets) }, keepsMetricName: false),
        "changes": .overRange({ call in
            var changes = 0
            var previous = call.samples.first!.value
            for sample in call.samples.dropFirst() {
                let current = sample.value
                if current != previous && !(current.isNaN && previous.isNaN) { changes += 1 }
                previous = current
            }
            return Double(changes)
        }, keepsMetricName: false),
    ]

    /// `rate`, `increase` and `delta` (Prometheus's `extrapolatedRate`): `result`, the change
    /// between the `first` and `last` of `count` samples (counter resets added back for
    /// counters), extrapolated towards the window's edges when the samples come close to
    /// them, per second for `rate`.
    static func extrapolatedRate(
        _ result: Double, first: Sample, last: Sample, count: Int, rangeStart: Int64, rangeEnd: Int64, range: Int64,
        isCounter: Bool, isRate: Bool
    ) -> Double {
        var durationToStart = seconds(first.timestamp - rangeStart)
        let durationToEnd = seconds(rangeEnd - last.timestamp)
        let sampledInterval = seconds(last.timestamp - first.timestamp)
        let averageDurationBetweenSamples = sampledInterval / Double(count - 1)

        if isCounter && result > 0 && first.value >= 0 {
            // A counter starts at zero: do not extrapolate back past the point where the
            // slope says it was zero.
            let durationToZero = sampledInterval * (first.value / result)
            if durationToZero < durationToStart { durationToStart = durationToZero }
        }
        // Extrapolate to an edge only if a sample there would have been expected; else
        // assume the series starts or ends half an interval beyond the samples.
        let threshold = averageDurationBetweenSamples * 1.1
        var extrapolateToInterval = sampledInterval
        extrapolateToInterval += durationToStart < threshold ? durationToStart : averageDurationBetweenSamples / 2
        extrapolateToInterval += durationToEnd < threshold ? durationToEnd : averageDurationBetweenSamples / 2
        var factor = extrapolateToInterval / sampledInterval
        if isRate { factor /= seconds(range) }
        return result * factor
    }

    /// ``extrapolatedRate(_:first:last:count:rangeStart:rangeEnd:range:isCounter:isRate:)`` of
    /// two windows at once, lane by lane: the same operations in the same order on each lane,
    /// so each result is bit for bit the scalar one (IEEE division and multiplication are
    /// correctly rounded in a vector lane as in a scalar register). Its divisions go two to an
    /// instruction, which is what the step loop of `rate` waits on.
    @inline(__always)
    static func extrapolatedRates(
        _ result: SIMD2<Double>, first: (Sample, Sample), last: (Sample, Sample), count: (Int, Int),
        rangeStart: (Int64, Int64), rangeEnd: (Int64, Int64), rangeSeconds: Double, isCounter: Bool, isRate: Bool
    ) -> SIMD2<Double> {
        // `seconds(_:)` is this division, also where it takes its shortcut.
        var durationToStart = SIMD2(Double(first.0.timestamp - rangeStart.0), Double(first.1.timestamp - rangeStart.1)) / 1000
        let durationToEnd = SIMD2(Double(rangeEnd.0 - last.0.timestamp), Double(rangeEnd.1 - last.1.timestamp)) / 1000
        let sampledInterval = SIMD2(Double(last.0.timestamp - first.0.timestamp), Double(last.1.timestamp - first.1.timestamp)) / 1000
        let averageDurationBetweenSamples = sampledInterval / SIMD2(Double(count.0 - 1), Double(count.1 - 1))

        if isCounter {
            let firstValue = SIMD2(first.0.value, first.1.value)
            let counts = (result .> 0) .& (firstValue .>= 0)
            if any(counts) {
                let durationToZero = sampledInterval * (firstValue / result)
                durationToStart.replace(with: durationToZero, where: counts .& (durationToZero .< durationToStart))
            }
        }
        let threshold = averageDurationBetweenSamples * 1.1
        let half = averageDurationBetweenSamples / 2
        var extrapolateToInterval = sampledInterval
        extrapolateToInterval += half.replacing(with: durationToStart, where: durationToStart .< threshold)
        extrapolateToInterval += half.replacing(with: durationToEnd, where: durationToEnd .< threshold)
        var factor = extrapolateToInterval / sampledInterval
        if isRate { factor /= SIMD2(repeating: rangeSeconds) }
        return result * factor
    }

    /// `Double(milliseconds) / 1000`, as Go computes a duration's seconds; whole seconds,
    /// the usual case, without the division (the quotient is exact either way).
    @inline(__always)
    static func seconds(_ milliseconds: Int64) -> Double {
        if milliseconds % 1000 == 0 && milliseconds.magnitude <= 1 << 53 { return Double(milliseconds / 1000) }
        return Double(milliseconds) / 1000
    }

    /// `irate` and `idelta`: from the last two samples only.
    static func instantValue(_ samples: ArraySlice<Sample>, isRate: Bool) -> Double? {
        guard samples.count >= 2 else { return nil }
        let last = samples[samples.endIndex - 1]
        let previous = samples[samples.endIndex - 2]
        var result = isRate && last.value < previous.value ? last.value : last.value - previous.value
        let interval = last.timestamp - previous.timestamp
        guard interval != 0 else { return nil }
        if isRate { result /= Double(interval) / 1000 }
        return result
    }

    /// Least squares over `(seconds since interceptTime, value)`, with compensated sums;
    /// the intercept is the value at `interceptTime`.
    static func linearRegression(_ samples: ArraySlice<Sample>, interceptTime: Int64) -> (slope: Double, intercept: Double) {
        var n = 0.0
        var sumX = KahanSum(), sumY = KahanSum(), sumXY = KahanSum(), sumX2 = KahanSum()
        let initY = samples.first!.value
        var constY = true
        for sample in samples {
            if constY && sample.value != initY && n > 0 { constY = false }
            n += 1
            let x = Double(sample.timestamp - interceptTime) / 1e3
            sumX.add(x)
            sumY.add(sample.value)
            sumXY.add(x * sample.value)
            sumX2.add(x * x)
        }
        if constY {
            if initY.isInfinite { return (.nan, .nan) }
            return (0, initY)
        }
        let sx = sumX.sum + sumX.compensation
        let sy = sumY.sum + sumY.compensation
        let sxy = sumXY.sum + sumXY.compensation
        let sx2 = sumX2.sum + sumX2.compensation
        let covXY = sxy - sx * sy / n
        let varX = sx2 - sx * sx / n
        let slope = covXY / varX
        return (slope, sy / n - slope * sx / n)
    }

    /// Double exponential smoothing with smoothing factor `sf` and trend factor `tf`.
    static let holtWinters: RangeFunction = { (call) throws(QueryError) -> Double? in
        let sf = call.scalars[1]
        let tf = call.scalars[2]
        guard sf > 0 && sf < 1 else {
            throw .execution("invalid smoothing factor. Expected: 0 < sf < 1, got: \(GoFormat.fixed(sf, decimals: 6))")
        }
        guard tf > 0 && tf < 1 else {
            throw .execution("invalid trend factor. Expected: 0 < tf < 1, got: \(GoFormat.fixed(tf, decimals: 6))")
        }
        let values = call.samples
        guard values.count >= 2 else { return nil }
        let base = values.startIndex
        var s0 = 0.0
        var s1 = values[base].value
        var b = values[base + 1].value - values[base].value
        for i in 1..<values.count {
            let x = sf * values[base + i].value
            // The trend at i - 1; at the first step the initial trend stands.
            if i - 1 != 0 { b = tf * (s1 - s0) + (1 - tf) * b }
            let y = (1 - sf) * (s1 + b)
            s0 = s1
            s1 = x + y
        }
        return s1
    }
}
