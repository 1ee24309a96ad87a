import TSDB

extension Functions {
    /// The `*_over_time` aggregations of each series' samples in the window.
    static let overTimeFunctions: [String: FunctionImplementation] = [
        "avg_over_time": .overRange({ call in averageOverTime(call.samples) }, keepsMetricName: false),
        "count_over_time": .overRange({ call in Double(call.samples.count) }, keepsMetricName: false),
        "sum_over_time": .overRange({ call in
            var sum = KahanSum()
            for sample in call.samples { sum.add(sample.value) }
            return sum.total
        }, keepsMetricName: false),
        "min_over_time": .overRange({ call in
            var min = call.samples.first!.value
            for sample in call.samples where sample.value < min || min.isNaN { min = sample.value }
            return min
        }, keepsMetricName: false),
        "max_over_time": .overRange({ call in
            var max = call.samples.first!.value
            for sample in call.samples where sample.value > max || max.isNaN { max = sample.value }
            return max
        }, keepsMetricName: false),
        "quantile_over_time": .overRange({ call in
            quantile(call.scalars[0], call.samples.map(\.value))
        }, keepsMetricName: false),
        "stddev_over_time": .overRange({ call in variance(call.samples).squareRoot() }, keepsMetricName: false),
        "stdvar_over_time": .overRange({ call in variance(call.samples) }, keepsMetricName: false),
        // The only range function that keeps the metric name: it acts like `offset`.
        "last_over_time": .overRange({ call in call.samples.last!.value }, keepsMetricName: true),
        "present_over_time": .overRange({ _ in 1 }, keepsMetricName: false),
        "absent_over_time": .absentOverTime,
    ]

    /// The mean by incremental updates with compensated sums, keeping an infinite mean
    /// from turning into NaN (`avg_over_time` in Prometheus 2.42).
    static func averageOverTime(_ samples: ArraySlice<Sample>) -> Double {
        var mean = KahanSum()
        var count = 0.0
        for sample in samples {
            count += 1
            let value = sample.value
            if mean.sum.isInfinite {
                // Inf + x - Inf would be NaN; the mean stays infinite unless an infinity of
                // the other sign or a NaN comes along.
                if value.isInfinite && (mean.sum > 0) == (value > 0) { continue }
                if !value.isInfinite && !value.isNaN { continue }
            }
            mean.add(value / count - mean.sum / count)
        }
        return mean.total
    }

    /// Population variance by Welford's method with compensated sums.
    static func variance(_ samples: ArraySlice<Sample>) -> Double {
        var count = 0.0
        var mean = KahanSum()
        var aux = KahanSum()
        for sample in samples {
            count += 1
            let delta = sample.value - (mean.sum + mean.compensation)
            mean.add(delta / count)
            aux.add(delta * (sample.value - (mean.sum + mean.compensation)))
        }
        return (aux.sum + aux.compensation) / count
    }

    /// The `q`-quantile of `values` by linear interpolation between the closest ranks
    /// (Prometheus's `quantile`): NaN for no values or a NaN `q`, ∓Inf outside [0, 1].
    static func quantile(_ q: Double, _ values: [Double]) -> Double {
        if values.isEmpty || q.isNaN { return .nan }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        // NaN sorts before everything, as Prometheus's vectorByValueHeap orders it.
        let sorted = values.sorted { a, b in a.isNaN ? !b.isNaN : (!b.isNaN && a < b) }
        let n = Double(sorted.count)
        let rank = q * (n - 1)
        let lower = Swift.max(0, rank.rounded(.down))
        let upper = Swift.min(n - 1, lower + 1)
        let weight = rank - rank.rounded(.down)
        return sorted[Int(lower)] * (1 - weight) + sorted[Int(upper)] * weight
    }
}
