/// An immutable encoded chunk: the unit the head cuts, blocks store, queries decode.
///
/// `minTime` and `maxTime` are the first and last sample's timestamps; an empty chunk (only
/// `xor` has one, an appender's before its first sample) has `minTime == .max` and
/// `maxTime == .min`, so it overlaps no query range.
///
/// ```swift
/// let chunk = ChunkEncoder.encode(samples)
/// var it = ChunkIterator(chunk)
/// while let sample = it.next() { … }
/// if let error = it.error { … }
/// ```
public struct EncodedChunk: Sendable, Equatable {
    /// A chunk holds at most this many samples: Prometheus's XOR header counts in 16 bits, and
    /// decoders size buffers from `count` before they trust the bytes.
    public static let maxCount = Int(UInt16.max)

    public let encoding: ChunkEncoding
    public let bytes: [UInt8]
    public let count: Int
    public let minTime: Int64
    public let maxTime: Int64
    /// A block's chunk whose timestamp column the block shares: the column decoded once for
    /// the selection that read it (not part of the chunk's value).
    var sharedTimestamps: SharedTimestampDecoding?

    /// For encoders, which produce consistent chunks; bytes from disk go through the
    /// validating initializer.
    init(unchecked encoding: ChunkEncoding, bytes: [UInt8], count: Int, minTime: Int64, maxTime: Int64) {
        self.encoding = encoding
        self.bytes = bytes
        self.count = count
        self.minTime = minTime
        self.maxTime = maxTime
    }

    public var isEmpty: Bool { count == 0 }

    /// Bytes per sample of the encoding alone (the container adds its own framing).
    public var bytesPerSample: Double { count == 0 ? 0 : Double(bytes.count) / Double(count) }

    /// Equal encoding, bytes, count and time range: the same chunk, however it was read.
    public static func == (a: EncodedChunk, b: EncodedChunk) -> Bool {
        a.encoding == b.encoding && a.count == b.count && a.minTime == b.minTime && a.maxTime == b.maxTime && a.bytes == b.bytes
    }
}

extension EncodedChunk {
    /// Decodes a chunk read from disk: validates the header and that the bytes decode to
    /// exactly `count` samples in increasing time order from `minTime` to `maxTime`, with no
    /// leftover bytes or non-zero padding bits.
    public init(encoding raw: UInt8, bytes: [UInt8], count: Int, minTime: Int64, maxTime: Int64) throws(ChunkError) {
        guard let encoding = ChunkEncoding(rawValue: raw) else {
            throw ChunkError(.unknownEncoding, encoding: raw, offset: 0, "no encoding has the byte \(raw)")
        }
        guard count >= 0 && count <= Self.maxCount else {
            throw ChunkError(.invalidCount, encoding: raw, offset: 0, "count \(count) is outside 0...\(Self.maxCount)")
        }
        let chunk = EncodedChunk(unchecked: encoding, bytes: bytes, count: count, minTime: minTime, maxTime: maxTime)
        var iterator = ChunkIterator(chunk)
        var decoded = 0
        while iterator.next() != nil { decoded += 1 }
        if let error = iterator.error { throw error }
        // The iterator checks the count itself; this guards against a future decoder that does not.
        guard decoded == count else {
            throw ChunkError(.invalidCount, encoding: raw, offset: bytes.count, "decoded \(decoded) samples, expected \(count)")
        }
        self = chunk
    }
}
