/// One series in the head: its labels and the samples not yet cut into a block, kept
/// encoded: closed 120-sample XOR chunks, the open chunk being appended to (its bytes in the
/// head's ``ChunkArena``), and a small sorted buffer of out-of-order samples accepted inside
/// the window.
///
/// The head holds one per series (80 bytes inline); its ref is its index in the head plus
/// one, its labels are in the head's ``SeriesLabelStore`` and its newest sample is the open
/// chunk's. Methods that touch chunk bytes take the head's arena; a series that is dropped
/// must ``release(_:)`` its open chunk first.
struct MemSeries {
    private(set) var chunks: [EncodedChunk] = []
    /// Accepted out-of-order samples, sorted, unique timestamps.
    private(set) var outOfOrder: [Sample] = []
    /// Where the labels are in the head's label store; no labels: an empty slot.
    var labelOffset: UInt32
    let labelCount: UInt32
    private var open = OpenChunk()
    /// Whether the series record has reached the WAL.
    var logged: Bool

    init(labels: (offset: UInt32, count: UInt32), logged: Bool) {
        self.labelOffset = labels.offset
        self.labelCount = labels.count
        self.logged = logged
    }

    /// A slot with no series: left by a removed series, or a ref not (yet) logged.
    static let vacant = MemSeries(labels: (0, 0), logged: true)

    var isVacant: Bool { labelCount == 0 }

    /// Why a sample is refused; the head adds the labels to make an ``AppendError``.
    enum Refusal: Error {
        case duplicateTimestamp
        case outOfOrder(newest: Int64)

        func error(_ labels: Labels, timestamp t: Int64) -> AppendError {
            switch self {
            case .duplicateTimestamp: .duplicateTimestamp(labels, timestamp: t)
            case .outOfOrder(let newest): .outOfOrder(labels, timestamp: t, newest: newest)
            }
        }
    }

    /// The newest in-order sample: the open chunk's (a chunk is cut only as a sample comes).
    var last: Sample? { open.last }

    static let samplesPerChunk = 120

    var maxTime: Int64 { last?.timestamp ?? .min }

    var minTime: Int64? {
        let inOrder = chunks.first?.minTime ?? (open.count > 0 ? open.firstTime : nil)
        switch (inOrder, outOfOrder.first?.timestamp) {
        case (let a?, let b?): return min(a, b)
        case (let a?, nil): return a
        case (nil, let b?): return b
        default: return nil
        }
    }

    var sampleCount: Int { chunks.reduce(0) { $0 + $1.count } + open.count + outOfOrder.count }
    var chunkCount: Int { chunks.count + (open.count > 0 ? 1 : 0) + (outOfOrder.isEmpty ? 0 : 1) }
    var isEmpty: Bool { open.count == 0 && outOfOrder.isEmpty }

    enum Insertion { case appended, duplicate, inserted }

    /// Places a sample. `window` bounds how far behind the newest sample an out-of-order
    /// sample may land.
    mutating func insert(_ t: Int64, _ v: Double, window: Int64, _ arena: ChunkArena) -> Result<Insertion, Refusal> {
        if let problem = check(t, v, window: window, arena) { return .failure(problem) }
        guard open.count > 0, t <= open.lastTime else {
            appendInOrder(t, v, arena)
            return .success(.appended)
        }
        if t == open.lastTime { return .success(.duplicate) }
        let index = outOfOrder.partitioningIndex { $0.timestamp >= t }
        if index < outOfOrder.count && outOfOrder[index].timestamp == t { return .success(.duplicate) }
        if inOrderValue(at: t, arena) != nil { return .success(.duplicate) }
        outOfOrder.insert(Sample(t, v), at: index)
        return .success(.inserted)
    }

    /// Places samples read back from the WAL, in log order, each with the outcome `insert`
    /// gives it, and counts them as ``Head/insert(_:_:_:window:)`` does. The in-order case,
    /// nearly every sample, goes straight to the open chunk: the live head checked it already.
    mutating func replay(_ samples: UnsafeBufferPointer<Sample>, window: Int64, counters: inout HeadCounters, _ arena: ChunkArena) {
        var appended = 0
        for sample in samples {
            if open.count > 0, sample.timestamp <= open.lastTime {
                counters.count(insert(sample.timestamp, sample.value, window: window, arena))
                continue
            }
            appendInOrder(sample.timestamp, sample.value, arena)
            appended += 1
        }
        counters.samplesAppended += appended
    }

    /// Appends a sample newer than every in-order one, cutting the open chunk when full.
    @inline(__always)
    private mutating func appendInOrder(_ t: Int64, _ v: Double, _ arena: ChunkArena) {
        if open.count >= Self.samplesPerChunk {
            chunks.append(open.snapshot(arena))
            open.release(arena)
        }
        open.append(t, v, arena)
    }

    /// Gives the open chunk's pages back to the arena; call before dropping the series.
    mutating func release(_ arena: ChunkArena) {
        open.release(arena)
    }

    /// Why `insert` would refuse the sample, if it would.
    func check(_ t: Int64, _ v: Double, window: Int64, _ arena: ChunkArena) -> Refusal? {
        guard let newest = last, t <= newest.timestamp else { return nil }
        if t == newest.timestamp {
            return newest.value.bitPattern == v.bitPattern ? nil : .duplicateTimestamp
        }
        if t < newest.timestamp - window { return .outOfOrder(newest: newest.timestamp) }
        let index = outOfOrder.partitioningIndex { $0.timestamp >= t }
        if index < outOfOrder.count && outOfOrder[index].timestamp == t && outOfOrder[index].value.bitPattern != v.bitPattern {
            return .duplicateTimestamp
        }
        // An out-of-order sample may land on an older in-order one, not only on the newest.
        if let existing = inOrderValue(at: t, arena), existing.bitPattern != v.bitPattern {
            return .duplicateTimestamp
        }
        return nil
    }

    /// The value of the in-order sample at `t`, if there is one. Only out-of-order appends
    /// ask, so decoding the one chunk that spans `t` is affordable.
    private func inOrderValue(at t: Int64, _ arena: ChunkArena) -> Double? {
        var candidates = chunks.filter { $0.minTime <= t && $0.maxTime >= t }
        if open.count > 0 && open.firstTime <= t { candidates.append(open.snapshot(arena)) }
        for chunk in candidates {
            var it = ChunkIterator(chunk)
            if let s = it.seek(t), s.timestamp == t { return s.value }
        }
        return nil
    }

    /// What a reader needs for `[mint, maxt]`: the in-order chunks overlapping it (the open
    /// one as a snapshot) and the out-of-order samples in it.
    func read(from mint: Int64, through maxt: Int64, _ arena: ChunkArena) -> (chunks: [EncodedChunk], outOfOrder: ArraySlice<Sample>) {
        var selected = chunks.filter { $0.maxTime >= mint && $0.minTime <= maxt }
        if open.count > 0 && open.lastTime >= mint && open.firstTime <= maxt { selected.append(open.snapshot(arena)) }
        let lower = outOfOrder.partitioningIndex { $0.timestamp >= mint }
        let upper = outOfOrder.partitioningIndex { $0.timestamp > maxt }
        return (selected, lower < upper ? outOfOrder[lower..<upper] : [])
    }

    /// Whether any sample lies in `[mint, maxt]`.
    func hasSamples(from mint: Int64, through maxt: Int64, _ arena: ChunkArena) -> Bool {
        let (chunks, ooo) = read(from: mint, through: maxt, arena)
        if !ooo.isEmpty { return true }
        for chunk in chunks {
            var it = ChunkIterator(chunk)
            if let s = it.seek(mint), s.timestamp <= maxt { return true }
        }
        return false
    }

    /// Decoded samples in `[mint, maxt]`, merged with the out-of-order ones.
    func samples(from mint: Int64, through maxt: Int64, _ arena: ChunkArena) -> [Sample] {
        let (chunks, ooo) = read(from: mint, through: maxt, arena)
        var cursor = ooo.isEmpty
            ? SampleCursor(chunks: chunks, tail: [], mint: mint, maxt: maxt)
            : SampleCursor.merging([chunks], tail: ooo, mint: mint, maxt: maxt)
        return cursor.collect()
    }

    /// Drops the samples in `[mint, maxt]`; returns how many. The rest is re-encoded.
    mutating func delete(from mint: Int64, through maxt: Int64, _ arena: ChunkArena) -> Int {
        guard let first = minTime, first <= maxt, maxTime >= mint else { return 0 }
        let all = samples(from: .min, through: .max, arena)
        let keep = all.filter { $0.timestamp < mint || $0.timestamp > maxt }
        guard keep.count != all.count else { return 0 }
        rebuild(keep, arena)
        return all.count - keep.count
    }

    private mutating func rebuild(_ keep: [Sample], _ arena: ChunkArena) {
        chunks = []
        open.release(arena)
        outOfOrder = []
        for s in keep { _ = insert(s.timestamp, s.value, window: .max / 4, arena) }
    }

    /// Drops every sample before `time`; chunks straddling it are re-encoded.
    mutating func truncate(before time: Int64, _ arena: ChunkArena) {
        guard let minTime, minTime < time else { return }
        rebuild(samples(from: time, through: .max, arena), arena)
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
