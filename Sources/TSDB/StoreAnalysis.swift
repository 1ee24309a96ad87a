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
    }

    public var blocks: [BlockEntry]
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
        let (metas, sizes) = store.state.withLock { state in (state.blocks.map(\.meta), state.blocks.map(\.sizeOnDisk)) }
        blocks = zip(metas, sizes).map { meta, bytes in
            BlockEntry(ulid: meta.ulid, minTime: meta.minTime, maxTime: meta.maxTime, level: meta.compaction.level,
                       series: meta.stats.numSeries, samples: meta.stats.numSamples, chunks: meta.stats.numChunks, bytes: bytes,
                       bytesPerSample: meta.stats.numSamples == 0 ? 0 : Double(bytes) / Double(meta.stats.numSamples))
        }
        blockSamples = blocks.reduce(0) { $0 + $1.samples }
        blockBytes = blocks.reduce(0) { $0 + $1.bytes }
        blockBytesPerSample = blockSamples == 0 ? 0 : Double(blockBytes) / Double(blockSamples)
        let stats = store.stats
        headSeries = stats.series
        headSamples = stats.headSamples
        walBytes = stats.walBytes
    }
}
