import TSDB

/// Range functions over per-window aggregates (rollups) instead of raw samples.
enum RangeRollups {
    /// The `*_over_time` functions that can fold per-window aggregates, and the aggregate each
    /// reads. `avg_over_time` reads the sums, and the counts besides (``countsBeside(_:_:)``).
    private static let rollupAggregates: [String: RollupAggregate] = [
        "min_over_time": .min, "max_over_time": .max, "sum_over_time": .sum,
        "count_over_time": .count, "last_over_time": .last, "present_over_time": .last,
        "avg_over_time": .sum,
    ]

    /// The second selection a function needs where it reads rollups: `avg_over_time` divides
    /// the windows' summed sums by their summed counts, at the same resolution.
    static func countsBeside(_ function: String, _ request: RollupRequest?) -> RollupRequest? {
        guard function == "avg_over_time", let request else { return nil }
        return RollupRequest(aggregate: .count, resolution: request.resolution)
    }

    /// The rollup a range function may read in place of raw samples: only when every window
    /// of the query starts and ends on a multiple of the same span (the request's resolution),
    /// so that rollups at that span or a divisor of it cover whole windows and give exactly
    /// what the raw samples give (up to rounding of `sum_over_time`). The store serves raw
    /// samples wherever it has no such rollup.
    static func request(_ function: String, shape: WindowShape, steps: StepRange) -> RollupRequest? {
        guard let aggregate = rollupAggregates[function], shape.range > 0, steps.count > 0 else { return nil }
        let first = shape.bounds(at: steps.start)
        var alignment = gcd(UInt64(shape.range), first.maxt.magnitude)
        if steps.count > 1 {
            let second = shape.bounds(at: steps.start &+ steps.interval)
            alignment = gcd(alignment, (second.maxt &- first.maxt).magnitude)
        }
        // Finer than a minute, no rollup could fit.
        guard alignment >= 60_000, let resolution = Int64(exactly: alignment) else { return nil }
        return RollupRequest(aggregate: aggregate, resolution: resolution)
    }

    /// The kernel for one selected series: counts read from rollups add up rather than count.
    static func kernel(_ kernel: RangeKernel, reading request: RollupRequest?, readsRollups: Bool) -> RangeKernel {
        guard request?.aggregate == .count, readsRollups else { return kernel }
        return .function({ call in
            var total = 0.0
            for sample in call.samples { total += sample.value }
            return total
        })
    }

    private static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}
