public import Logging
import Foundation
import Synchronization

/// The time-series store: series, samples, the WAL that makes them durable, the blocks the
/// head is cut into, and readers over all of it.
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
    let logger: Logger
    /// What replaying the WAL at open found.
    public let replayReport: WALReplayReport
    /// Block directories that failed validation at open and were moved to `<path>/corrupted/`.
    public let corruptBlocks: [String]
    let compacting = Mutex<Bool>(false)

    struct State: ~Copyable {
        var head = Head()
        var wal: WAL?
        var blocks: [Block] = []
        /// Downsampled blocks, each standing in for its parent in `blocks` when a query's
        /// ranges align with its windows.
        var rollups: [Block] = []
        var lastSync: Int64 = 0
        var compaction = CompactionStatistics()
    }

    var walDirectory: String { options.path + "/wal" }
    var blocksDirectory: String { options.path + "/blocks" }

    /// Opens the store: validates blocks (moving corrupt ones aside), replays the WAL. A
    /// damaged WAL tail or block is reported, never fatal.
    public init(options: StoreOptions, logger: Logger = Logger(label: "sextant.tsdb")) throws(StorageError) {
        self.options = options
        self.logger = logger
        try FileIO.makeDirectory(options.path)
        try FileIO.makeDirectory(options.path + "/blocks")
        let (opened, corrupt) = try Self.openBlocks(options.path, logger: logger)
        corruptBlocks = corrupt
        let blocks = opened.filter { $0.meta.resolution == 0 }
        let rollups = Self.withoutOrphans(opened.filter { $0.meta.resolution != 0 }, parents: blocks)
        let blocksEnd = blocks.map(\.meta.maxTime).max() ?? .min

        var head = Head()
        // Replay is lenient: a sample the live head would now refuse was refused then too.
        let window = max(options.outOfOrderWindow, .max / 4)
        let threads = min(8, ProcessInfo.processInfo.activeProcessorCount)
        // Samples are held back and applied grouped by series (see HeadReplayBatch).
        var batch = HeadReplayBatch(minTime: blocksEnd)
        let report = try WAL.replay(directory: options.path + "/wal") { record in
            head.replay(record, batch: &batch, window: window, threads: threads)
        }
        head.replay(&batch, window: window, threads: threads)
        head.minValidTime = blocksEnd
        if let corruption = report.corruption {
            logger.error("WAL damaged; recovered what preceded it", metadata: ["detail": "\(corruption)"])
        }
        logger.info("store opened", metadata: [
            "blocks": "\(blocks.count)", "wal_segments": "\(report.segments)", "series": "\(head.seriesCount)",
            "wal_samples": "\(report.samples)",
        ])
        let wal = try WAL(directory: options.path + "/wal", segmentSize: options.walSegmentSize, nextSegment: report.nextSegment)
        self.replayReport = report
        self.state = Mutex(State(head: head, wal: wal, blocks: blocks, rollups: rollups))
    }

    /// Opens every block directory; leftovers of interrupted writes are removed, blocks that
    /// a later compaction replaced are removed, damaged ones are moved aside.
    static func openBlocks(_ path: String, logger: Logger) throws(StorageError) -> ([Block], [String]) {
        let directory = path + "/blocks"
        var blocks: [Block] = []
        var corrupt: [String] = []
        for name in try FileIO.listDirectory(directory) {
            let full = directory + "/" + name
            if name.hasSuffix(".tmp") {
                try? FileManager.default.removeItem(atPath: full)
                continue
            }
            guard ULID.isValid(name) else { continue }
            do {
                blocks.append(try Block(path: full))
            } catch {
                logger.error("block is damaged; moved aside", metadata: ["block": "\(name)", "reason": "\(error.reason)"])
                try FileIO.makeDirectory(path + "/corrupted")
                _ = rename(full, path + "/corrupted/" + name)
                corrupt.append(name)
            }
        }
        // A compaction that crashed after writing its output but before deleting its inputs
        // leaves both: the output lists the inputs among its sources.
        let replaced = Set(blocks.flatMap { b in b.meta.compaction.sources.filter { $0 != b.meta.ulid } })
        blocks.removeAll { block in
            guard replaced.contains(block.meta.ulid) else { return false }
            try? FileManager.default.removeItem(atPath: block.path)
            return true
        }
        return (blocks.sorted { $0.meta.minTime < $1.meta.minTime }, corrupt)
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

    /// Cardinality of the head, with the `top` entries of each list.
    public func headStatistics(top: Int = 10) -> HeadStatistics {
        state.withLock { state in
            let postings = state.head.postings.statistics(top: top)
            let range = state.head.timeRange
            return HeadStatistics(
                numSeries: state.head.seriesCount, numLabelPairs: postings.pairs,
                chunkCount: state.head.chunkCount, minTime: range?.min, maxTime: range?.max,
                seriesCountByMetricName: postings.byMetric, labelValueCountByLabelName: postings.valueCounts,
                memoryInBytesByLabelName: postings.bytes, seriesCountByLabelValuePair: postings.pairsBySeries
            )
        }
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
                blocks: state.blocks.count,
                blockBytes: (state.blocks + state.rollups).reduce(0) { $0 + $1.sizeOnDisk },
                rollupBlocks: state.rollups.count,
                blockSamples: state.blocks.reduce(0) { $0 + $1.meta.stats.numSamples },
                compaction: state.compaction,
                corruptBlocks: corruptBlocks.count,
                counters: state.head.counters
            )
        }
    }

    /// The blocks' metadata, oldest first.
    public var blocks: [BlockMeta] { state.withLock { $0.blocks.map(\.meta) } }

    /// The downsampled blocks' metadata, by time, then resolution.
    public var rollups: [BlockMeta] { state.withLock { $0.rollups.map(\.meta) } }
}

/// A point-in-time view of the store's size and counters.
public struct StoreStats: Sendable, Equatable {
    public var series: Int
    public var headSamples: Int
    public var headMinTime: Int64?
    public var headMaxTime: Int64?
    public var walBytes: Int
    public var walCorruptions: Int
    public var blocks: Int
    /// Bytes of raw and downsampled blocks.
    public var blockBytes: Int
    public var rollupBlocks: Int
    public var blockSamples: Int
    public var compaction: CompactionStatistics
    public var corruptBlocks: Int
    public var counters: HeadCounters
}
