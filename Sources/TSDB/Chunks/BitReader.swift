/// Reads bits most significant first from a byte array. Every read reports running out of
/// bits with `nil`: chunk bytes come from disk and a reader must never trap on them.
struct BitReader: Sendable {
    private let bytes: [UInt8]
    private var nextByte: Int
    /// Bits loaded but not yet read, in the low `bufferedCount` bits.
    private var buffer: UInt64 = 0
    private var bufferedCount = 0

    init(_ bytes: [UInt8], byteOffset: Int = 0) {
        self.bytes = bytes
        self.nextByte = min(max(byteOffset, 0), bytes.count)
    }

    /// Bits not yet read.
    var remainingBits: Int { bufferedCount + (bytes.count - nextByte) * 8 }

    /// The byte offset of the next unread bit, for error messages.
    var byteOffset: Int { nextByte - bufferedCount / 8 - (bufferedCount % 8 == 0 ? 0 : 1) }

    /// Tops the buffer up to at least 57 bits while bytes remain, eight bytes at a time when it can.
    @inline(__always)
    private mutating func refill() {
        let room = (64 - bufferedCount) / 8
        if nextByte + 8 <= bytes.count {
            let word = bytes.withUnsafeBytes { UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: nextByte, as: UInt64.self)) }
            let bits = room * 8
            buffer = bits == 64 ? word : (buffer &<< UInt64(bits)) | (word &>> UInt64(64 - bits))
            nextByte += room
            bufferedCount += bits
            return
        }
        while bufferedCount <= 56 && nextByte < bytes.count {
            buffer = (buffer << 8) | UInt64(bytes[nextByte])
            nextByte += 1
            bufferedCount += 8
        }
    }

    /// Reads `count` bits (0...64) as the low bits of the result.
    @inline(__always)
    mutating func read(bits count: Int) -> UInt64? {
        if count > 56 { return readWide(bits: count) }
        if bufferedCount < count {
            refill()
            guard bufferedCount >= count else { return nil }
        }
        guard count > 0 else { return 0 }
        bufferedCount -= count
        return (buffer &>> UInt64(bufferedCount)) & (UInt64.max &>> UInt64(64 - count))
    }

    @inline(never)
    private mutating func readWide(bits count: Int) -> UInt64? {
        guard let high = read(bits: count - 32), let low = read(bits: 32) else { return nil }
        return (high << 32) | low
    }

    @inline(__always)
    mutating func readBit() -> Bool? {
        if bufferedCount == 0 {
            refill()
            guard bufferedCount > 0 else { return nil }
        }
        bufferedCount -= 1
        return (buffer &>> UInt64(bufferedCount)) & 1 == 1
    }

    /// Reads a whole byte from the bit stream (which need not be aligned).
    @inline(__always)
    mutating func readByte() -> UInt8? {
        read(bits: 8).map { UInt8(truncatingIfNeeded: $0) }
    }

    /// A base-128 varint as Go's `binary.Uvarint` writes it; `nil` when truncated or longer
    /// than 64 bits.
    mutating func readUvarint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard let byte = readByte() else { return nil }
            if shift == 63 && byte > 1 { return nil }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
            if shift > 63 { return nil }
        }
    }

    mutating func readVarint() -> Int64? {
        readUvarint().map { Int64(bitPattern: ($0 >> 1) ^ (0 &- ($0 & 1))) }
    }

    /// Whether what remains is only the zero padding of the last byte.
    var isAtPaddedEnd: Bool {
        guard remainingBits < 8 else { return false }
        return bufferedCount == 0 || buffer & (UInt64.max >> (64 - bufferedCount)) == 0
    }
}
