/// The timestamp column shared by the `constant`, `decimal` and `packedXOR` encodings.
///
/// The first and last timestamps are the chunk's `minTime` and `maxTime`, which the container
/// stores, so a perfectly regular chunk spends no bytes at all here. Otherwise the column holds
/// either the deltas between timestamps or the residuals from a grid `minTime + i × step`,
/// whichever packs smaller as ``PackedInts``: a scraper that ticks on a grid with a few
/// milliseconds of jitter has residuals about half the size of its deltas, while one that
/// drifts favours deltas.
///
/// ```
/// mode 0 regular       nothing: step = (maxTime - minTime) / (count - 1), exactly
/// mode 1 deltas        packed ints: count - 1 values tᵢ - tᵢ₋₁
/// mode 2 grid          varint step, packed ints: count - 1 values tᵢ - (minTime + i × step)
/// mode 3 average grid  as grid, step = (maxTime - minTime) / (count - 1) rounded half up
/// ```
/// The mode lives in the low two bits of the chunk's header byte.
enum TimestampColumn {
    enum Mode: UInt8 {
        case regular = 0
        case deltas = 1
        case grid = 2
        case averageGrid = 3
    }

    struct Plan {
        var mode: Mode
        var step: Int64 = 0
        var packed: PackedInts.Plan?
        var estimatedBytes: Int
    }

    static func plan(_ samples: [Sample]) -> Plan {
        let n = samples.count
        guard n > 1 else { return Plan(mode: .regular, estimatedBytes: 0) }
        let first = samples[0].timestamp
        let last = samples[n - 1].timestamp
        let span = UInt64(bitPattern: last &- first)
        let intervals = UInt64(n - 1)
        if span % intervals == 0 {
            let step = Int64(bitPattern: span / intervals)
            var regular = true
            for i in 1..<n where samples[i].timestamp != first &+ Int64(i) &* step {
                regular = false
                break
            }
            if regular { return Plan(mode: .regular, estimatedBytes: 0) }
        }
        var deltas = [Int64](repeating: 0, count: n - 1)
        for i in 1..<n { deltas[i - 1] = samples[i].timestamp &- samples[i - 1].timestamp }
        let deltaPlan = PackedInts.plan(deltas)
        var best = Plan(mode: .deltas, packed: deltaPlan, estimatedBytes: deltaPlan.estimatedBytes)
        guard deltaPlan.estimatedBytes > 4 else { return best }

        let median = ColumnStatistics.median(deltas)
        let average = averageStep(span: span, intervals: intervals)
        var residuals = deltas
        for (mode, step) in [(Mode.averageGrid, average), (.grid, median)] where mode == .averageGrid || median != average {
            for i in 1..<n {
                residuals[i - 1] = samples[i].timestamp &- (first &+ Int64(i) &* step)
            }
            let gridPlan = PackedInts.plan(residuals)
            let bytes = gridPlan.estimatedBytes + (mode == .grid ? PackedInts.uvarintLength(PackedInts.zigzag(step)) : 0)
            if bytes < best.estimatedBytes {
                best = Plan(mode: mode, step: step, packed: gridPlan, estimatedBytes: bytes)
            }
        }
        return best
    }

    /// The span over the intervals, rounded half up; the same on both sides of the format.
    @inline(__always)
    static func averageStep(span: UInt64, intervals: UInt64) -> Int64 {
        Int64(bitPattern: span / intervals + (span % intervals * 2 >= intervals ? 1 : 0))
    }

    static func encode(_ plan: Plan, into out: inout ByteWriter) {
        switch plan.mode {
        case .regular:
            break
        case .deltas:
            PackedInts.encode(plan: plan.packed!, into: &out)
        case .grid:
            out.varint(plan.step)
            PackedInts.encode(plan: plan.packed!, into: &out)
        case .averageGrid:
            PackedInts.encode(plan: plan.packed!, into: &out)
        }
    }

    /// Decodes `count` timestamps into `out` (replacing its contents). Order and the last
    /// timestamp are checked by the caller.
    static func decode(mode rawMode: UInt8, count n: Int, minTime: Int64, maxTime: Int64,
                       from reader: inout ByteReader, into out: inout [Int64]) throws(ChunkDecodingFailure) {
        guard let mode = Mode(rawValue: rawMode) else {
            throw ChunkDecodingFailure(.malformed, at: 0, "timestamp mode \(rawMode) is not defined")
        }
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(n)
        guard n > 0 else { return }
        if n == 1 {
            guard mode == .regular else {
                throw ChunkDecodingFailure(.malformed, at: 0, "a single timestamp needs no column, found mode \(rawMode)")
            }
            out.append(minTime)
            return
        }
        switch mode {
        case .regular:
            let span = UInt64(bitPattern: maxTime &- minTime)
            guard span % UInt64(n - 1) == 0 else {
                throw ChunkDecodingFailure(.timeRangeMismatch, at: 0, "\(minTime)...\(maxTime) does not split into \(n - 1) equal steps")
            }
            let step = Int64(bitPattern: span / UInt64(n - 1))
            for i in 0..<n { out.append(minTime &+ Int64(i) &* step) }
        case .deltas:
            out.append(minTime)
            try PackedInts.decode(count: n - 1, from: &reader, into: &out)
            out.withUnsafeMutableBufferPointer { t in
                var time = minTime
                for i in 1..<n {
                    time = time &+ t[i]
                    t[i] = time
                }
            }
        case .grid, .averageGrid:
            let step = mode == .grid
                ? try PackedInts.readVarint(&reader, "grid step")
                : averageStep(span: UInt64(bitPattern: maxTime &- minTime), intervals: UInt64(n - 1))
            out.append(minTime)
            try PackedInts.decode(count: n - 1, from: &reader, into: &out)
            out.withUnsafeMutableBufferPointer { t in
                var grid = minTime
                for i in 1..<n {
                    grid = grid &+ step
                    t[i] = grid &+ t[i]
                }
            }
        }
    }
}
