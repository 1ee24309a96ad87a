public import Logging
import Synchronization

/// The time-series store: series, samples, the WAL that makes them durable, and readers.
///
/// ```swift
/// let store = try Store(options: StoreOptions(path: "./data"), logger: logger)
/// var app = store.appender()
/// try app.append(.unknown, labels, now, 1)
/// try app.commit()
/// let series = try store.querier().select([.equal("__name__", "up")], mint: 0, maxt: now, hints: .init())
/// ```
public final class Store: Sendable {
    public let options: StoreOptions
    let state: Mutex<State>
    private let logger: Logger
    /// Counted across the life of the process: WAL records found damaged and cut off.
    public let replayReport: WALReplayReport

    struct State: ~Copyable {
        var head = Head()
        var wal: WAL?
        var lastSync: Int64 = 0
    }

    /// Opens the store, replaying the WAL. A damaged WAL tail is cut off and reported, never fatal.
    public init(options: StoreOptions, logger: Logger = Logger(label: "sextant.tsdb")) throws(StorageError) {
        self.options = options
        self.logger = logger
        try FileIO.makeDirectory(options.path)
        let walDirectory = options.path + "/wal"
        var head = Head()
        let window = options.outOfOrderWindow
        let report = try WAL.replay(directory: walDirectory) { record in
            switch record {
            case .series(let entries):
                for entry in entries { head.restore(entry.ref, entry.labels) }
            case .samples(let entries):
                for entry in entries where head[entry.ref] != nil {
                    // Replay is lenient: a sample the live head would now refuse was refused then too.
                    _ = head.insert(entry.ref, entry.timestamp, entry.value, window: max(window, .max / 4))
                }
            }
        }
        if let corruption = report.corruption {
            logger.error("WAL damaged; recovered what preceded it", metadata: ["detail": "\(corruption)"])
        }
        logger.info("WAL replayed", metadata: [
            "segments": "\(report.segments)", "series": "\(head.seriesCount)", "samples": "\(report.samples)",
        ])
        let wal = try WAL(directory: walDirectory, segmentSize: options.walSegmentSize, nextSegment: report.nextSegment)
        self.replayReport = report
        self.state = Mutex(State(head: head, wal: wal))
    }

    public func appender() -> StoreAppender { StoreAppender(store: self) }

    public func querier() -> StoreQuerier { StoreQuerier(store: self) }

    /// Flushes the WAL to stable storage if the sync policy's interval has passed (or
    /// always, when `force`). Called by the store's service on a timer and at shutdown.
    public func sync(now: Int64, force: Bool = false) throws(StorageError) {
        try state.withLock { (state) throws(StorageError) in
            guard let wal = state.wal else { return }
            if !force, case .interval(let ms) = options.walSync, now - state.lastSync < ms { return }
            if !force, options.walSync == .none { return }
            try wal.sync()
            state.lastSync = now
        }
    }

    /// Syncs and closes the WAL; later appends fail with ``AppendError/storeClosed``.
    public func close() throws(StorageError) {
        try state.withLock { (state) throws(StorageError) in
            guard let wal = state.wal else { return }
            try wal.sync()
            state.wal = nil
        }
        logger.info("store closed")
    }

    public var stats: StoreStats {
        state.withLock { state in
            StoreStats(
                series: state.head.seriesCount,
                headSamples: state.head.sampleCount,
                headMinTime: state.head.timeRange?.min,
                headMaxTime: state.head.timeRange?.max,
                walBytes: state.wal?.size() ?? 0,
                walCorruptions: replayReport.corruption == nil ? 0 : 1,
                counters: state.head.counters
            )
        }
    }
}

/// A point-in-time view of the store's size and counters.
public struct StoreStats: Sendable, Equatable {
    public var series: Int
    public var headSamples: Int
    public var headMinTime: Int64?
    public var headMaxTime: Int64?
    public var walBytes: Int
    public var walCorruptions: Int
    public var counters: HeadCounters
}
