/// The chunk a head series is appending to: a Prometheus XOR chunk, bit for bit what
/// ``XORChunkAppender`` writes, whose bytes live in pages of the head's ``ChunkArena``
/// instead of a growing array of its own (see there for why).
///
/// The header (the sample count) is not stored: ``snapshot(_:)`` writes it. The newest
/// sample is kept here (`lastTime`, `lastValue`), so the series need not keep it again.
/// Fields are ordered and sized so the whole takes 54 bytes: the head holds one per series.
///
/// Pages are not freed with the value: call ``release(_:)`` before dropping or replacing
/// one that holds any (the head does, when it cuts a chunk or removes a series).
struct OpenChunk {
    private(set) var firstTime: Int64 = 0
    private(set) var lastTime: Int64 = 0
    private var lastDelta: UInt64 = 0
    /// Bit pattern of the newest value (the XOR predecessor of the next one).
    private(set) var lastValue: UInt64 = 0
    /// Bits not yet making a whole byte, in the low `pendingCount` bits.
    private var pending: UInt64 = 0
    private var firstPage: UInt32 = 0
    private var lastPage: UInt32 = 0
    private var count16: UInt16 = 0
    /// Bytes used in the last page.
    private var used: UInt8 = 0
    private var pendingCount: UInt8 = 0
    /// The value window; 0xFF until the first one is written.
    private var leading: UInt8 = 0xFF
    private var trailing: UInt8 = 0

    init() {}

    var count: Int { Int(count16) }

    /// The newest sample, if any.
    var last: Sample? { count16 == 0 ? nil : Sample(lastTime, Double(bitPattern: lastValue)) }

    /// Appends a sample newer than ``lastTime``. At most `EncodedChunk.maxCount` samples.
    mutating func append(_ t: Int64, _ v: Double, _ arena: ChunkArena) {
        precondition(count16 < UInt16.max, "an XOR chunk holds at most \(EncodedChunk.maxCount) samples")
        let bits = v.bitPattern
        switch count16 {
        case 0:
            firstTime = t
            writeVarint(UInt64(bitPattern: (t << 1) ^ (t >> 63)), arena)
            write(bits, bits: 64, arena)
            lastValue = bits
        case 1:
            lastDelta = UInt64(bitPattern: t &- lastTime)
            writeVarint(lastDelta, arena)
            writeValue(bits, arena)
        default:
            let delta = UInt64(bitPattern: t &- lastTime)
            let dod = Int64(bitPattern: delta &- lastDelta)
            lastDelta = delta
            writeDeltaOfDelta(dod, arena)
            writeValue(bits, arena)
        }
        lastTime = t
        count16 += 1
    }

    /// The chunk so far, copied out of the arena.
    func snapshot(_ arena: ChunkArena) -> EncodedChunk {
        guard count16 > 0 else {
            return EncodedChunk(unchecked: .xor, bytes: [0, 0], count: 0, minTime: .max, maxTime: .min)
        }
        var pages = 1
        var id = firstPage
        while id != lastPage {
            id = arena.page(id).load(as: UInt32.self)
            pages += 1
        }
        let body = (pages - 1) * ChunkArena.dataSize + Int(used)
        let total = 2 + body + (pendingCount > 0 ? 1 : 0)
        let bytes = [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            buffer[0] = UInt8(truncatingIfNeeded: count16 >> 8)
            buffer[1] = UInt8(truncatingIfNeeded: count16)
            var at = 2
            var id = firstPage
            while id != 0 {
                let page = arena.page(id)
                let length = id == lastPage ? Int(used) : ChunkArena.dataSize
                UnsafeMutableRawPointer(buffer.baseAddress! + at).copyMemory(from: page + 4, byteCount: length)
                at += length
                id = id == lastPage ? 0 : page.load(as: UInt32.self)
            }
            if pendingCount > 0 { buffer[at] = UInt8(truncatingIfNeeded: pending << (8 - pendingCount)) }
            initialized = total
        }
        return EncodedChunk(unchecked: .xor, bytes: bytes, count: count, minTime: firstTime, maxTime: lastTime)
    }

    /// Gives the pages back and empties the chunk.
    mutating func release(_ arena: ChunkArena) {
        arena.free(chain: firstPage)
        self = OpenChunk()
    }

    // MARK: - Bits

    /// Writes the low `count` bits of `value` (0...64), most significant first.
    @inline(__always)
    private mutating func write(_ value: UInt64, bits count: Int, _ arena: ChunkArena) {
        if count > 56 {
            write(value >> 32, bits: count - 32, arena)
            write(value & 0xFFFF_FFFF, bits: 32, arena)
            return
        }
        guard count > 0 else { return }
        pending = (pending << count) | (value & (UInt64.max >> (64 - count)))
        var remaining = Int(pendingCount) + count
        while remaining >= 8 {
            remaining -= 8
            emit(UInt8(truncatingIfNeeded: pending >> remaining), arena)
        }
        pendingCount = UInt8(remaining)
    }

    @inline(__always)
    private mutating func emit(_ byte: UInt8, _ arena: ChunkArena) {
        if lastPage == 0 || Int(used) == ChunkArena.dataSize {
            let next = arena.allocate()
            if lastPage == 0 {
                firstPage = next
            } else {
                arena.page(lastPage).storeBytes(of: next, as: UInt32.self)
            }
            lastPage = next
            used = 0
        }
        arena.page(lastPage).storeBytes(of: byte, toByteOffset: 4 + Int(used), as: UInt8.self)
        used += 1
    }

    private mutating func writeVarint(_ value: UInt64, _ arena: ChunkArena) {
        var v = value
        while v >= 0x80 {
            write(v & 0x7F | 0x80, bits: 8, arena)
            v >>= 7
        }
        write(v, bits: 8, arena)
    }

    /// As ``XORChunkAppender``: Prometheus's buckets `0`; `10`+14 bits; `110`+17; `1110`+20;
    /// `1111`+64.
    @inline(__always)
    private mutating func writeDeltaOfDelta(_ dod: Int64, _ arena: ChunkArena) {
        @inline(__always) func fits(_ bits: Int) -> Bool {
            -((1 << (bits - 1)) - 1) <= dod && dod <= 1 << (bits - 1)
        }
        let raw = UInt64(bitPattern: dod)
        if dod == 0 {
            write(0, bits: 1, arena)
        } else if fits(14) {
            write(0b10 << 14 | raw & 0x3FFF, bits: 16, arena)
        } else if fits(17) {
            write(0b110 << 17 | raw & 0x1_FFFF, bits: 20, arena)
        } else if fits(20) {
            write(0b1110 << 20 | raw & 0xF_FFFF, bits: 24, arena)
        } else {
            write(0b1111, bits: 4, arena)
            write(raw, bits: 64, arena)
        }
    }

    /// As ``XORValueWriter/write(_:to:)``: Gorilla's value XOR with a reusable window.
    @inline(__always)
    private mutating func writeValue(_ bits: UInt64, _ arena: ChunkArena) {
        let delta = bits ^ lastValue
        lastValue = bits
        guard delta != 0 else {
            write(0, bits: 1, arena)
            return
        }
        let newLeading = UInt8(min(delta.leadingZeroBitCount, 31))
        let newTrailing = UInt8(delta.trailingZeroBitCount)
        if leading != 0xFF && newLeading >= leading && newTrailing >= trailing {
            write(0b10, bits: 2, arena)
            write(delta >> trailing, bits: 64 - Int(leading) - Int(trailing), arena)
            return
        }
        leading = newLeading
        trailing = newTrailing
        let significant = 64 - Int(newLeading) - Int(newTrailing)
        write(0b11 << 11 | UInt64(newLeading) << 6 | UInt64(significant & 63), bits: 13, arena)
        write(delta >> newTrailing, bits: significant, arena)
    }
}
