import Foundation

/// `meta.json` of a block directory: its time range, size, lineage and file checksums.
/// Time range is half-open, `[minTime, maxTime)`, as in Prometheus.
public struct BlockMeta: Codable, Sendable, Equatable {
    public struct Stats: Codable, Sendable, Equatable {
        public var numSamples: Int
        public var numSeries: Int
        public var numChunks: Int
    }

    public struct Compaction: Codable, Sendable, Equatable {
        public var level: Int
        public var sources: [String]
    }

    public struct FileInfo: Codable, Sendable, Equatable {
        public var size: Int
        public var crc32c: UInt32
    }

    public var ulid: String
    public var minTime: Int64
    public var maxTime: Int64
    public var stats: Stats
    public var compaction: Compaction
    public var version: Int
    /// Milliseconds per rollup point; 0 for raw data.
    public var resolution: Int64
    /// For a rollup: the raw block it was computed from. It is read in that block's place
    /// and deleted with it.
    public var parent: String?
    public var files: [String: FileInfo]

    static let currentVersion = Int(BlockFormat.version)

    func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // Encoding plain structs of numbers and strings cannot fail.
        return try! encoder.encode(self)
    }
}

/// Block ids: ULIDs (48-bit millisecond time, 80 random bits, Crockford base32), so
/// directory names sort by creation time.
enum ULID {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    static func make(milliseconds: UInt64, random: inout some RandomNumberGenerator) -> String {
        var value = (UInt128(milliseconds & 0xFFFF_FFFF_FFFF) << 80) | (UInt128(random.next() as UInt64) << 16) | UInt128(random.next() as UInt16)
        var out = [UInt8](repeating: 0, count: 26)
        for i in stride(from: 25, through: 0, by: -1) {
            out[i] = alphabet[Int(value & 31)]
            value >>= 5
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func isValid(_ s: String) -> Bool {
        s.utf8.count == 26 && s.utf8.allSatisfy { alphabet.contains($0) }
    }
}
