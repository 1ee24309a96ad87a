/// Streams the samples of a Prometheus XOR chunk: the 16-bit big-endian count, the first
/// timestamp as a zigzag varint and value as 64 bits, the second timestamp's delta as a
/// uvarint, then delta-of-delta buckets; values as in ``XORValueReader``.
struct XORChunkDecoder: Sendable {
    private var reader: BitReader
    let headerCount: Int
    private(set) var decoded = 0
    private var time: Int64 = 0
    private var delta: UInt64 = 0
    private var values = XORValueReader()

    /// A decoder with nothing to decode.
    init() {
        headerCount = 0
        reader = BitReader([])
    }

    init(_ bytes: [UInt8]) throws(ChunkDecodingFailure) {
        guard bytes.count >= 2 else {
            throw ChunkDecodingFailure(.truncated, at: 0, "\(bytes.count) bytes cannot hold the 2-byte header")
        }
        headerCount = Int(bytes[0]) << 8 | Int(bytes[1])
        reader = BitReader(bytes, byteOffset: 2)
    }

    /// The next sample; `nil` after the last, once the padding is checked.
    @inline(__always)
    mutating func next() throws(ChunkDecodingFailure) -> Sample? {
        guard decoded < headerCount else {
            guard reader.isAtPaddedEnd else {
                throw ChunkDecodingFailure(.trailingBytes, at: reader.byteOffset, "\(reader.remainingBits) bits after the last sample")
            }
            return nil
        }
        let value: Double
        switch decoded {
        case 0:
            guard let t = reader.readVarint() else {
                throw ChunkDecodingFailure(.truncated, at: reader.byteOffset, "first timestamp cut short")
            }
            time = t
            value = try values.readFirst(from: &reader)
        case 1:
            guard let d = reader.readUvarint() else {
                throw ChunkDecodingFailure(.truncated, at: reader.byteOffset, "second timestamp delta cut short")
            }
            delta = d
            time = time &+ Int64(bitPattern: delta)
            value = try values.read(from: &reader)
        default:
            let dod = try readDeltaOfDelta()
            delta = delta &+ UInt64(bitPattern: dod)
            time = time &+ Int64(bitPattern: delta)
            value = try values.read(from: &reader)
        }
        decoded += 1
        return Sample(time, value)
    }

    @inline(__always)
    private mutating func readDeltaOfDelta() throws(ChunkDecodingFailure) -> Int64 {
        var prefix = 0
        while prefix < 4 {
            guard let bit = reader.readBit() else {
                throw ChunkDecodingFailure(.truncated, at: reader.byteOffset, "timestamp bucket cut short")
            }
            if !bit { break }
            prefix += 1
        }
        let size: Int
        switch prefix {
        case 0: return 0
        case 1: size = 14
        case 2: size = 17
        case 3: size = 20
        default:
            guard let raw = reader.read(bits: 64) else {
                throw ChunkDecodingFailure(.truncated, at: reader.byteOffset, "timestamp delta-of-delta cut short")
            }
            return Int64(bitPattern: raw)
        }
        guard var raw = reader.read(bits: size) else {
            throw ChunkDecodingFailure(.truncated, at: reader.byteOffset, "timestamp delta-of-delta cut short")
        }
        if raw > 1 << (size - 1) { raw = raw &- (1 << size) }
        return Int64(bitPattern: raw)
    }
}
