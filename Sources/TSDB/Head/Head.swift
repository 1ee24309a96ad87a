/// The in-memory part of the store: every series and its newest samples, plus postings.
/// Lives inside the store's mutex; never shared outside it.
struct Head {
    private(set) var series: [MemSeries] = []
    private var refsByLabels: [Labels: SeriesRef] = [:]
    private(set) var postings = Postings()
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

    func ref(for labels: Labels) -> SeriesRef? { refsByLabels[labels] }

    subscript(ref: SeriesRef) -> MemSeries? {
        let index = Int(ref.rawValue) - 1
        return index >= 0 && index < series.count ? series[index] : nil
    }

    /// Whether `ref` is a live series with exactly these labels (no copy of the series).
    func hasLabels(_ ref: SeriesRef, _ labels: Labels) -> Bool {
        let index = Int(ref.rawValue) - 1
        return index >= 0 && index < series.count && series[index].labels == labels
    }

    /// Why the series would refuse the sample, if it would (see ``MemSeries/check(_:_:window:)``).
    func check(_ ref: SeriesRef, _ t: Int64, _ v: Double, window: Int64) -> AppendError? {
        let index = Int(ref.rawValue) - 1
        guard index >= 0 && index < series.count else { return nil }
        return series[index].check(t, v, window: window)
    }

    /// Whether the series' record is in the WAL (true for a ref with no series: nothing to log).
    func isLogged(_ ref: SeriesRef) -> Bool {
        let index = Int(ref.rawValue) - 1
        return index < 0 || index >= series.count || series[index].logged
    }

    func labels(of ref: SeriesRef) -> Labels? {
        let index = Int(ref.rawValue) - 1
        return index >= 0 && index < series.count ? series[index].labels : nil
    }

    /// The newest in-order timestamp of the series; `.min` when it has none.
    func maxTime(_ ref: SeriesRef) -> Int64 {
        let index = Int(ref.rawValue) - 1
        return index >= 0 && index < series.count ? series[index].maxTime : .min
    }

    /// Returns the series' ref, creating it (not yet logged) when new.
    mutating func getOrCreate(_ labels: Labels) -> (ref: SeriesRef, created: Bool) {
        if let ref = refsByLabels[labels] { return (ref, false) }
        let ref = SeriesRef(UInt64(series.count + 1))
        insertSeries(ref, labels, logged: false)
        return (ref, true)
    }

    /// Recreates a series from the WAL under the ref it was logged with.
    mutating func restore(_ ref: SeriesRef, _ labels: Labels) {
        if refsByLabels[labels] != nil { return }
        // Refs are dense and ascending in the log; fill any gap left by an unlogged series
        // so indices keep matching refs.
        while series.count + 1 < Int(ref.rawValue) {
            let filler = SeriesRef(UInt64(series.count + 1))
            series.append(MemSeries(ref: filler, labels: .empty, logged: true))
            emptySlots += 1
        }
        guard series.count + 1 == Int(ref.rawValue) else { return }
        insertSeries(ref, labels, logged: true)
    }

    private mutating func insertSeries(_ ref: SeriesRef, _ labels: Labels, logged: Bool) {
        series.append(MemSeries(ref: ref, labels: labels, logged: logged))
        refsByLabels[labels] = ref
        postings.add(ref, labels)
        counters.seriesCreated += 1
    }

    mutating func markLogged(_ ref: SeriesRef) {
        series[Int(ref.rawValue) - 1].logged = true
    }

    mutating func insert(_ ref: SeriesRef, _ t: Int64, _ v: Double, window: Int64) -> Result<MemSeries.Insertion, AppendError> {
        let result: Result<MemSeries.Insertion, AppendError> = t < minValidTime
            ? .failure(.tooOld(series[Int(ref.rawValue) - 1].labels, timestamp: t, minValid: minValidTime))
            : series[Int(ref.rawValue) - 1].insert(t, v, window: window)
        switch result {
        case .success(.appended), .success(.inserted): counters.samplesAppended += 1
        case .success(.duplicate): break
        case .failure(.outOfOrder), .failure(.tooOld): counters.outOfOrderRejected += 1
        case .failure(.duplicateTimestamp): counters.duplicateRejected += 1
        case .failure: break
        }
        if case .success(.inserted) = result { counters.outOfOrderAccepted += 1 }
        return result
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
            guard series[index].labels.matches(matchers) else { continue }
            deleted += series[index].delete(from: mint, through: maxt)
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
        for i in series.indices where !series[i].labels.isEmpty {
            let hadSamples = !series[i].isEmpty
            series[i].truncate(before: time)
            if hadSamples && series[i].isEmpty { removed.append(series[i].ref) }
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
        for s in series where !s.labels.isEmpty && s.isEmpty {
            if emptyAtLastCompaction.contains(s.ref) { removed.append(s.ref) } else { empty.insert(s.ref) }
        }
        emptyAtLastCompaction = empty
        remove(removed)
    }

    private mutating func remove(_ removed: [SeriesRef]) {
        guard !removed.isEmpty else { return }
        for ref in removed {
            let index = Int(ref.rawValue) - 1
            let labels = series[index].labels
            removedLabels[ref] = labels
            refsByLabels[labels] = nil
            series[index] = MemSeries(ref: ref, labels: .empty, logged: true)
        }
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
        if !series[index].labels.isEmpty { return ref }
        guard let labels = removedLabels[ref] else { return nil }
        return getOrCreate(labels).ref
    }

    /// Every series with its samples in `[mint, maxt)`, sorted by labels, empty ones left out.
    func samples(from mint: Int64, before maxt: Int64) -> [(labels: Labels, samples: [Sample])] {
        series.compactMap { s -> (Labels, [Sample])? in
            guard !s.labels.isEmpty else { return nil }
            let samples = s.samples(from: mint, through: maxt - 1)
            return samples.isEmpty ? nil : (s.labels, samples)
        }.sorted { $0.0 < $1.0 }
    }

    /// Series for a WAL checkpoint: every real series with its ref.
    var liveSeries: [(ref: SeriesRef, labels: Labels)] {
        series.compactMap { $0.labels.isEmpty ? nil : ($0.ref, $0.labels) }
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
