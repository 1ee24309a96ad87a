/// Why a chunk's bytes could not be decoded. Decoders report, never trap: bytes come from
/// disk and may be torn or corrupt.
public struct ChunkError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable, CustomStringConvertible {
        /// The encoding byte names no ``ChunkEncoding``.
        case unknownEncoding
        /// The sample count is out of range or disagrees with the chunk's own header.
        case invalidCount
        /// `minTime`/`maxTime` disagree with the decoded timestamps.
        case timeRangeMismatch
        /// The bytes end before all samples were decoded.
        case truncated
        /// Bytes or non-zero padding bits remain after the last sample.
        case trailingBytes
        /// A field holds a value the format does not allow.
        case malformed
        /// Decoded timestamps do not strictly increase.
        case outOfOrder

        public var description: String {
            switch self {
            case .unknownEncoding: "unknown encoding"
            case .invalidCount: "invalid sample count"
            case .timeRangeMismatch: "time range mismatch"
            case .truncated: "truncated"
            case .trailingBytes: "trailing bytes"
            case .malformed: "malformed"
            case .outOfOrder: "timestamps out of order"
            }
        }
    }

    public var kind: Kind
    /// The raw encoding byte of the chunk.
    public var encoding: UInt8
    /// Byte offset into the chunk's bytes where decoding stopped (best effort).
    public var offset: Int
    public var message: String

    public init(_ kind: Kind, encoding: UInt8, offset: Int, _ message: String) {
        self.kind = kind
        self.encoding = encoding
        self.offset = offset
        self.message = message
    }

    public var description: String {
        let name = ChunkEncoding(rawValue: encoding)?.description ?? "encoding \(encoding)"
        return "\(name) chunk, byte \(offset): \(kind): \(message)"
    }
}

/// A decoding failure before the chunk's encoding and position are attached.
struct ChunkDecodingFailure: Error {
    var kind: ChunkError.Kind
    var offset: Int
    var message: String

    init(_ kind: ChunkError.Kind, at offset: Int, _ message: String) {
        self.kind = kind
        self.offset = offset
        self.message = message
    }

    func error(encoding: UInt8) -> ChunkError {
        ChunkError(kind, encoding: encoding, offset: offset, message)
    }
}
