/// Writes bits most significant first into a growing byte array, as Prometheus's `bstream`
/// does; the last byte is padded with zero bits.
struct BitWriter {
    private var bytes: [UInt8]
    /// Pending bits not yet making a whole byte, in the low `pendingCount` bits.
    private var pending: UInt64 = 0
    private var pendingCount = 0

    init(appendingTo bytes: [UInt8] = [], capacity: Int = 0) {
        self.bytes = bytes
        self.bytes.reserveCapacity(bytes.count + capacity)
    }

    /// Bits written so far, counting the bytes the writer started with.
    var bitCount: Int { bytes.count * 8 + pendingCount }

    /// Bytes that can be written before the buffer grows.
    var spareCapacity: Int { bytes.capacity - bytes.count }

    /// Grows the buffer to hold at least `capacity` bytes in all.
    mutating func reserveCapacity(_ capacity: Int) { bytes.reserveCapacity(capacity) }

    @inline(__always)
    mutating func writeBit(_ bit: Bool) {
        write(bit ? 1 : 0, bits: 1)
    }

    /// Writes the low `count` bits of `value` (0...64 bits).
    @inline(__always)
    mutating func write(_ value: UInt64, bits count: Int) {
        if count > 56 {
            write(value >> 32, bits: count - 32)
            write(value & 0xFFFF_FFFF, bits: 32)
            return
        }
        guard count > 0 else { return }
        let masked = value & (UInt64.max >> (64 - count))
        pending = (pending << count) | masked
        pendingCount += count
        while pendingCount >= 8 {
            pendingCount -= 8
            bytes.append(UInt8(truncatingIfNeeded: pending >> pendingCount))
        }
    }

    /// Pads to a byte boundary with zero bits.
    mutating func alignToByte() {
        if pendingCount > 0 { write(0, bits: 8 - pendingCount) }
    }

    /// The bytes written, the last one padded with zero bits.
    func finished() -> [UInt8] {
        guard pendingCount > 0 else { return bytes }
        var out = bytes
        out.append(UInt8(truncatingIfNeeded: pending << (8 - pendingCount)))
        return out
    }

    /// Like ``finished()`` but gives up the buffer instead of copying it.
    consuming func take() -> [UInt8] {
        alignToByte()
        return bytes
    }
}
