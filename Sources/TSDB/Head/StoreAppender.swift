import Synchronization

/// A batch of samples for a ``Store``; see ``Appender``.
///
/// Series are created in the head at `append` (as Prometheus does) so refs can be handed
/// back at once; their WAL record is written with the first commit that uses them.
public struct StoreAppender: Appender {
    private let store: Store
    private var pending: [(ref: SeriesRef, timestamp: Int64, value: Double)] = []
    /// Newest pending timestamp per series, to refuse out-of-order samples inside the batch.
    private var pendingMax: [SeriesRef: Int64] = [:]

    init(store: Store) { self.store = store }

    public var pendingCount: Int { pending.count }

    @discardableResult
    public mutating func append(_ ref: SeriesRef, _ labels: Labels, _ timestamp: Int64, _ value: Double) throws(AppendError) -> SeriesRef {
        let window = store.options.outOfOrderWindow
        let limits = store.options.labelLimits
        let batchMax = pendingMax[ref]
        let resolved: SeriesRef = try store.state.withLock { (state) throws(AppendError) -> SeriesRef in
            guard state.wal != nil else { throw .storeClosed }
            var resolvedRef = ref
            if ref == .unknown || state.head[ref]?.labels != labels {
                if let existing = state.head.ref(for: labels) {
                    resolvedRef = existing
                } else {
                    do throws(LabelError) {
                        _ = try labels.validated(limits: limits)
                    } catch {
                        state.head.count(.invalidLabels(labels, error))
                        throw .invalidLabels(labels, error)
                    }
                    resolvedRef = state.head.getOrCreate(labels).ref
                }
            }
            if timestamp < state.head.minValidTime {
                let problem = AppendError.tooOld(labels, timestamp: timestamp, minValid: state.head.minValidTime)
                state.head.count(problem)
                throw problem
            }
            if let series = state.head[resolvedRef], let problem = series.check(timestamp, value, window: window) {
                state.head.count(problem)
                throw problem
            }
            return resolvedRef
        }
        let newest = resolved == ref ? batchMax : pendingMax[resolved]
        if let newest, timestamp < newest - window {
            throw .outOfOrder(labels, timestamp: timestamp, newest: newest)
        }
        pending.append((resolved, timestamp, value))
        pendingMax[resolved] = max(newest ?? .min, timestamp)
        return resolved
    }

    /// Writes the batch to the WAL, then into the head. A sample that another appender's
    /// commit made out of order in the meantime is dropped and counted.
    @discardableResult
    public mutating func commit() throws(StorageError) -> Int {
        defer { rollback() }
        guard !pending.isEmpty else { return 0 }
        var batch = pending
        let window = store.options.outOfOrderWindow
        let syncAlways = store.options.walSync == .always
        return try store.state.withLock { (state) throws(StorageError) -> Int in
            guard let wal = state.wal else { throw StorageError("commit", reason: "the store is closed") }
            // A head cut between append and commit may have removed a series of this batch.
            var lost = false
            for i in batch.indices {
                guard let ref = state.head.resolve(batch[i].ref) else {
                    lost = true
                    continue
                }
                batch[i].ref = ref
            }
            if lost { batch.removeAll { state.head.resolve($0.ref) == nil } }
            var writer = ByteWriter(capacity: batch.count * 12 + 64)
            var newSeries: [(ref: SeriesRef, labels: Labels)] = []
            for entry in batch {
                if let series = state.head[entry.ref], !series.logged, !newSeries.contains(where: { $0.ref == entry.ref }) {
                    newSeries.append((entry.ref, series.labels))
                }
            }
            if !newSeries.isEmpty { WALRecord.encodeSeries(newSeries, into: &writer) }
            WALRecord.encodeSamples(batch, into: &writer)
            try wal.log(writer.bytes)
            if syncAlways { try wal.sync() }
            for series in newSeries { state.head.markLogged(series.ref) }
            var stored = 0
            for entry in batch {
                if case .success(let insertion) = state.head.insert(entry.ref, entry.timestamp, entry.value, window: window),
                   insertion != .duplicate {
                    stored += 1
                }
            }
            return stored
        }
    }

    public mutating func rollback() {
        pending.removeAll(keepingCapacity: true)
        pendingMax.removeAll(keepingCapacity: true)
    }
}
