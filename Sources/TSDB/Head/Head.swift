import Dispatch

/// The in-memory part of the store: every series and its newest samples, plus postings.
/// Lives inside the store's mutex; never shared outside it.
struct Head {
    private(set) var series: [MemSeries] = []
    /// The series' labels and the index from labels to refs.
    private var labelStore = SeriesLabelStore()
    private(set) var postings = Postings()
    /// Pages of the open chunks. Shared by copies of the head: only one copy may be used.
    let arena = ChunkArena()
    private(set) var counters = HeadCounters()
    /// Samples older than this are in blocks already; the head refuses them as too old.
    var minValidTime: Int64 = .min
    /// Slots of removed series (and gaps in a replayed log): refs are never reused, since
    /// the WAL and appenders' caches still name them.
    private var emptySlots = 0
    /// Labels of the series removed since the current compaction pass began, by their old
    /// ref: an appender that resolved a ref before and commits after re-creates the series
    /// (see ``resolve(_:)``).
    private var removedLabels: [SeriesRef: Labels] = [:]
    /// Series that held no sample when the last compaction pass began: still empty at the
    /// next one, they were created by a batch that was never committed.
    private var emptyAtLastCompaction: Set<SeriesRef> = []

    var seriesCount: Int { series.count - emptySlots }

    func ref(for labels: Labels) -> SeriesRef? {
        labelStore.ref(for: labels, hash: SeriesLabelStore.hash(labels), in: series)
    }

    /// The series as readers see it (its labels built from the label store).
    subscript(ref: SeriesRef) -> HeadSeries? {
        let index = Int(ref.rawValue) - 1
        guard index >= 0 && index < series.count else { return nil }
        return HeadSeries(series: series[index], labels: labelStore.labels(series[index]), arena: arena)
    }

    /// Whether `ref` is a live series with exactly these labels (no copy of the series).
    func hasLabels(_ ref: SeriesRef, _ labels: Labels) -> Bool {
        let index = Int(ref.rawValue) - 1
        return index >= 0 && index < series.count && labelStore.equals(series[index], labels)
    }

    /// Why the series would refuse the sample, if it would (see ``MemSeries/check(_:_:window:_:)``).
    func check(_ ref: SeriesRef, _ t: Int64, _ v: Double, window: Int64) -> AppendError? {
        let index = Int(ref.rawValue) - 1
        guard index >= 0 && index < series.count else { return nil }
        return series[index].check(t, v, window: window, arena).map { $0.error(labelStore.labels(series[index]), timestamp: t) }
    }

    /// Whether the series' record is in the WAL (true for a ref with no series: nothing to log).
    func isLogged(_ ref: SeriesRef) -> Bool {
        let index = Int(ref.rawValue) - 1
        return index < 0 || index >= series.count || series[index].logged
    }

    func labels(of ref: SeriesRef) -> Labels? {
        let index = Int(ref.rawValue) - 1
        return index >= 0 && index < series.count ? labelStore.labels(series[index]) : nil
    }

    /// The newest in-order timestamp of the series; `.min` when it has none.
    func maxTime(_ ref: SeriesRef) -> Int64 {
        let index = Int(ref.rawValue) - 1
        return index >= 0 && index < series.count ? series[index].maxTime : .min
    }

    /// Returns the series' ref, creating it (not yet logged) when new.
    mutating func getOrCreate(_ labels: Labels) -> (ref: SeriesRef, created: Bool) {
        let hash = SeriesLabelStore.hash(labels)
        if let ref = labelStore.ref(for: labels, hash: hash, in: series) { return (ref, false) }
        let ref = SeriesRef(UInt64(series.count + 1))
        series.append(.vacant)
        occupy(ref, labels, hash: hash, logged: false)
        return (ref, true)
    }

    /// Recreates a series from the WAL under the ref it was logged with.
    ///
    /// Refs need not come in ascending order: a series is logged by the first commit that
    /// uses it, not when an append creates it, so a series created by a rolled-back batch is
    /// logged after younger ones. And the same labels may come again under a newer ref: the
    /// head removed the series while it held no sample (all cut into blocks, refused or
    /// deleted) and a later append created it anew; its samples are under the newer ref.
    mutating func restore(_ ref: SeriesRef, _ labels: Labels) {
        let index = Int(ref.rawValue) - 1
        guard index >= 0 else { return }
        let hash = SeriesLabelStore.hash(labels)
        if let existing = labelStore.ref(for: labels, hash: hash, in: series) {
            let old = Int(existing.rawValue) - 1
            guard existing != ref, series[old].isEmpty else { return }
            labelStore.remove(existing, hash: hash, count: series[old].labelCount)
            postings.remove([existing])
            series[old].release(arena)
            series[old] = .vacant
            emptySlots += 1
        }
        // Fill any gap left by a series not logged (yet) so indices keep matching refs.
        while series.count < index {
            series.append(.vacant)
            emptySlots += 1
        }
        if index == series.count {
            series.append(.vacant)
            occupy(ref, labels, hash: hash, logged: true)
        } else if series[index].isVacant {
            emptySlots -= 1
            occupy(ref, labels, hash: hash, logged: true)
        }
    }

    /// Puts a new series in `ref`'s vacant slot. Its labels are stored with the strings the
    /// postings hold (one copy per distinct string).
    private mutating func occupy(_ ref: SeriesRef, _ labels: Labels, hash: Int, logged: Bool) {
        let interned = postings.add(ref, labels)
        let index = Int(ref.rawValue) - 1
        series[index].release(arena)
        series[index] = MemSeries(labels: labelStore.add(interned), logged: logged)
        labelStore.index(ref, hash: hash)
        counters.seriesCreated += 1
    }

    mutating func markLogged(_ ref: SeriesRef) {
        series[Int(ref.rawValue) - 1].logged = true
    }

    mutating func insert(_ ref: SeriesRef, _ t: Int64, _ v: Double, window: Int64) -> Result<MemSeries.Insertion, AppendError> {
        let index = Int(ref.rawValue) - 1
        let result: Result<MemSeries.Insertion, AppendError> = t < minValidTime
            ? .failure(.tooOld(labelStore.labels(series[index]), timestamp: t, minValid: minValidTime))
            : series[index].insert(t, v, window: window, arena).mapError { $0.error(labelStore.labels(series[index]), timestamp: t) }
        counters.count(result)
        return result
    }

    /// Applies one record read from the WAL. Sample records wait in `batch` until it is full,
    /// a deletion comes (it removes what preceded it) or the log ends: the caller then applies
    /// the rest with ``replay(_:window:threads:)``. Series records go in at once, since later
    /// sample records name them (after the batch when they replace a slot). Samples of unknown refs and those older than the batch's
    /// `minTime` are skipped.
    mutating func replay(_ record: WALRecord, batch: inout HeadReplayBatch, window: Int64, threads: Int) {
        switch record {
        case .series(let entries):
            // A record that replaces a series slot (a gap left for a series logged late, or
            // labels logged again under a newer ref) must see the samples before it applied.
            if !batch.isEmpty && entries.contains(where: { Int($0.ref.rawValue) - 1 < series.count || ref(for: $0.labels) != nil }) {
                replay(&batch, window: window, threads: threads)
            }
            for entry in entries { restore(entry.ref, entry.labels) }
        case .samples(let entries):
            batch.add(entries, seriesCount: series.count)
            if batch.isFull { replay(&batch, window: window, threads: threads) }
        case .deletion(let matchers, let mint, let maxt):
            replay(&batch, window: window, threads: threads)
            _ = delete(matchers, mint: mint, maxt: maxt)
        }
    }

    /// Applies a batch of sample records read from the WAL (see ``HeadReplayBatch``): series
    /// by series in ref order, the refs split into `threads` ranges of about equal sample
    /// counts, each applied on its own thread. Same outcome and counters as inserting the
    /// samples one by one in log order (`minValidTime` is not applied: the batch skipped
    /// samples older than the blocks already).
    mutating func replay(_ batch: inout HeadReplayBatch, window: Int64, threads: Int) {
        guard !batch.isEmpty else { return }
        let grouping = batch.take()
        let starts = grouping.starts
        let total = grouping.sampleCount
        let indexCount = starts.count - 1
        precondition(indexCount <= series.count, "replay batch names series the head does not have")
        // Below this, starting threads costs more than it saves.
        let threads = total < 1 << 16 ? 1 : max(1, threads)
        var bounds = [0]
        for k in 1..<threads {
            let target = total / threads * k
            bounds.append(min(indexCount, starts.partitioningIndex { $0 >= target }))
        }
        bounds.append(indexCount)
        let samples = UnsafeMutableBufferPointer<Sample>.allocate(capacity: total)
        defer { samples.deallocate() }
        var shardCounters = [HeadCounters](repeating: HeadCounters(), count: threads)
        series.withUnsafeMutableBufferPointer { series in
            starts.withUnsafeBufferPointer { starts in
                shardCounters.withUnsafeMutableBufferPointer { shardCounters in
                    let work = ReplayShards(
                        grouping: grouping, series: series, samples: samples, starts: starts, bounds: bounds,
                        counters: shardCounters, window: window, arena: arena)
                    if threads == 1 {
                        work.run(0)
                    } else {
                        DispatchQueue.concurrentPerform(iterations: threads) { work.run($0) }
                    }
                }
            }
        }
        for shard in shardCounters { counters.add(shard) }
    }

    mutating func count(_ error: AppendError) {
        switch error {
        case .outOfOrder, .tooOld: counters.outOfOrderRejected += 1
        case .duplicateTimestamp: counters.duplicateRejected += 1
        case .invalidLabels: counters.invalidLabelsRejected += 1
        case .storeClosed: break
        }
    }

    /// Deletes the samples in `[mint, maxt]` of every series matching `matchers`.
    mutating func delete(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) -> Int {
        var deleted = 0
        for ref in postings.select(matchers) {
            let index = Int(ref.rawValue) - 1
            guard labelStore.labels(series[index]).matches(matchers) else { continue }
            deleted += series[index].delete(from: mint, through: maxt, arena)
        }
        return deleted
    }

    /// Drops every sample before `time` (they have been written to a block) and removes the
    /// series left with none, as Prometheus's head garbage collection does: a series that
    /// stopped being scraped leaves the head (and its postings) at the first cut after its
    /// last sample, so churn does not grow memory. Returns how many series were removed.
    @discardableResult
    mutating func truncate(before time: Int64) -> Int {
        var removed: [SeriesRef] = []
        for i in series.indices where !series[i].isVacant {
            let hadSamples = !series[i].isEmpty
            series[i].truncate(before: time, arena)
            if hadSamples && series[i].isEmpty { removed.append(SeriesRef(UInt64(i + 1))) }
        }
        remove(removed)
        return removed.count
    }

    /// Called as a compaction pass begins. Forgets the labels the previous pass removed
    /// (every appender that resolved a ref before it has committed since), and removes
    /// series that held no sample at the previous pass and still hold none: a batch that
    /// created them was rolled back.
    mutating func startCompaction() {
        removedLabels = [:]
        var empty: Set<SeriesRef> = []
        var removed: [SeriesRef] = []
        for (i, s) in series.enumerated() where !s.isVacant && s.isEmpty {
            let ref = SeriesRef(UInt64(i + 1))
            if emptyAtLastCompaction.contains(ref) { removed.append(ref) } else { empty.insert(ref) }
        }
        emptyAtLastCompaction = empty
        remove(removed)
    }

    private mutating func remove(_ removed: [SeriesRef]) {
        guard !removed.isEmpty else { return }
        for ref in removed {
            let index = Int(ref.rawValue) - 1
            let labels = labelStore.labels(series[index])
            removedLabels[ref] = labels
            labelStore.remove(ref, hash: SeriesLabelStore.hash(labels), count: series[index].labelCount)
            series[index].release(arena)
            series[index] = .vacant
        }
        if labelStore.wantsCompaction { labelStore.compact(&series) }
        postings.remove(Set(removed))
        emptySlots += removed.count
        counters.seriesRemoved += removed.count
    }

    /// The ref a committed sample goes to: its own while its series lives; when a cut
    /// removed the series after the sample's appender resolved the ref, the
    /// series is created again (a new ref, logged with the commit). Nil: no such series.
    mutating func resolve(_ ref: SeriesRef) -> SeriesRef? {
        let index = Int(ref.rawValue) - 1
        guard index >= 0 && index < series.count else { return nil }
        if !series[index].isVacant { return ref }
        guard let labels = removedLabels[ref] else { return nil }
        return getOrCreate(labels).ref
    }

    /// Every series with its samples in `[mint, maxt)`, sorted by labels, empty ones left out.
    func samples(from mint: Int64, before maxt: Int64) -> [(labels: Labels, samples: [Sample])] {
        series.compactMap { s -> (Labels, [Sample])? in
            guard !s.isVacant else { return nil }
            let samples = s.samples(from: mint, through: maxt - 1, arena)
            return samples.isEmpty ? nil : (labelStore.labels(s), samples)
        }.sorted { $0.0 < $1.0 }
    }

    /// Series for a WAL checkpoint: every real series with its ref.
    var liveSeries: [(ref: SeriesRef, labels: Labels)] {
        series.indices.compactMap { i in series[i].isVacant ? nil : (SeriesRef(UInt64(i + 1)), labelStore.labels(series[i])) }
    }

    var sampleCount: Int { series.reduce(0) { $0 + $1.sampleCount } }

    var chunkCount: Int { series.reduce(0) { $0 + $1.chunkCount } }

    var timeRange: (min: Int64, max: Int64)? {
        var lo = Int64.max, hi = Int64.min
        for s in series {
            guard let first = s.minTime else { continue }
            lo = min(lo, first)
            hi = max(hi, s.maxTime)
        }
        return lo <= hi ? (lo, hi) : nil
    }
}

/// A series of the head as readers see it: a copy of the series with the arena its open
/// chunk's bytes are in. Valid while the head is not changed (under the store's lock).
struct HeadSeries {
    let series: MemSeries
    let labels: Labels
    let arena: ChunkArena

    /// See ``MemSeries/read(from:through:_:)``.
    func read(from mint: Int64, through maxt: Int64) -> (chunks: [EncodedChunk], outOfOrder: ArraySlice<Sample>) {
        series.read(from: mint, through: maxt, arena)
    }

    func hasSamples(from mint: Int64, through maxt: Int64) -> Bool { series.hasSamples(from: mint, through: maxt, arena) }

    func samples(from mint: Int64, through maxt: Int64) -> [Sample] { series.samples(from: mint, through: maxt, arena) }
}

/// One pass of ``Head/replay(_:window:threads:)``: shard `k` groups the samples of series
/// indices `bounds[k]..<bounds[k + 1]` into its part of `samples`, then applies them.
///
/// `@unchecked Sendable`: it holds pointers into the head's series array and the grouped
/// buffer, which outlive the pass (`concurrentPerform` returns when every shard has
/// finished). Shards write disjoint ranges of series, of `samples` and their own slot of
/// `counters`; series share no mutable storage with each other but the chunk arena, which
/// hands pages out and takes them back under its own lock; the records and starts are only
/// read.
private struct ReplayShards: @unchecked Sendable {
    let grouping: HeadReplayGrouping
    let series: UnsafeMutableBufferPointer<MemSeries>
    let samples: UnsafeMutableBufferPointer<Sample>
    let starts: UnsafeBufferPointer<Int>
    let bounds: [Int]
    let counters: UnsafeMutableBufferPointer<HeadCounters>
    let window: Int64
    let arena: ChunkArena

    func run(_ shard: Int) {
        let indices = bounds[shard]..<bounds[shard + 1]
        grouping.group(indices, into: samples)
        var counted = HeadCounters()
        for index in indices {
            let lower = starts[index], upper = starts[index + 1]
            guard lower < upper else { continue }
            series[index].replay(UnsafeBufferPointer(rebasing: samples[lower..<upper]), window: window, counters: &counted, arena)
        }
        counters[shard] = counted
    }
}

/// Monotonic counters the head keeps for `/metrics`.
public struct HeadCounters: Sendable, Equatable {
    public var seriesCreated = 0
    public var samplesAppended = 0
    public var outOfOrderAccepted = 0
    public var outOfOrderRejected = 0
    public var duplicateRejected = 0
    public var invalidLabelsRejected = 0
    /// Series removed from the head after all their samples went to blocks.
    public var seriesRemoved = 0
}

extension HeadCounters {
    /// Counts the outcome of placing one sample.
    /// Counts the outcome of placing one sample during replay.
    mutating func count(_ result: Result<MemSeries.Insertion, MemSeries.Refusal>) {
        switch result {
        case .success(let insertion): count(Result<MemSeries.Insertion, AppendError>.success(insertion))
        case .failure(.outOfOrder): outOfOrderRejected += 1
        case .failure(.duplicateTimestamp): duplicateRejected += 1
        }
    }

    mutating func count(_ result: Result<MemSeries.Insertion, AppendError>) {
        switch result {
        case .success(.appended): samplesAppended += 1
        case .success(.inserted):
            samplesAppended += 1
            outOfOrderAccepted += 1
        case .success(.duplicate): break
        case .failure(.outOfOrder), .failure(.tooOld): outOfOrderRejected += 1
        case .failure(.duplicateTimestamp): duplicateRejected += 1
        case .failure: break
        }
    }

    mutating func add(_ other: HeadCounters) {
        seriesCreated += other.seriesCreated
        samplesAppended += other.samplesAppended
        outOfOrderAccepted += other.outOfOrderAccepted
        outOfOrderRejected += other.outOfOrderRejected
        duplicateRejected += other.duplicateRejected
        invalidLabelsRejected += other.invalidLabelsRejected
        seriesRemoved += other.seriesRemoved
    }
}
