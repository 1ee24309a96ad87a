/// Patched frame-of-reference packing of a column of integers, the workhorse of the
/// `constant`, `decimal` and `packedXOR` encodings.
///
/// Plain layout: the values are written as `base + zigzag⁻¹(u) × gcd`: one shared `base` near
/// the middle of the values, the greatest common divisor of their differences (4096 for memory
/// gauges, 512 for disk byte counters, 1000 for second-aligned timestamps), and each `u` in a
/// fixed `width` of bits. Values too wide for `width` keep their low bits in the packed area
/// and list their high bits apart as exceptions, so one outlier (a missed scrape, a counter
/// jump) does not widen every value.
///
/// Sparse layout: when one value dominates (a counter's zero increment), a bitmap marks the
/// values that differ from it and only those are packed, in a nested plain column — what
/// Gorilla's one bit for "unchanged" does, without its cost for the changes.
///
/// ```
/// uvarint  header: width << 2 | hasExceptions << 1 | hasGCD, width 0...64; 65 << 2 = sparse
/// plain:   varint   base                   (zigzag)
///          uvarint  gcd                    if hasGCD (≥ 2)
///          bits     count × width, most significant first, zero-padded to a byte
///          uvarint  exception count        if hasExceptions (1...count, width < 64)
///            per exception: uvarint index gap (index - previous - 1), uvarint high bits (≠ 0)
/// sparse:  (header is exactly 260)
///          varint   the frequent value
///          bits     count flags, 1 = differs, zero-padded to a byte
///          plain column of the values that differ
/// ```
/// The count is not stored: the enclosing column knows it. All arithmetic wraps, so any
/// `Int64` sequence round-trips. The encoder picks the layout, base and width for the fewest
/// bytes.
enum PackedInts {
    struct Plan {
        var estimatedBits: Int
        var layout: Layout
        var estimatedBytes: Int { (estimatedBits + 7) / 8 }
    }

    indirect enum Layout {
        case plain(Plain)
        /// `differs[i]` marks the values packed in `rest`; the others equal `frequent`.
        case sparse(frequent: Int64, differs: [Bool], rest: Plan)
    }

    struct Plain {
        var base: Int64
        var gcd: UInt64
        var width: Int
        /// (value - first value) / gcd; what gets packed is zigzag(quotient - center), computed
        /// in quotient space so that wrapping differences stay exact.
        var quotients: [Int64]
        var center: Int64

        @inline(__always)
        func unsigned(_ i: Int) -> UInt64 { zigzag(quotients[i] &- center) }
    }

    static let sparseHeader: UInt64 = 65 << 2

    /// Encoded size in bytes, estimated from the plan (exception index gaps counted as one byte).
    static func estimatedSize(_ values: [Int64]) -> Int {
        values.isEmpty ? 0 : plan(values).estimatedBytes
    }

    static func plan(_ values: [Int64], allowSparse: Bool = true) -> Plan {
        let n = values.count
        precondition(n > 0)
        let first = values[0]
        var gcd: UInt64 = 0
        for v in values {
            gcd = ColumnStatistics.greatestCommonDivisor(gcd, (v &- first).magnitude)
            if gcd == 1 { break }
        }
        if gcd == 0 || gcd > UInt64(Int64.max) { gcd = 1 }
        let divisor = Int64(gcd)
        // Quotients relative to the first value; exact because gcd divides every difference.
        var quotients = [Int64](repeating: 0, count: n)
        var low = Int64.max
        var high = Int64.min
        for i in 0..<n {
            let q = divisor == 1 ? values[i] &- first : (values[i] &- first) / divisor
            quotients[i] = q
            low = min(low, q)
            high = max(high, q)
        }
        let span = UInt64(bitPattern: high &- low)
        // Midrange: the zigzag of every value then needs no more bits than `span` does.
        let midrange = low &+ Int64(bitPattern: span / 2 + (span & 1))
        var best = plain(quotients, center: midrange, first: first, gcd: gcd)
        guard case .plain(let chosen) = best.layout, chosen.width > 0 else { return best }

        // The median trims outliers on both sides into exceptions.
        let middle = ColumnStatistics.median(quotients)
        if middle != midrange {
            let other = plain(quotients, center: middle, first: first, gcd: gcd)
            if other.estimatedBits < best.estimatedBits { best = other }
        }
        guard allowSparse && n >= 8, best.estimatedBits > n + 32,
              let (frequent, frequency) = ColumnStatistics.mostFrequent(quotients), frequency < n else { return best }
        let frequentValue = first &+ frequent &* divisor
        var differs = [Bool](repeating: false, count: n)
        var rest: [Int64] = []
        rest.reserveCapacity(n - frequency)
        for i in 0..<n where values[i] != frequentValue {
            differs[i] = true
            rest.append(values[i])
        }
        let restPlan = plan(rest, allowSparse: false)
        let bits = 8 * (2 + uvarintLength(zigzag(frequentValue)) + (n + 7) / 8) + restPlan.estimatedBytes * 8
        if bits < best.estimatedBits {
            best = Plan(estimatedBits: bits, layout: .sparse(frequent: frequentValue, differs: differs, rest: restPlan))
        }
        return best
    }

    private static func plain(_ quotients: [Int64], center: Int64, first: Int64, gcd: UInt64) -> Plan {
        let n = quotients.count
        var bestWidth = 0
        var bestBits = 0
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 65) { histogram in
            histogram.initialize(repeating: 0)
            var widest = 0
            for q in quotients {
                let length = 64 - zigzag(q &- center).leadingZeroBitCount
                histogram[length] += 1
                widest = max(widest, length)
            }
            bestWidth = widest
            bestBits = n * widest
            guard widest > 0 else { return }
            for width in stride(from: widest - 1, through: 0, by: -1) {
                var exceptions = 0
                var exceptionBytes = 0
                for length in (width + 1)...widest where histogram[length] > 0 {
                    exceptions += histogram[length]
                    exceptionBytes += histogram[length] * (1 + (length - width + 6) / 7)
                }
                let bits = n * width + 8 * (exceptionBytes + uvarintLength(UInt64(exceptions)))
                if bits < bestBits {
                    bestBits = bits
                    bestWidth = width
                }
                // Narrower widths only add exceptions once most values are exceptions already.
                if 2 * exceptions > n { break }
            }
        }
        let base = first &+ center &* Int64(gcd)
        var headerBytes = uvarintLength(UInt64(bestWidth) << 2) + uvarintLength(zigzag(base))
        if gcd > 1 { headerBytes += uvarintLength(gcd) }
        // Round the packed area up to whole bytes as the encoder does.
        let packedBits = (n * bestWidth + 7) / 8 * 8
        return Plan(estimatedBits: 8 * headerBytes + packedBits + (bestBits - n * bestWidth),
                    layout: .plain(Plain(base: base, gcd: gcd, width: bestWidth, quotients: quotients, center: center)))
    }

    /// Appends the column to `out`; `values` may be empty (then nothing is written).
    static func encode(_ values: [Int64], into out: inout ByteWriter) {
        guard !values.isEmpty else { return }
        encode(plan: plan(values), into: &out)
    }

    static func encode(plan: Plan, into out: inout ByteWriter) {
        switch plan.layout {
        case .plain(let plain):
            encode(plain, into: &out)
        case .sparse(let frequent, let differs, let rest):
            out.uvarint(sparseHeader)
            out.varint(frequent)
            var accumulator: UInt64 = 0
            var pendingBits = 0
            for flag in differs { appendBits(flag ? 1 : 0, 1, &accumulator, &pendingBits, &out) }
            if pendingBits > 0 { out.byte(UInt8(truncatingIfNeeded: accumulator << (8 - pendingBits))) }
            encode(plan: rest, into: &out)
        }
    }

    private static func encode(_ plan: Plain, into out: inout ByteWriter) {
        let width = plan.width
        let mask: UInt64 = width == 64 ? .max : (1 << width) - 1
        var exceptionCount = 0
        if width < 64 {
            for i in plan.quotients.indices where plan.unsigned(i) > mask { exceptionCount += 1 }
        }
        out.uvarint(UInt64(width) << 2 | (exceptionCount > 0 ? 2 : 0) | (plan.gcd > 1 ? 1 : 0))
        out.varint(plan.base)
        if plan.gcd > 1 { out.uvarint(plan.gcd) }
        if width > 0 {
            var accumulator: UInt64 = 0
            var pendingBits = 0
            for i in plan.quotients.indices {
                let u = plan.unsigned(i) & mask
                if width > 32 {
                    // Two halves keep the accumulator from overflowing (≤ 7 pending bits + 32).
                    appendBits(u >> 32, width - 32, &accumulator, &pendingBits, &out)
                    appendBits(u & 0xFFFF_FFFF, 32, &accumulator, &pendingBits, &out)
                } else {
                    appendBits(u, width, &accumulator, &pendingBits, &out)
                }
            }
            if pendingBits > 0 {
                out.byte(UInt8(truncatingIfNeeded: accumulator << (8 - pendingBits)))
            }
        }
        if exceptionCount > 0 {
            out.uvarint(UInt64(exceptionCount))
            var previous = -1
            for index in plan.quotients.indices {
                let u = plan.unsigned(index)
                guard u > mask else { continue }
                out.uvarint(UInt64(index - previous - 1))
                out.uvarint(u >> width)
                previous = index
            }
        }
    }

    @inline(__always)
    private static func appendBits(_ value: UInt64, _ count: Int, _ accumulator: inout UInt64, _ pendingBits: inout Int, _ out: inout ByteWriter) {
        accumulator = accumulator << count | value
        pendingBits += count
        while pendingBits >= 8 {
            pendingBits -= 8
            out.byte(UInt8(truncatingIfNeeded: accumulator >> pendingBits))
        }
    }

    /// Decodes `count` values, appending them to `out`.
    static func decode(count n: Int, from reader: inout ByteReader, into out: inout [Int64]) throws(ChunkDecodingFailure) {
        guard n > 0 else { return }
        let header = try readUvarint(&reader, "packed column header")
        if header == sparseHeader {
            try decodeSparse(count: n, from: &reader, into: &out)
        } else {
            try decodePlain(count: n, header: header, from: &reader, into: &out)
        }
    }

    private static func decodeSparse(count n: Int, from reader: inout ByteReader, into out: inout [Int64]) throws(ChunkDecodingFailure) {
        let frequent = try readVarint(&reader, "frequent value")
        let flagBytes = (n + 7) / 8
        guard reader.remaining >= flagBytes else {
            throw ChunkDecodingFailure(.truncated, at: reader.offset, "sparse flags need \(flagBytes) bytes, \(reader.remaining) remain")
        }
        let flagsAt = reader.offset
        let bytes = reader.bytes
        @inline(__always) func differs(_ i: Int) -> Bool { bytes[flagsAt + i >> 3] & (0x80 >> UInt8(i & 7)) != 0 }
        var differing = 0
        for i in 0..<n where differs(i) { differing += 1 }
        if n % 8 != 0 && bytes[flagsAt + flagBytes - 1] & (0xFF >> UInt8(n % 8)) != 0 {
            throw ChunkDecodingFailure(.malformed, at: flagsAt + flagBytes - 1, "non-zero padding bits after sparse flags")
        }
        reader.offset += flagBytes
        let start = out.count
        let nestedHeaderAt = reader.offset
        if differing > 0 {
            let nested = try readUvarint(&reader, "packed column header")
            guard nested != sparseHeader else {
                throw ChunkDecodingFailure(.malformed, at: nestedHeaderAt, "a sparse column nests another")
            }
            try decodePlain(count: differing, header: nested, from: &reader, into: &out)
        }
        // Spread the differing values out, back to front, filling in the frequent one.
        out.append(contentsOf: repeatElement(frequent, count: n - differing))
        out.withUnsafeMutableBufferPointer { values in
            let target = values.baseAddress! + start
            // Without a branch on the flag, which is data: the next differing value (at
            // `source` ≤ `i`, not yet overwritten) or the frequent one. Index 0 stands in for
            // `source` once no differing value is left, when it is not used.
            var source = differing - 1
            for i in stride(from: n - 1, through: 0, by: -1) {
                let flag = differs(i)
                let candidate = target[max(source, 0)]
                target[i] = flag ? candidate : frequent
                source -= flag ? 1 : 0
            }
        }
    }

    private static func decodePlain(count n: Int, header: UInt64, from reader: inout ByteReader, into out: inout [Int64]) throws(ChunkDecodingFailure) {
        guard header >> 2 <= 64 else {
            throw ChunkDecodingFailure(.malformed, at: reader.offset, "packed width \(header >> 2) exceeds 64")
        }
        let width = Int(header >> 2)
        let hasExceptions = header & 2 != 0
        let base = try readVarint(&reader, "packed column base")
        var gcd: UInt64 = 1
        if header & 1 != 0 {
            gcd = try readUvarint(&reader, "packed column divisor")
            guard gcd >= 2 && gcd <= UInt64(Int64.max) else {
                throw ChunkDecodingFailure(.malformed, at: reader.offset, "packed divisor \(gcd) is outside 2...Int64.max")
            }
        }
        let packedBytes = (n * width + 7) / 8
        guard reader.remaining >= packedBytes else {
            throw ChunkDecodingFailure(.truncated, at: reader.offset, "packed column needs \(packedBytes) bytes, \(reader.remaining) remain")
        }
        let start = out.count
        out.reserveCapacity(start + n)
        if width == 0 {
            out.append(contentsOf: repeatElement(0, count: n))
        } else if width <= 56 {
            if !hasExceptions {
                // No high bits to patch in first: base and divisor applied while unpacking.
                unpack(count: n, width: width, base: base, divisor: Int64(bitPattern: gcd), from: reader.bytes, at: reader.offset, into: &out)
            } else {
                unpack(count: n, width: width, from: reader.bytes, at: reader.offset, into: &out)
            }
            let bits = n * width
            if bits % 8 != 0 && reader.bytes[reader.offset + packedBytes - 1] & (0xFF >> UInt8(bits % 8)) != 0 {
                throw ChunkDecodingFailure(.malformed, at: reader.offset + packedBytes - 1, "non-zero padding bits after a packed column")
            }
            reader.offset += packedBytes
            if !hasExceptions { return }
        } else {
            let bytes = reader.bytes
            var position = reader.offset
            var accumulator: UInt64 = 0
            var bufferedBits = 0
            @inline(__always) func take(_ count: Int) -> UInt64 {
                while bufferedBits < count {
                    accumulator = accumulator << 8 | UInt64(bytes[position])
                    position += 1
                    bufferedBits += 8
                }
                bufferedBits -= count
                return (accumulator >> bufferedBits) & (UInt64.max >> (64 - count))
            }
            if width > 32 {
                for _ in 0..<n {
                    let high = take(width - 32)
                    out.append(Int64(bitPattern: high << 32 | take(32)))
                }
            } else {
                for _ in 0..<n { out.append(Int64(bitPattern: take(width))) }
            }
            guard bufferedBits == 0 || accumulator & (UInt64.max >> (64 - bufferedBits)) == 0 else {
                throw ChunkDecodingFailure(.malformed, at: position - 1, "non-zero padding bits after a packed column")
            }
            reader.offset = position
        }
        if hasExceptions {
            guard width < 64 else {
                throw ChunkDecodingFailure(.malformed, at: reader.offset, "exceptions in a 64-bit packed column")
            }
            let exceptionCount = try readUvarint(&reader, "exception count")
            guard exceptionCount >= 1 && exceptionCount <= UInt64(n) else {
                throw ChunkDecodingFailure(.malformed, at: reader.offset, "\(exceptionCount) exceptions in a column of \(n)")
            }
            var index = -1
            for _ in 0..<Int(exceptionCount) {
                let gap = try readUvarint(&reader, "exception index")
                guard gap < UInt64(n) && index + 1 + Int(gap) < n else {
                    throw ChunkDecodingFailure(.malformed, at: reader.offset, "exception index past the column's \(n) values")
                }
                index += 1 + Int(gap)
                let highBits = try readUvarint(&reader, "exception value")
                guard highBits != 0 && highBits >> (64 - width) == 0 else {
                    throw ChunkDecodingFailure(.malformed, at: reader.offset, "exception high bits \(highBits) do not fit above \(width) bits")
                }
                out[start + index] |= Int64(bitPattern: highBits << width)
            }
        }
        let divisor = Int64(bitPattern: gcd)
        out.withUnsafeMutableBufferPointer { values in
            for i in start..<(start + n) {
                values[i] = base &+ unzigzag(UInt64(bitPattern: values[i])) &* divisor
            }
        }
    }

    /// ``unpack(count:width:from:at:into:)`` with each value `u` stored as `base + zigzag⁻¹(u) ×
    /// divisor`, as ``decodePlain`` computes it afterwards when there are exceptions.
    private static func unpack(count n: Int, width: Int, base: Int64, divisor: Int64, from bytes: UnsafeRawBufferPointer,
                               at offset: Int, into out: inout [Int64]) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: n))
        let drop = UInt64(64 - width)
        out.withUnsafeMutableBufferPointer { values in
            let values = values.baseAddress! + start
            var bit = 0
            var i = 0
            let lastWholeWord = bytes.count - 8
            // While 8 bytes remain from the value's first byte: one unaligned load. The last
            // value starting in a whole word bounds the fast loop, so it needs no check.
            let wholeWordValues = lastWholeWord < offset ? 0 : min(n, ((lastWholeWord - offset) * 8 + 7) / width + 1)
            if wholeWordValues > 0 {
                // Wrapping arithmetic: the bounds above keep every offset in the buffer.
                let source = bytes.baseAddress! + offset
                while i < wholeWordValues {
                    let word = UInt64(bigEndian: (source + (bit &>> 3)).loadUnaligned(as: UInt64.self))
                    values[i] = base &+ unzigzag((word &<< UInt64(bit & 7)) &>> drop) &* divisor
                    bit &+= width
                    i &+= 1
                }
            }
            while i < n {
                let byte = offset + bit >> 3
                var word: UInt64 = 0
                for k in 0..<8 { word = word << 8 | (byte + k < bytes.count ? UInt64(bytes[byte + k]) : 0) }
                values[i] = base &+ unzigzag((word &<< UInt64(bit & 7)) &>> drop) &* divisor
                bit += width
                i += 1
            }
        }
    }

    /// Appends `n` values of `width` ≤ 56 bits, packed most significant bit first from byte
    /// `offset` of `bytes`, which hold at least `(n * width + 7) / 8` bytes from there. Each
    /// value is cut out of the 8 bytes it starts in, read as one word.
    private static func unpack(count n: Int, width: Int, from bytes: UnsafeRawBufferPointer, at offset: Int, into out: inout [Int64]) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: n))
        let drop = UInt64(64 - width)
        out.withUnsafeMutableBufferPointer { values in
            var bit = 0
            var i = 0
            // While 8 bytes remain from the value's first byte: one unaligned load.
            let lastWholeWord = bytes.count - 8
            // As in the other `unpack`: the last value starting in a whole word bounds the
            // fast loop, whose offsets then stay in the buffer.
            let wholeWordValues = lastWholeWord < offset ? 0 : min(n, ((lastWholeWord - offset) * 8 + 7) / width + 1)
            if wholeWordValues > 0 {
                let source = bytes.baseAddress! + offset
                let target = values.baseAddress! + start
                while i < wholeWordValues {
                    let word = UInt64(bigEndian: (source + (bit &>> 3)).loadUnaligned(as: UInt64.self))
                    target[i] = Int64(bitPattern: (word &<< UInt64(bit & 7)) &>> drop)
                    bit &+= width
                    i &+= 1
                }
            }
            // The last few, near the end of the bytes: the word assembled a byte at a time.
            while i < n {
                let byte = offset + bit >> 3
                var word: UInt64 = 0
                for k in 0..<8 { word = word << 8 | (byte + k < bytes.count ? UInt64(bytes[byte + k]) : 0) }
                values[start + i] = Int64(bitPattern: (word << UInt64(bit & 7)) >> drop)
                bit += width
                i += 1
            }
        }
    }

    @inline(__always)
    static func readUvarint(_ reader: inout ByteReader, _ what: String) throws(ChunkDecodingFailure) -> UInt64 {
        do {
            return try reader.uvarint()
        } catch {
            throw ChunkDecodingFailure(error == .truncated ? .truncated : .malformed, at: reader.offset,
                                       "\(what): \(error == .truncated ? "cut short" : "varint overflows 64 bits")")
        }
    }

    @inline(__always)
    static func readVarint(_ reader: inout ByteReader, _ what: String) throws(ChunkDecodingFailure) -> Int64 {
        unzigzag(try readUvarint(&reader, what))
    }

    // MARK: integer helpers shared by the columns

    @inline(__always)
    static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }

    @inline(__always)
    static func unzigzag(_ u: UInt64) -> Int64 { Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1))) }

    @inline(__always)
    static func uvarintLength(_ v: UInt64) -> Int { max(1, (64 - v.leadingZeroBitCount + 6) / 7) }
}
