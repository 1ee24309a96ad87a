/// A whole `xor` chunk decoded in one pass over its bytes, for ``SampleCursor/next(batch:)``:
/// the head's chunks are all `xor`, and a sample per call through ``ChunkIterator`` costs
/// several times the decoding itself.
///
/// Only the well-formed case is handled here: on anything the sample-at-a-time decoder would
/// report as an error this returns ``Outcome/failed`` and the caller decodes the chunk again
/// through ``ChunkIterator``, which reports the error exactly as before and yields the
/// samples before it.
extension XORChunkDecoder {
    enum Outcome {
        /// Every sample decoded and checked; those in `[mint, maxt]` appended.
        case complete
        /// A sample past `maxt` was reached: those before it in `[mint, maxt]` appended, the
        /// rest of the chunk not read, as the iterator stops there too.
        case passedMaxt
        /// Not well formed (or empty): nothing useful appended; decode with ``ChunkIterator``.
        case failed
    }

    /// Appends the samples of `chunk` (an `xor` chunk) in `[mint, maxt]` to `out`, with the
    /// checks ``ChunkIterator`` makes: the header's count, the first timestamp `minTime`,
    /// increasing timestamps, the last `maxTime`, zero padding and no bytes after it.
    static func decodeAll(_ chunk: EncodedChunk, mint: Int64, maxt: Int64, into out: inout [Sample]) -> Outcome {
        let n = chunk.count
        let bytes = chunk.bytes
        guard n >= 1, bytes.count >= 2, Int(bytes[0]) << 8 | Int(bytes[1]) == n else { return .failed }
        out.reserveCapacity(out.count + n)
        return bytes.withUnsafeBytes { raw -> Outcome in
            var reader = UnsafeBitReader(raw, byteOffset: 2)
            // Sample 0: zigzag varint timestamp, 64-bit value.
            guard let first = reader.readUvarint() else { return .failed }
            var time = PackedInts.unzigzag(first)
            guard time == chunk.minTime else { return .failed }
            var previous = reader.read(bits: 64)
            guard !reader.overrun else { return .failed }
            if time > maxt { return .passedMaxt }
            if time >= mint { out.append(Sample(time, Double(bitPattern: previous))) }
            var delta: UInt64 = 0
            var leading: UInt64 = 0xFF
            var trailing: UInt64 = 0
            var index = 1
            while index < n {
                if index == 1 {
                    guard let d = reader.readUvarint() else { return .failed }
                    delta = d
                } else {
                    // Delta of delta: a prefix of up to four 1 bits picks the size.
                    var prefix = 0
                    while prefix < 4 && reader.readBit() { prefix += 1 }
                    var dod: UInt64
                    switch prefix {
                    case 0: dod = 0
                    case 1: dod = reader.read(bits: 14); if dod > 1 << 13 { dod = dod &- (1 << 14) }
                    case 2: dod = reader.read(bits: 17); if dod > 1 << 16 { dod = dod &- (1 << 17) }
                    case 3: dod = reader.read(bits: 20); if dod > 1 << 19 { dod = dod &- (1 << 20) }
                    default: dod = reader.read(bits: 64)
                    }
                    delta = delta &+ dod
                }
                let next = time &+ Int64(bitPattern: delta)
                // Value: `0` unchanged; `10` inside the previous window; `11` a new window.
                if reader.readBit() {
                    if reader.readBit() {
                        let header = reader.read(bits: 11)
                        let newLeading = header >> 6
                        var significant = header & 63
                        if significant == 0 { significant = 64 }
                        guard newLeading + significant <= 64 else { return .failed }
                        leading = newLeading
                        trailing = 64 - newLeading - significant
                    } else if leading == 0xFF {
                        return .failed
                    }
                    let meaningful = reader.read(bits: Int(64 - leading - trailing))
                    previous ^= meaningful &<< trailing
                }
                // A read past the end yields zero bits: the sample is not trusted, nor appended.
                guard !reader.overrun, next > time else { return .failed }
                time = next
                if time > maxt { return .passedMaxt }
                if time >= mint { out.append(Sample(time, Double(bitPattern: previous))) }
                index += 1
            }
            guard time == chunk.maxTime, reader.isAtPaddedEnd else { return .failed }
            return .complete
        }
    }
}

/// ``BitReader`` over borrowed bytes, for one pass of ``XORChunkDecoder/decodeAll``: reads
/// past the end yield zero bits and set ``overrun`` instead of returning optionals.
private struct UnsafeBitReader {
    private let bytes: UnsafeRawBufferPointer
    private var nextByte: Int
    /// Bits loaded but not yet read, in the high `bufferedCount` bits; the bits below them
    /// may hold the bytes that follow, which the next refill loads again.
    private var buffer: UInt64 = 0
    private var bufferedCount = 0
    private(set) var overrun = false

    init(_ bytes: UnsafeRawBufferPointer, byteOffset: Int) {
        self.bytes = bytes
        self.nextByte = min(byteOffset, bytes.count)
    }

    /// Tops the buffer up to at least 57 bits while bytes remain.
    @inline(__always)
    private mutating func refill() {
        if nextByte + 8 <= bytes.count {
            let word = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: nextByte, as: UInt64.self))
            buffer |= word &>> UInt64(bufferedCount)
            let taken = (63 - bufferedCount) >> 3
            nextByte += taken
            bufferedCount += taken << 3
            return
        }
        while bufferedCount <= 56 && nextByte < bytes.count {
            buffer |= UInt64(bytes[nextByte]) &<< UInt64(56 - bufferedCount)
            nextByte += 1
            bufferedCount += 8
        }
    }

    /// `count` bits (0...64) as the low bits of the result.
    @inline(__always)
    mutating func read(bits count: Int) -> UInt64 {
        if count > 56 { return readWide(bits: count) }
        guard count > 0 else { return 0 }
        return readNarrow(bits: count)
    }

    @inline(never)
    private mutating func readWide(bits count: Int) -> UInt64 {
        let high = readNarrow(bits: count - 32)
        return high &<< 32 | readNarrow(bits: 32)
    }

    /// `count` bits, 1...56.
    @inline(__always)
    private mutating func readNarrow(bits count: Int) -> UInt64 {
        if bufferedCount < count {
            refill()
            if bufferedCount < count {
                overrun = true
                return 0
            }
        }
        let value = buffer &>> UInt64(64 - count)
        buffer = buffer &<< UInt64(count)
        bufferedCount -= count
        return value
    }

    @inline(__always)
    mutating func readBit() -> Bool { read(bits: 1) != 0 }

    /// A base-128 varint as Go's `binary.Uvarint` writes it; `nil` when cut short or longer
    /// than 64 bits.
    mutating func readUvarint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = read(bits: 8)
            if overrun { return nil }
            if shift == 63 && byte > 1 { return nil }
            result |= (byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
            if shift > 63 { return nil }
        }
    }

    /// Whether what remains is only the zero padding of the last byte.
    var isAtPaddedEnd: Bool {
        guard bufferedCount + (bytes.count - nextByte) * 8 < 8 else { return false }
        return bufferedCount == 0 || buffer &>> UInt64(64 - bufferedCount) == 0
    }
}
