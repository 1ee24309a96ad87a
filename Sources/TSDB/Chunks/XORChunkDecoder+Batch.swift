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
        guard hasValidHeader(chunk) else { return .failed }
        // Room for every sample made at once, written through a pointer and cut back to the
        // samples kept: appending one at a time costs a uniqueness and a capacity check each.
        let start = out.count
        out.append(contentsOf: repeatElement(Sample(0, 0), count: chunk.count))
        var kept = 0
        let outcome = PaddedBits.with(chunk.bytes) { bits in
            out.withUnsafeMutableBufferPointer { samples in
                decode(bits, chunk: chunk, mint: mint, maxt: maxt, into: samples.baseAddress! + start, kept: &kept)
            }
        }
        out.removeSubrange((outcome == .failed ? start : start + kept)...)
        return outcome
    }

    /// Appends all the samples of two `xor` chunks, `first` then `second`, decoded side by
    /// side: each chunk is a chain of dependent steps, and two chains in one loop keep the
    /// core busy while either waits. Both must lie inside the range read, so that no sample
    /// is left out; false (and nothing appended) unless both are well formed, in which case
    /// the caller decodes them one at a time with ``decodeAll(_:mint:maxt:into:)``.
    static func decodeBoth(_ first: EncodedChunk, _ second: EncodedChunk, into out: inout [Sample]) -> Bool {
        guard hasValidHeader(first), hasValidHeader(second) else { return false }
        let start = out.count
        out.append(contentsOf: repeatElement(Sample(0, 0), count: first.count + second.count))
        let decoded = PaddedBits.with(first.bytes) { a in
            PaddedBits.with(second.bytes) { b in
                out.withUnsafeMutableBufferPointer { samples in
                    decodeBoth(a, first, b, second, into: samples.baseAddress! + start)
                }
            }
        }
        if !decoded { out.removeSubrange(start...) }
        return decoded
    }

    private static func hasValidHeader(_ chunk: EncodedChunk) -> Bool {
        let bytes = chunk.bytes
        return chunk.count >= 1 && bytes.count >= 2 && Int(bytes[0]) << 8 | Int(bytes[1]) == chunk.count
    }

    /// The loop of ``decodeAll(_:mint:maxt:into:)``: writes the samples in `[mint, maxt]` to
    /// `out` (room for `chunk.count`) and counts them in `kept`.
    @inline(__always)
    private static func decode(_ bits: PaddedBits, chunk: EncodedChunk, mint: Int64, maxt: Int64,
                               into out: UnsafeMutablePointer<Sample>, kept: inout Int) -> Outcome {
        let n = chunk.count
        guard var lane = XORLane(bits, minTime: chunk.minTime) else { return .failed }
        var index = 0
        while true {
            if lane.time > maxt { return .passedMaxt }
            if lane.time >= mint {
                out[kept] = lane.sample
                kept += 1
            }
            index += 1
            guard index < n else { break }
            guard index == 1 ? lane.second(bits) : lane.next(bits) else { return .failed }
        }
        return lane.isAtEnd(bits, maxTime: chunk.maxTime) ? .complete : .failed
    }

    /// The loop of ``decodeBoth(_:_:into:)``: the samples of `first` to `out`, then those of
    /// `second`; false where either is not well formed.
    @inline(__always)
    private static func decodeBoth(_ a: PaddedBits, _ first: EncodedChunk, _ b: PaddedBits, _ second: EncodedChunk,
                                   into out: UnsafeMutablePointer<Sample>) -> Bool {
        let outB = out + first.count
        guard var laneA = XORLane(a, minTime: first.minTime), var laneB = XORLane(b, minTime: second.minTime) else { return false }
        out[0] = laneA.sample
        outB[0] = laneB.sample
        let both = min(first.count, second.count)
        if both > 1 {
            guard laneA.second(a), laneB.second(b) else { return false }
            out[1] = laneA.sample
            outB[1] = laneB.sample
        }
        var index = 2
        while index < both {
            guard laneA.next(a), laneB.next(b) else { return false }
            out[index] = laneA.sample
            outB[index] = laneB.sample
            index += 1
        }
        for i in both..<first.count {
            guard i == 1 ? laneA.second(a) : laneA.next(a) else { return false }
            out[i] = laneA.sample
        }
        for i in both..<second.count {
            guard i == 1 ? laneB.second(b) : laneB.next(b) else { return false }
            outB[i] = laneB.sample
        }
        return laneA.isAtEnd(a, maxTime: first.maxTime) && laneB.isAtEnd(b, maxTime: second.maxTime)
    }
}

/// The state of decoding one `xor` chunk, advanced a sample at a time.
///
/// Decoding is a chain — where a field starts depends on the lengths of those before it —
/// so the only state carried from field to field is the bit position: each field is cut out
/// of one 64-bit load at that position, its length comes from a count of leading ones or
/// from integer flags rather than branches on the data, and the end of the stream is
/// checked once per field. Reads past the end see zeros (the padding) and fail the check.
private struct XORLane {
    private var position = 16
    private(set) var time: Int64
    private var delta: UInt64 = 0
    private var previous: UInt64
    private var leading: UInt64 = 0xFF
    private var trailing: UInt64 = 0

    /// At the first sample (a zigzag varint timestamp, then a 64-bit value), which must be
    /// at `minTime`; nil if it is not there.
    @inline(__always)
    init?(_ bits: PaddedBits, minTime: Int64) {
        guard let first = bits.uvarint(at: &position) else { return nil }
        time = PackedInts.unzigzag(first)
        guard time == minTime else { return nil }
        previous = bits.word(at: position)
        position += 64
        guard position <= bits.bitCount else { return nil }
    }

    @inline(__always)
    var sample: Sample { Sample(time, Double(bitPattern: previous)) }

    /// To the second sample, whose timestamp is a uvarint delta; false if not well formed.
    @inline(__always)
    mutating func second(_ bits: PaddedBits) -> Bool {
        guard let d = bits.uvarint(at: &position) else { return false }
        delta = d
        return value(bits)
    }

    /// To the third or a later sample; false if not well formed.
    @inline(__always)
    mutating func next(_ bits: PaddedBits) -> Bool {
        // Delta of delta: a prefix of up to four 1 bits picks the size; with fewer than
        // four, `ones` 1 bits, a 0, then 0, 14, 17 or 20 bits.
        let word = bits.peek(position)
        let ones = (~word).leadingZeroBitCount
        var dod: UInt64
        if ones < 4 {
            let width = ones == 0 ? 0 : 11 + 3 * ones
            // Shifted in two steps so that a width of 0 yields 0.
            let payload = ((word &<< UInt64(ones + 1)) &>> 1) &>> UInt64(63 - width)
            // As Prometheus: only values above half the range are negative.
            let half: UInt64 = 1 &<< UInt64(max(width, 1) - 1)
            dod = payload > half ? payload &- (1 &<< UInt64(width)) : payload
            position &+= ones + 1 + width
        } else {
            dod = bits.word(at: position &+ 4)
            position &+= 68
        }
        guard position <= bits.bitCount else { return false }
        delta = delta &+ dod
        return value(bits)
    }

    /// The value after the timestamp, and the sample's checks.
    @inline(__always)
    private mutating func value(_ bits: PaddedBits) -> Bool {
        let next = time &+ Int64(bitPattern: delta)
        // `0` unchanged; `10` inside the previous window; `11` a new window, whose 11-bit
        // header gives its leading zeros and length. Which one comes is data, so the fields
        // are measured with integer flags rather than branches on it.
        let control = bits.peek(position)
        let changed = control >> 63
        let isNew = changed & (control >> 62)
        let header = (control &<< 2) &>> 53
        let newLeading = header >> 6
        let newSignificant = header & 63 == 0 ? 64 : header & 63
        // A new window must fit in 64 bits, a reused one must have been set. Wrapping
        // arithmetic, as these are computed for every case.
        let badNew = isNew & (newLeading &+ newSignificant > 64 ? 1 : 0)
        let badReuse = changed & ~isNew & (leading == 0xFF ? 1 : 0)
        guard badNew | badReuse == 0 else { return false }
        leading = isNew != 0 ? newLeading : leading
        trailing = isNew != 0 ? 64 &- newLeading &- newSignificant : trailing
        let valueAt = position &+ (changed == 0 ? 1 : isNew != 0 ? 13 : 2)
        let significant = changed == 0 ? 0 : Int(truncatingIfNeeded: 64 &- leading &- trailing)
        let meaningful = significant <= PaddedBits.peekBits
            // Shifted in two steps so that 0 bits yield 0.
            ? (bits.peek(valueAt) &>> 1) &>> UInt64(63 - significant)
            : bits.word(at: valueAt) &>> UInt64(64 - significant)
        previous ^= meaningful &<< trailing
        position = valueAt &+ significant
        // A read past the end sees the padding's zeros: the sample is not trusted.
        guard position <= bits.bitCount, next > time else { return false }
        time = next
        return true
    }

    /// After the last sample: whether it is at `maxTime` and only padding follows.
    func isAtEnd(_ bits: PaddedBits, maxTime: Int64) -> Bool {
        time == maxTime && bits.isPaddedEnd(at: position)
    }
}

/// The bits of a chunk, most significant first, in a buffer followed by ``padding`` zero
/// bytes, read at bit positions: a decoder that checks its position against ``bitCount``
/// once per field may read up to a few fields past the end without leaving the buffer.
private struct PaddedBits {
    /// Zero bytes after the stream: a field of at most 68 bits (prefix and 64-bit delta of
    /// delta, or a 13-bit value header and 64 bits) read from a position at most ``bitCount``
    /// ends within 12 bytes of it, and a load takes 8 bytes from where it starts.
    static let padding = 24
    /// The bits ``peek(_:)`` returns that are always the stream's (or padding).
    static let peekBits = 57

    let bytes: UnsafeRawPointer
    let bitCount: Int

    /// `body` over a padded copy of `bytes`.
    @inline(__always)
    static func with<R>(_ bytes: [UInt8], _ body: (PaddedBits) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes.count + padding) { padded in
            let base = padded.baseAddress!
            bytes.withUnsafeBufferPointer { base.initialize(from: $0.baseAddress!, count: bytes.count) }
            (base + bytes.count).initialize(repeating: 0, count: padding)
            return body(PaddedBits(UnsafeRawPointer(base), bitCount: bytes.count * 8))
        }
    }

    init(_ bytes: UnsafeRawPointer, bitCount: Int) {
        self.bytes = bytes
        self.bitCount = bitCount
    }

    /// At least 57 bits from `position` (≤ ``bitCount`` + 96), in the high bits.
    @inline(__always)
    func peek(_ position: Int) -> UInt64 {
        let word = UInt64(bigEndian: (bytes + (position &>> 3)).loadUnaligned(as: UInt64.self))
        return word &<< UInt64(position & 7)
    }

    /// The 64 bits from `position`.
    @inline(__always)
    func word(at position: Int) -> UInt64 {
        (peek(position) &>> 32) &<< 32 | peek(position &+ 32) &>> 32
    }

    /// A base-128 varint as Go's `binary.Uvarint` writes it, from `position` (≤ ``bitCount``),
    /// which it moves past it; `nil` when cut short or longer than 64 bits.
    func uvarint(at position: inout Int) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = peek(position) &>> 56
            position += 8
            if position > bitCount { return nil }
            if shift == 63 && byte > 1 { return nil }
            result |= (byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
            if shift > 63 { return nil }
        }
    }

    /// Whether all that follows `position` is the zero padding of the last byte.
    func isPaddedEnd(at position: Int) -> Bool {
        let left = bitCount - position
        guard left >= 0 && left < 8 else { return false }
        return left == 0 || peek(position) &>> UInt64(64 - left) == 0
    }
}
