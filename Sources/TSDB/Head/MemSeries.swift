/// One series in the head: its labels and the samples not yet cut into a block, kept
/// encoded: closed 120-sample XOR chunks, the open chunk being appended to, and a small
/// sorted buffer of out-of-order samples accepted inside the window.
struct MemSeries {
    let ref: SeriesRef
    let labels: Labels
    private(set) var chunks: [EncodedChunk] = []
    private var open = XORChunkAppender()
    private(set) var last: Sample?
    /// Accepted out-of-order samples, sorted, unique timestamps.
    private(set) var outOfOrder: [Sample] = []
    /// Whether the series record has reached the WAL.
    var logged: Bool

    init(ref: SeriesRef, labels: Labels, logged: Bool) {
        self.ref = ref
        self.labels = labels
        self.logged = logged
    }

    static let samplesPerChunk = 120

    var maxTime: Int64 { last?.timestamp ?? .min }

    var minTime: Int64? {
        let inOrder = chunks.first?.minTime ?? (open.count > 0 ? open.snapshot().minTime : nil)
        switch (inOrder, outOfOrder.first?.timestamp) {
        case (let a?, let b?): return min(a, b)
        case (let a?, nil): return a
        case (nil, let b?): return b
        default: return nil
        }
    }

    var sampleCount: Int { chunks.reduce(0) { $0 + $1.count } + open.count + outOfOrder.count }
    var chunkCount: Int { chunks.count + (open.count > 0 ? 1 : 0) + (outOfOrder.isEmpty ? 0 : 1) }
    var isEmpty: Bool { last == nil && outOfOrder.isEmpty }

    enum Insertion { case appended, duplicate, inserted }

    /// Places a sample. `window` bounds how far behind the newest sample an out-of-order
    /// sample may land.
    mutating func insert(_ t: Int64, _ v: Double, window: Int64) -> Result<Insertion, AppendError> {
        if let problem = check(t, v, window: window) { return .failure(problem) }
        guard let newest = last, t <= newest.timestamp else {
            if open.count >= Self.samplesPerChunk {
                chunks.append(open.snapshot())
                open = XORChunkAppender()
            }
            open.append(t, v)
            last = Sample(t, v)
            return .success(.appended)
        }
        if t == newest.timestamp { return .success(.duplicate) }
        let index = outOfOrder.partitioningIndex { $0.timestamp >= t }
        if index < outOfOrder.count && outOfOrder[index].timestamp == t { return .success(.duplicate) }
        if inOrderValue(at: t) != nil { return .success(.duplicate) }
        outOfOrder.insert(Sample(t, v), at: index)
        return .success(.inserted)
    }

    /// Places samples read back from the WAL, in log order, each with the outcome `insert`
    /// gives it, and counts them as ``Head/insert(_:_:_:window:)`` does. The in-order case,
    /// nearly every sample, goes straight to the open chunk: the live head checked it already.
    mutating func replay(_ samples: UnsafeBufferPointer<Sample>, window: Int64, counters: inout HeadCounters) {
        var appended = 0
        for sample in samples {
            if let newest = last, sample.timestamp <= newest.timestamp {
                counters.count(insert(sample.timestamp, sample.value, window: window))
                continue
            }
            if open.count >= Self.samplesPerChunk {
                chunks.append(open.snapshot())
                open = XORChunkAppender()
            }
            open.append(sample.timestamp, sample.value)
            last = sample
            appended += 1
        }
        counters.samplesAppended += appended
    }

    /// Why `insert` would refuse the sample, if it would.
    func check(_ t: Int64, _ v: Double, window: Int64) -> AppendError? {
        guard let newest = last, t <= newest.timestamp else { return nil }
        if t == newest.timestamp {
            return newest.value.bitPattern == v.bitPattern ? nil : .duplicateTimestamp(labels, timestamp: t)
        }
        if t < newest.timestamp - window { return .outOfOrder(labels, timestamp: t, newest: newest.timestamp) }
        let index = outOfOrder.partitioningIndex { $0.timestamp >= t }
        if index < outOfOrder.count && outOfOrder[index].timestamp == t && outOfOrder[index].value.bitPattern != v.bitPattern {
            return .duplicateTimestamp(labels, timestamp: t)
        }
        // An out-of-order sample may land on an older in-order one, not only on the newest.
        if let existing = inOrderValue(at: t), existing.bitPattern != v.bitPattern {
            return .duplicateTimestamp(labels, timestamp: t)
        }
        return nil
    }

    /// The value of the in-order sample at `t`, if there is one. Only out-of-order appends
    /// ask, so decoding the one chunk that spans `t` is affordable.
    private func inOrderValue(at t: Int64) -> Double? {
        var candidates = chunks.filter { $0.minTime <= t && $0.maxTime >= t }
        if open.count > 0 {
            let snapshot = open.snapshot()
            if snapshot.minTime <= t { candidates.append(snapshot) }
        }
        for chunk in candidates {
            var it = ChunkIterator(chunk)
            if let s = it.seek(t), s.timestamp == t { return s.value }
        }
        return nil
    }

    /// What a reader needs for `[mint, maxt]`: the in-order chunks overlapping it (the open
    /// one as a snapshot) and the out-of-order samples in it.
    func read(from mint: Int64, through maxt: Int64) -> (chunks: [EncodedChunk], outOfOrder: ArraySlice<Sample>) {
        var selected = chunks.filter { $0.maxTime >= mint && $0.minTime <= maxt }
        if open.count > 0, let last, last.timestamp >= mint {
            let snapshot = open.snapshot()
            if snapshot.minTime <= maxt { selected.append(snapshot) }
        }
        let lower = outOfOrder.partitioningIndex { $0.timestamp >= mint }
        let upper = outOfOrder.partitioningIndex { $0.timestamp > maxt }
        return (selected, lower < upper ? outOfOrder[lower..<upper] : [])
    }

    /// Whether any sample lies in `[mint, maxt]`.
    func hasSamples(from mint: Int64, through maxt: Int64) -> Bool {
        let (chunks, ooo) = read(from: mint, through: maxt)
        if !ooo.isEmpty { return true }
        for chunk in chunks {
            var it = ChunkIterator(chunk)
            if let s = it.seek(mint), s.timestamp <= maxt { return true }
        }
        return false
    }

    /// Decoded samples in `[mint, maxt]`, merged with the out-of-order ones.
    func samples(from mint: Int64, through maxt: Int64) -> [Sample] {
        let (chunks, ooo) = read(from: mint, through: maxt)
        var cursor = ooo.isEmpty
            ? SampleCursor(chunks: chunks, tail: [], mint: mint, maxt: maxt)
            : SampleCursor.merging([chunks], tail: ooo, mint: mint, maxt: maxt)
        return cursor.collect()
    }

    /// Drops the samples in `[mint, maxt]`; returns how many. The rest is re-encoded.
    mutating func delete(from mint: Int64, through maxt: Int64) -> Int {
        guard let first = minTime, first <= maxt, maxTime >= mint else { return 0 }
        let all = samples(from: .min, through: .max)
        let keep = all.filter { $0.timestamp < mint || $0.timestamp > maxt }
        guard keep.count != all.count else { return 0 }
        rebuild(keep)
        return all.count - keep.count
    }

    private mutating func rebuild(_ keep: [Sample]) {
        chunks = []
        open = XORChunkAppender()
        outOfOrder = []
        last = nil
        for s in keep { _ = insert(s.timestamp, s.value, window: .max / 4) }
    }

    /// Drops every sample before `time`; chunks straddling it are re-encoded.
    mutating func truncate(before time: Int64) {
        guard let minTime, minTime < time else { return }
        rebuild(samples(from: time, through: .max))
    }
}

extension Collection {
    /// The first index whose element satisfies `predicate`, which must be false for a
    /// prefix of the collection and true for the rest.
    func partitioningIndex(where predicate: (Element) -> Bool) -> Index {
        var low = startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let mid = index(low, offsetBy: half)
            if predicate(self[mid]) {
                count = half
            } else {
                low = index(after: mid)
                count -= half + 1
            }
        }
        return low
    }
}
