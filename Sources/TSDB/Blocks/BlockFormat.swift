/// The two data files of a block; the byte layout is in docs/format/block.md.
///
/// `chunks`: pages of chunk bytes, each zstd-compressed and checksummed:
/// `[u32 rawSize][u32 compressedSize][u32 crc32c(compressed)][compressed]`, repeated.
/// Chunks of series that sort together share a page, so zstd sees their common timestamp
/// columns and metric-name patterns together.
///
/// `index`: magic, version, then one zstd frame holding symbols, series with their chunk
/// references, and a trailing CRC-32C of the uncompressed index.
enum BlockFormat {
    static let indexMagic: [UInt8] = Array("SXIX".utf8)
    static let chunksMagic: [UInt8] = Array("SXCK".utf8)
    static let version: UInt8 = 1
    /// Uncompressed bytes per page before it is cut.
    static let pageSize = 256 << 10

    /// Where one chunk lives: page number, byte range within the uncompressed page, and the
    /// chunk's own header.
    struct ChunkRef: Sendable, Equatable {
        var page: Int
        var offset: Int
        var length: Int
        var encoding: UInt8
        var count: Int
        var minTime: Int64
        var maxTime: Int64
    }

    struct SeriesEntry: Sendable {
        var labels: Labels
        var chunks: [ChunkRef]
    }
}
