/// The two data files of a block; the byte layout is in docs/format/block.md.
///
/// `chunks`: pages of chunk bytes, each zstd-compressed and checksummed:
/// `[u32 rawSize][u32 compressedSize][u32 crc32c(compressed)][compressed]`, repeated.
/// Chunks of series that sort together share a page, so zstd sees their metric-name patterns
/// and value shapes together.
///
/// `index`: magic, version, then one zstd frame holding symbols, (version 2) the shared
/// timestamp columns, series with their chunk references, and a trailing CRC-32C of the
/// uncompressed index.
///
/// Version 2 stores each timestamp column that two or more columnar chunks of the block have
/// byte for byte (series scraped together share their scrape times) once, in the index; such a
/// chunk's bytes in its page are its header byte and its values, and its reference names the
/// column; offsets within a page are left out of the index (chunks are laid out back to back
/// in index order). Its pages are compressed harder (see ``Layout``). Version 1 blocks are
/// still read.
enum BlockFormat {
    static let indexMagic: [UInt8] = Array("SXIX".utf8)
    static let chunksMagic: [UInt8] = Array("SXCK".utf8)
    /// The version new blocks are written in.
    static let version: UInt8 = 2
    static let supportedVersions: ClosedRange<UInt8> = 1...2

    /// How a version lays chunks out in pages.
    struct Layout: Sendable, Equatable {
        var version: UInt8
        /// Uncompressed bytes per page before it is cut.
        var pageSize: Int
        var zstdLevel: Int32
        /// Whether timestamp columns used more than once are kept once in the index.
        var sharesTimestamps: Bool

        static let v1 = Layout(version: 1, pageSize: 256 << 10, zstdLevel: 3, sharesTimestamps: false)
        static let v2 = Layout(version: 2, pageSize: 256 << 10, zstdLevel: 9, sharesTimestamps: true)
        static let current = v2

        static func of(version: UInt8) -> Layout? {
            switch version {
            case 1: v1
            case 2: v2
            default: nil
            }
        }
    }

    /// Uncompressed bytes per page of version 1 (the analyses lay chunks out as it did).
    static let pageSize = Layout.v1.pageSize

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
        /// 0: the chunk is stored whole. k ≥ 1 (version 2): its timestamp column is the block's
        /// shared column k - 1, and `offset..<offset + length` holds its header byte and values.
        var sharedTimestamps: Int = 0
    }

    struct SeriesEntry: Sendable {
        var labels: Labels
        var chunks: [ChunkRef]
    }

    /// A decoded index: the series and, from version 2, the shared timestamp columns.
    struct Index: Sendable {
        var version: UInt8
        var series: [SeriesEntry]
        var timestampColumns: [[UInt8]] = []
    }
}
