import TSDB

/// The samples of one series inside a window `[mint, maxt]` that only moves forward, pulled
/// from a ``SampleSource`` a run at a time (a chunk) as the window reaches them and dropped
/// once it has passed them: a series is decoded once however many steps read it. Stale
/// markers never enter the window, as Prometheus's `matrixIterSlice` skips them.
///
/// The window also counts its counter resets (a sample below the one before it) as it
/// moves, so that `rate` and `resets` need not rescan it at every step.
struct SlidingWindow<Source: SampleSource> {
    private var source: Source
    private var exhausted = false
    /// Samples pulled from the source, stale markers taken out: the window is
    /// `buffer[head..<end]`, followed by the samples it has not reached yet.
    private var buffer: [Sample] = []
    /// The indices in `buffer` of the samples below the one before them, ascending: few for
    /// a counter, so kept apart rather than as a count per sample.
    private var resets: [Int] = []
    /// `resets[resetsLow..<resetsHigh]` are the window's: after its first sample, before `end`.
    private var resetsLow = 0
    private var resetsHigh = 0
    private var head = 0
    private var end = 0

    init(_ source: Source) { self.source = source }

    var count: Int { end - head }
    var isEmpty: Bool { head == end }

    /// Throws if the series could not be read to the end of the window.
    func checkSource() throws(QueryError) {
        if let failure = source.failure { throw .internal("reading series: \(failure)") }
    }

    /// The samples in the window, oldest first.
    var samples: ArraySlice<Sample> { buffer[head..<end] }

    /// The oldest and the newest sample in the window, which must not be empty.
    @inline(__always)
    var first: Sample { buffer[head] }
    @inline(__always)
    var last: Sample { buffer[end - 1] }

    /// How many samples in the window are below the one before them.
    @inline(__always)
    var counterResets: Int { resetsHigh - resetsLow }

    /// `total` plus, in time order, the value before each counter reset in the window, as
    /// Prometheus adds them up.
    func addingCounterResets(to total: Double) -> Double {
        var total = total
        var previous = buffer[head].value
        for index in head + 1..<end {
            let value = buffer[index].value
            if value < previous { total += previous }
            previous = value
        }
        return total
    }

    /// Moves the window to `[mint, maxt]` (neither bound may move back) and returns how
    /// many samples entered and left it. Inlined: `rate` calls it at every step.
    @inline(__always)
    mutating func advance(mint: Int64, maxt: Int64) -> (added: Int, dropped: Int) {
        let oldCount = end - head
        head = Self.scan(buffer, from: head, to: end) { $0 < mint }
        let dropped = oldCount - (end - head)
        if head == end {
            // Samples not reached yet may lie before the new window too: they never enter it.
            while true {
                end = Self.scan(buffer, from: end, to: buffer.count) { $0 < mint }
                head = end
                if end < buffer.count || !pull() { break }
            }
        }
        while true {
            end = Self.scan(buffer, from: end, to: buffer.count) { $0 <= maxt }
            if end < buffer.count || !pull() { break }
        }
        while resetsLow < resets.count && resets[resetsLow] <= head { resetsLow &+= 1 }
        if resetsHigh < resetsLow { resetsHigh = resetsLow }
        while resetsHigh < resets.count && resets[resetsHigh] < end { resetsHigh &+= 1 }
        return (end - head - oldCount + dropped, dropped)
    }

    /// The first index in `from..<to` (within `samples`) whose timestamp fails `passes`, or
    /// `to`; `passes` holds for a prefix of the samples, which are in time order. Through a
    /// pointer, as it runs for every sample the window passes.
    ///
    /// Eight at a time, counted rather than branched on: a window moves a few samples a step,
    /// a few more or less as scrapes jitter, and a loop that exits on the data mispredicts
    /// its exit about every other step (a fifth of a `rate`'s step loop).
    @inline(__always)
    private static func scan(_ samples: [Sample], from: Int, to: Int, _ passes: (Int64) -> Bool) -> Int {
        samples.withUnsafeBufferPointer { samples in
            guard from < to, let base = samples.baseAddress else { return from }
            var index = from
            // A flag's byte as a number: `? 1 : 0` here compiles to a branch per sample.
            @inline(__always) func passing(_ k: Int) -> Int {
                Int(unsafeBitCast(passes(base[index &+ k].timestamp), to: UInt8.self))
            }
            while index &+ 8 <= to {
                let passed = (passing(0) &+ passing(1)) &+ (passing(2) &+ passing(3))
                    &+ (passing(4) &+ passing(5)) &+ (passing(6) &+ passing(7))
                index &+= passed
                if passed < 8 { return index }
            }
            while index < to, passes(base[index].timestamp) { index &+= 1 }
            return index
        }
    }

    /// Appends the source's next run of samples to `buffer`, first letting go of those the
    /// window has passed; false once the source is exhausted.
    private mutating func pull() -> Bool {
        guard !exhausted else { return false }
        if head == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            resets.removeAll(keepingCapacity: true)
            (head, end, resetsLow, resetsHigh) = (0, 0, 0, 0)
        } else if head >= 256, head * 2 >= buffer.count {
            buffer.removeSubrange(0..<head)
            // Resets at or before the first sample never count again.
            resets.removeSubrange(0..<resetsLow)
            for i in resets.indices { resets[i] -= head }
            resetsHigh -= resetsLow
            resetsLow = 0
            end -= head
            head = 0
        }
        let start = buffer.count
        guard source.next(batch: &buffer) else {
            exhausted = true
            return false
        }
        // Nearly always no stale marker: the samples stay where they landed and only the
        // resets are noted, in one pass; at a marker, the markers are taken out and the
        // resets noted again.
        let previous = start > 0 ? buffer[start - 1].value : -.infinity
        let firstReset = resets.count
        if !noteResets(from: start, after: previous) {
            resets.removeSubrange(firstReset...)
            var kept = start
            buffer.withUnsafeMutableBufferPointer { samples in
                for index in start..<samples.count where !StaleMarker.isStale(samples[index].value) {
                    samples[kept] = samples[index]
                    kept += 1
                }
            }
            buffer.removeSubrange(kept...)
            _ = noteResets(from: start, after: previous)
        }
        return true
    }

    /// Notes the resets among `buffer[start...]`, the first compared with `previous`; false,
    /// stopping there, at a stale marker.
    private mutating func noteResets(from start: Int, after previous: Double) -> Bool {
        buffer.withUnsafeBufferPointer { samples in
            var previous = previous
            for index in start..<samples.count {
                let value = samples[index].value
                if StaleMarker.isStale(value) { return false }
                if value < previous { resets.append(index) }
                previous = value
            }
            return true
        }
    }
}

/// The newest sample at or before a time that only moves forward: what an instant
/// selector reads at each step.
struct LatestSample<Source: SampleSource> {
    private var source: Source
    private var latest: Sample?
    private var pending: Sample?
    private var exhausted = false

    init(_ source: Source) { self.source = source }

    /// Throws if the series could not be read as far as it was asked to.
    func checkSource() throws(QueryError) {
        if let failure = source.failure { throw .internal("reading series: \(failure)") }
    }

    mutating func at(_ time: Int64) -> Sample? {
        while true {
            if pending == nil {
                if exhausted { break }
                pending = source.next()
                if pending == nil {
                    exhausted = true
                    break
                }
            }
            guard let next = pending, next.timestamp <= time else { break }
            latest = next
            pending = nil
        }
        return latest
    }
}
