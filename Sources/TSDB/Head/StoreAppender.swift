import Synchronization

/// A batch of samples for a ``Store``; see ``Appender``.
///
/// Series are created in the head at `append` (as Prometheus does) so refs can be handed
/// back at once; their WAL record is written with the first commit that uses them.
public struct StoreAppender: Appender {
    private let store: Store
    private var pending: [(ref: SeriesRef, timestamp: Int64, value: Double)] = []
    /// Newest pending timestamp per series, to refuse out-of-order samples inside the batch
    /// (the current run's newest is in `runNewest` until the run ends).
    private var pendingMax = PendingNewest()
    /// The series of the previous append and its labels, while the caller keeps appending
    /// newer samples to it (a remote-write series, a backfill): those skip the store's lock,
    /// the label comparison (the same buffer compares equal at once) and `pendingMax`.
    private var runRef = SeriesRef.unknown
    private var runLabels = Labels.empty
    private var runNewest = Int64.min

    init(store: Store) { self.store = store }

    public var pendingCount: Int { pending.count }

    @discardableResult
    public mutating func append(_ ref: SeriesRef, _ labels: Labels, _ timestamp: Int64, _ value: Double) throws(AppendError) -> SeriesRef {
        // Newer than everything this batch holds for the series, and the previous sample
        // passed the head's checks: this one would too (the head's newest is older).
        if ref == runRef, ref != .unknown, timestamp > runNewest, labels == runLabels {
            pending.append((ref, timestamp, value))
            runNewest = timestamp
            return ref
        }
        if runRef != .unknown {
            pendingMax[runRef] = max(pendingMax[runRef] ?? .min, runNewest)
            runRef = .unknown
        }
        let window = store.options.outOfOrderWindow
        let limits = store.options.labelLimits
        let batchMax = ref == .unknown ? nil : pendingMax[ref]
        let (resolved, newerThanHead) = try store.state.withLock { (state) throws(AppendError) -> (SeriesRef, Bool) in
            guard state.wal != nil else { throw .storeClosed }
            var resolvedRef = ref
            if ref == .unknown || !state.head.hasLabels(ref, labels) {
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
            if let problem = state.head.check(resolvedRef, timestamp, value, window: window) {
                state.head.count(problem)
                throw problem
            }
            return (resolvedRef, timestamp > state.head.maxTime(resolvedRef))
        }
        let newest = resolved == ref ? batchMax : pendingMax[resolved]
        if let newest, timestamp < newest - window {
            throw .outOfOrder(labels, timestamp: timestamp, newest: newest)
        }
        pending.append((resolved, timestamp, value))
        // A sample at or behind the batch's or the head's newest (inside the window) does not
        // start a run: the next one may need the head's duplicate and window checks.
        if let newest, timestamp <= newest {
            pendingMax[resolved] = newest
        } else if !newerThanHead {
            pendingMax[resolved] = timestamp
        } else {
            runRef = resolved
            runLabels = labels
            runNewest = timestamp
        }
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
        // The samples record (the bulk of the bytes and of the checksum) is built before
        // taking the lock other appenders wait on; a head cut in between re-makes it.
        var samplesRecord = ByteWriter(capacity: batch.count * 12 + 16)
        WALRecord.encodeSamples(batch, into: &samplesRecord)
        return try store.state.withLock { (state) throws(StorageError) -> Int in
            guard let wal = state.wal else { throw StorageError("commit", reason: "the store is closed") }
            // A head cut between append and commit may have removed a series of this batch.
            var lost = false
            var moved = false
            for i in batch.indices {
                guard let ref = state.head.resolve(batch[i].ref) else {
                    lost = true
                    continue
                }
                if ref != batch[i].ref { moved = true }
                batch[i].ref = ref
            }
            if lost { batch.removeAll { state.head.resolve($0.ref) == nil } }
            if lost || moved {
                samplesRecord = ByteWriter(capacity: batch.count * 12 + 16)
                WALRecord.encodeSamples(batch, into: &samplesRecord)
            }
            var newSeries: [(ref: SeriesRef, labels: Labels)] = []
            var seen: Set<SeriesRef> = []
            for entry in batch where !state.head.isLogged(entry.ref) && seen.insert(entry.ref).inserted {
                if let labels = state.head.labels(of: entry.ref) { newSeries.append((entry.ref, labels)) }
            }
            if newSeries.isEmpty {
                try wal.log(samplesRecord.bytes)
            } else {
                var writer = ByteWriter(capacity: newSeries.count * 64 + samplesRecord.bytes.count)
                WALRecord.encodeSeries(newSeries, into: &writer)
                writer.bytes.append(contentsOf: samplesRecord.bytes)
                try wal.log(writer.bytes)
            }
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
        pendingMax.removeAll()
        runRef = .unknown
        runLabels = .empty
        runNewest = .min
    }
}
