/// One of the aggregates a downsampled block keeps per window of each series.
public enum RollupAggregate: String, Sendable, CaseIterable {
    case min, max, sum, count, last

    /// The label that tells the aggregates of one series apart inside a downsampled block.
    /// Reserved (`__` prefix), so no ingested series carries it.
    static let label = "__rollup__"
}

/// A request to read per-window aggregates instead of raw samples where the store has them.
///
/// Downsampled windows are aligned to `resolution`: the open interval between two multiples
/// of it, stamped at the time of its last sample, while a sample exactly on a multiple stays a
/// window of its own. A range `[a, b]` whose ends are both multiples of the resolution therefore
/// covers whole windows only, and folding the aggregates of the windows in it (min of mins,
/// sum of sums and of counts, last of lasts) gives what the raw samples give. Time ranges with
/// no rollup (the head, blocks not yet downsampled) come as raw samples, each its own window:
/// for `.count` a sample reads as 1.
public struct RollupRequest: Sendable, Equatable {
    public var aggregate: RollupAggregate
    /// The coarsest window (ms) the caller's ranges are aligned to; rollups at this
    /// resolution or a finer one that divides it are used.
    public var resolution: Int64

    public init(aggregate: RollupAggregate, resolution: Int64) {
        self.aggregate = aggregate
        self.resolution = resolution
    }
}

/// The per-window aggregates of one series at one resolution, as `downsample` computes them.
struct RollupWindows {
    var timestamps: [Int64] = []
    var min: [Double] = []
    var max: [Double] = []
    var sum: [Double] = []
    var count: [Double] = []
    var last: [Double] = []

    /// Windows of `samples` (time-ordered). Stale markers are left out, as range functions
    /// leave them out; min and max skip NaN unless all are NaN (Prometheus's `min_over_time`),
    /// sums are compensated as `sum_over_time`'s.
    init(_ samples: [Sample], resolution: Int64) {
        var index = 0
        while index < samples.count {
            if StaleMarker.isStale(samples[index].value) {
                index += 1
                continue
            }
            let first = samples[index]
            let start = Store.alignDown(first.timestamp, to: resolution)
            // A sample on a multiple of the resolution is a window alone; otherwise the window
            // runs to the next multiple (exclusive).
            let end = first.timestamp == start ? start + 1 : start + resolution
            var lo = first.value, hi = first.value, last = first.value, lastTime = first.timestamp
            var total = KahanSum()
            var n = 0.0
            while index < samples.count && samples[index].timestamp < end {
                let s = samples[index]
                index += 1
                if StaleMarker.isStale(s.value) { continue }
                if s.value < lo || lo.isNaN { lo = s.value }
                if s.value > hi || hi.isNaN { hi = s.value }
                total.add(s.value)
                n += 1
                last = s.value
                lastTime = s.timestamp
            }
            timestamps.append(lastTime)
            min.append(lo)
            max.append(hi)
            sum.append(total.total)
            count.append(n)
            self.last.append(last)
        }
    }

    func samples(_ aggregate: RollupAggregate) -> [Sample] {
        let values: [Double]
        switch aggregate {
        case .min: values = min
        case .max: values = max
        case .sum: values = sum
        case .count: values = count
        case .last: values = last
        }
        return zip(timestamps, values).map { Sample($0, $1) }
    }
}
