/// Incremental Gorilla encoder for the head's open chunk: append in time order, snapshot any
/// time. The bytes are a Prometheus XOR chunk (`tsdb/chunkenc/xor.go`), so they can go out
/// unchanged in remote-read chunked responses.
///
/// ```swift
/// var appender = XORChunkAppender()
/// appender.append(1_700_000_000_000, 0.5)
/// let chunk = appender.snapshot()
/// ```
///
/// Timestamps are differenced with wrapping arithmetic, so any `Int64` round-trips; queries
/// (and the decoder's order check) expect them strictly increasing.
public struct XORChunkAppender: Sendable {
    /// Starts small and grows once to the size the first samples project for the whole
    /// chunk (see ``reserveAhead()``): the head holds one open chunk per series, and doubling
    /// from a fixed guess left both the unused half and the outgrown buffers as holes in the
    /// heap (about 800 of 1 600 resident bytes per series of a 30-minute head).
    private var writer = BitWriter(appendingTo: [0, 0], capacity: 30)
    /// How many samples a chunk is expected to reach (the head cuts at 120); longer ones
    /// (``ChunkEncoder``) double their buffer past it.
    private static let expectedCount = 120
    private var values = XORValueWriter()
    public private(set) var count = 0
    private var firstTime: Int64 = 0
    private var lastTime: Int64 = 0
    private var lastDelta: UInt64 = 0

    public init() {}

    /// Whether the 16-bit sample counter of the format is exhausted; cut a new chunk first.
    public var isFull: Bool { count >= EncodedChunk.maxCount }

    /// Encoded size so far, header included.
    public var byteCount: Int { (writer.bitCount + 7) / 8 }

    /// Appends a sample. Appending to a full chunk (``isFull``) is a programming error.
    public mutating func append(_ t: Int64, _ v: Double) {
        precondition(!isFull, "an XOR chunk holds at most \(EncodedChunk.maxCount) samples")
        // One sample takes at most 19 bytes (4 + 64 bits of timestamp, 13 + 64 of value).
        if writer.spareCapacity < 20 { reserveAhead() }
        switch count {
        case 0:
            firstTime = t
            writeVarintBytes(UInt64(bitPattern: (t << 1) ^ (t >> 63)))
            values.writeFirst(v, to: &writer)
        case 1:
            lastDelta = UInt64(bitPattern: t &- lastTime)
            writeVarintBytes(lastDelta)
            values.write(v, to: &writer)
        default:
            let delta = UInt64(bitPattern: t &- lastTime)
            let dod = Int64(bitPattern: delta &- lastDelta)
            lastDelta = delta
            writeDeltaOfDelta(dod)
            values.write(v, to: &writer)
        }
        lastTime = t
        count += 1
    }

    /// Grows the buffer to what the samples so far project for `expectedCount` samples,
    /// plus an eighth; past that count, to twice the size.
    private mutating func reserveAhead() {
        let used = writer.bitCount / 8 + 1
        let projected = count < 4 ? 64
            : count + 8 <= Self.expectedCount ? used + used * (Self.expectedCount - count) * 9 / (8 * count)
            : 2 * used
        writer.reserveCapacity(max(projected, used + 40))
    }

    public func snapshot() -> EncodedChunk {
        var bytes = writer.finished()
        bytes[0] = UInt8(truncatingIfNeeded: count >> 8)
        bytes[1] = UInt8(truncatingIfNeeded: count)
        return EncodedChunk(
            unchecked: .xor, bytes: bytes, count: count,
            minTime: count == 0 ? .max : firstTime, maxTime: count == 0 ? .min : lastTime)
    }

    private mutating func writeVarintBytes(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            writer.write(v & 0x7F | 0x80, bits: 8)
            v >>= 7
        }
        writer.write(v, bits: 8)
    }

    /// Prometheus's buckets: `0`; `10`+14 bits; `110`+17; `1110`+20; `1111`+64, each signed
    /// range being -(2^(n-1) - 1)...2^(n-1) in two's complement.
    @inline(__always)
    private mutating func writeDeltaOfDelta(_ dod: Int64) {
        @inline(__always) func fits(_ bits: Int) -> Bool {
            -((1 << (bits - 1)) - 1) <= dod && dod <= 1 << (bits - 1)
        }
        let raw = UInt64(bitPattern: dod)
        if dod == 0 {
            writer.writeBit(false)
        } else if fits(14) {
            writer.write(0b10 << 14 | raw & 0x3FFF, bits: 16)
        } else if fits(17) {
            writer.write(0b110 << 17 | raw & 0x1_FFFF, bits: 20)
        } else if fits(20) {
            writer.write(0b1110 << 20 | raw & 0xF_FFFF, bits: 24)
        } else {
            writer.write(0b1111, bits: 4)
            writer.write(raw, bits: 64)
        }
    }
}
