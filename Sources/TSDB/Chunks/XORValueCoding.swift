/// Gorilla's value compression, shared by the `xor` and `packedXOR` encodings.
///
/// Each value is XOR'd with the previous one. A zero XOR is the bit `0`. Otherwise `1`, then
/// either `0` and the meaningful bits inside the previous leading/trailing-zero window, or `1`,
/// 5 bits of leading zeros (clamped to 31), 6 bits of meaningful-bit count (64 written as 0)
/// and the meaningful bits. This is Prometheus's `xorWrite`/`xorRead`, bit for bit.
struct XORValueWriter: Sendable {
    private var previous: UInt64 = 0
    /// 0xFF until the first window is written: nothing to reuse yet.
    private var leading: UInt8 = 0xFF
    private var trailing: UInt8 = 0

    init() {}

    mutating func writeFirst(_ value: Double, to out: inout BitWriter) {
        previous = value.bitPattern
        out.write(previous, bits: 64)
    }

    @inline(__always)
    mutating func write(_ value: Double, to out: inout BitWriter) {
        let bits = value.bitPattern
        let delta = bits ^ previous
        previous = bits
        guard delta != 0 else {
            out.writeBit(false)
            return
        }
        let newLeading = UInt8(min(delta.leadingZeroBitCount, 31))
        let newTrailing = UInt8(delta.trailingZeroBitCount)
        if leading != 0xFF && newLeading >= leading && newTrailing >= trailing {
            // Control bits `10`, then the bits inside the previous window.
            out.write(0b10, bits: 2)
            out.write(delta >> trailing, bits: 64 - Int(leading) - Int(trailing))
            return
        }
        leading = newLeading
        trailing = newTrailing
        let significant = 64 - Int(newLeading) - Int(newTrailing)
        // `11`, 5 bits leading, 6 bits significant count (64 wraps to 0).
        out.write(0b11 << 11 | UInt64(newLeading) << 6 | UInt64(significant & 63), bits: 13)
        out.write(delta >> newTrailing, bits: significant)
    }
}

struct XORValueReader: Sendable {
    private(set) var previous: UInt64 = 0
    private var leading: UInt8 = 0xFF
    private var trailing: UInt8 = 0

    init() {}

    mutating func readFirst(from input: inout BitReader) throws(ChunkDecodingFailure) -> Double {
        guard let bits = input.read(bits: 64) else {
            throw ChunkDecodingFailure(.truncated, at: input.byteOffset, "first value cut short")
        }
        previous = bits
        return Double(bitPattern: bits)
    }

    @inline(__always)
    mutating func read(from input: inout BitReader) throws(ChunkDecodingFailure) -> Double {
        guard let changed = input.readBit() else {
            throw ChunkDecodingFailure(.truncated, at: input.byteOffset, "value control bit cut short")
        }
        guard changed else { return Double(bitPattern: previous) }
        guard let newWindow = input.readBit() else {
            throw ChunkDecodingFailure(.truncated, at: input.byteOffset, "value control bit cut short")
        }
        if newWindow {
            guard let header = input.read(bits: 11) else {
                throw ChunkDecodingFailure(.truncated, at: input.byteOffset, "value window cut short")
            }
            let newLeading = UInt8(header >> 6)
            var significant = UInt8(header & 63)
            if significant == 0 { significant = 64 }
            guard Int(newLeading) + Int(significant) <= 64 else {
                throw ChunkDecodingFailure(.malformed, at: input.byteOffset, "value window of \(newLeading) leading and \(significant) significant bits exceeds 64")
            }
            leading = newLeading
            trailing = 64 - newLeading - significant
        } else if leading == 0xFF {
            throw ChunkDecodingFailure(.malformed, at: input.byteOffset, "value reuses a window before any was set")
        }
        let significant = 64 - Int(leading) - Int(trailing)
        guard let meaningful = input.read(bits: significant) else {
            throw ChunkDecodingFailure(.truncated, at: input.byteOffset, "value bits cut short")
        }
        previous ^= meaningful << trailing
        return Double(bitPattern: previous)
    }
}
