import TSDB

/// The samples of one series inside a window `[mint, maxt]` that only moves forward, pulled
/// from a ``SampleSource`` as the window reaches them and dropped once it has passed them:
/// a series is decoded once however many steps read it. Stale markers never enter the
/// window, as Prometheus's `matrixIterSlice` skips them.
struct SlidingWindow<Source: SampleSource> {
    private var source: Source
    private var buffer: [Sample] = []
    private var head = 0
    /// The first sample after the window, already pulled.
    private var pending: Sample?
    private var exhausted = false

    init(_ source: Source) { self.source = source }

    var count: Int { buffer.count - head }
    var isEmpty: Bool { head == buffer.count }

    /// Throws if the series could not be read to the end of the window.
    func checkSource() throws(QueryError) {
        if let failure = source.failure { throw .internal("reading series: \(failure)") }
    }

    /// The samples in the window, oldest first.
    var samples: ArraySlice<Sample> { buffer[head...] }

    /// Moves the window to `[mint, maxt]` (neither bound may move back) and returns how
    /// many samples entered and left it.
    mutating func advance(mint: Int64, maxt: Int64) -> (added: Int, dropped: Int) {
        var dropped = 0
        while head < buffer.count, buffer[head].timestamp < mint {
            head += 1
            dropped += 1
        }
        if head == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 256, head * 2 >= buffer.count {
            buffer.removeSubrange(0..<head)
            head = 0
        }
        var added = 0
        while true {
            let sample: Sample
            if let next = pending {
                sample = next
            } else if exhausted {
                break
            } else if let next = source.next() {
                sample = next
            } else {
                exhausted = true
                break
            }
            if sample.timestamp > maxt {
                pending = sample
                break
            }
            pending = nil
            if sample.timestamp < mint || StaleMarker.isStale(sample.value) { continue }
            buffer.append(sample)
            added += 1
        }
        return (added, dropped)
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
