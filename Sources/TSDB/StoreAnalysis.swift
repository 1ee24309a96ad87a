import Synchronization

/// What `sextant tsdb analyze` reports: per block and in total, series, samples, bytes on
/// disk and bytes per sample; and the head as the WAL replays it.
public struct StoreAnalysis: Codable, Sendable {
    public struct BlockEntry: Codable, Sendable {
        public var ulid: String
        public var minTime: Int64
        public var maxTime: Int64
        public var level: Int
        public var series: Int
        public var samples: Int
        public var chunks: Int
        public var bytes: Int
        public var bytesPerSample: Double
        /// Window (ms) of a rollup's points; 0 for raw blocks.
        public var resolution: Int64
        /// Block format version (docs/format/block.md).
        public var version: Int
    }

    /// Raw blocks; the totals below count only these.
    public var blocks: [BlockEntry]
    /// Downsampled blocks (rollups of old raw blocks).
    public var rollups: [BlockEntry]
    public var blockSamples: Int
    public var blockBytes: Int
    public var blockBytesPerSample: Double
    public var headSeries: Int
    public var headSamples: Int
    public var walBytes: Int

    /// Opens the store read-mostly (the WAL is replayed, nothing is compacted) and measures it.
    public init(path: String) throws(StorageError) {
        let store = try Store(options: StoreOptions(path: path, walSync: .none))
        defer { try? store.close() }
        func entries(_ blocks: [Block]) -> [BlockEntry] {
            blocks.map { block in
                let meta = block.meta, bytes = block.sizeOnDisk
                return BlockEntry(ulid: meta.ulid, minTime: meta.minTime, maxTime: meta.maxTime, level: meta.compaction.level,
                                  series: meta.stats.numSeries, samples: meta.stats.numSamples, chunks: meta.stats.numChunks, bytes: bytes,
                                  bytesPerSample: meta.stats.numSamples == 0 ? 0 : Double(bytes) / Double(meta.stats.numSamples),
                                  resolution: meta.resolution, version: meta.version)
            }
        }
        let (raw, rolled) = store.state.withLock { state in (state.blocks, state.rollups) }
        blocks = entries(raw)
        rollups = entries(rolled)
        blockSamples = blocks.reduce(0) { $0 + $1.samples }
        blockBytes = blocks.reduce(0) { $0 + $1.bytes }
        blockBytesPerSample = blockSamples == 0 ? 0 : Double(blockBytes) / Double(blockSamples)
        let stats = store.stats
        headSeries = stats.series
        headSamples = stats.headSamples
        walBytes = stats.walBytes
    }
}
