/// The value column of the `decimal` encoding: one decimal exponent for the chunk, integer
/// mantissas stored as values, deltas (gauges) or deltas of deltas (counters) — whichever
/// packs smaller — and the values with no mantissa under that exponent listed apart.
///
/// ```
/// varint   exponent                     -22...22
/// uvarint  exception count              if the header's exception bit is set (1...count)
///   per exception: uvarint index gap << 3 | SpecialFloat tag, then 8 raw bytes for tag 0
/// order 0: packed ints  m₀ … mₖ₋₁                          (k = count - exceptions)
/// order 1: varint m₀, packed ints of k - 1 deltas
/// order 2: varint m₀, varint m₁ - m₀, packed ints of k - 2 deltas of deltas
/// ```
/// Each mantissa m decodes to `m × 10^exponent` as ``DecimalValue`` computes it; |m| ≤ 2⁵³.
/// The order lives in bits 2–3 of the chunk header, the exception flag in bit 4.
enum DecimalColumn {
    struct Exception {
        var index: Int
        var bits: UInt64
    }

    struct Plan {
        var exponent: Int
        var exceptions: [Exception]
        var mantissas: [Int64]
        var order: Int
        var packed: PackedInts.Plan?
        var estimatedBytes: Int
    }

    static func plan(_ samples: [Sample]) -> Plan {
        let n = samples.count
        var mantissas = [Int64](repeating: 0, count: n)
        var exponents = [Int](repeating: .min, count: n)
        var exponentCounts = [Int](repeating: 0, count: 2 * DecimalValue.maxExponent + 1)
        var undecomposable = 0
        for (i, sample) in samples.enumerated() {
            if let (m, e) = DecimalValue.decompose(sample.value) {
                mantissas[i] = m
                if m != 0 {
                    exponents[i] = e
                    exponentCounts[e + DecimalValue.maxExponent] += 1
                } else {
                    exponents[i] = .max
                }
            } else {
                undecomposable += 1
            }
        }
        let candidates = exponentCounts.indices.filter { exponentCounts[$0] > 0 }
        guard !candidates.isEmpty else {
            return plan(samples, mantissas: mantissas, exponents: exponents, exponent: 0)
        }
        // The smallest exponent fits every value but may blow up all mantissas for one value
        // with many digits; larger ones turn the values needing more digits into exceptions.
        var best: Plan?
        var needMoreDigits = 0
        for slot in candidates {
            if best != nil && 2 * (undecomposable + needMoreDigits) > n { break }
            let candidate = plan(samples, mantissas: mantissas, exponents: exponents,
                                 exponent: slot - DecimalValue.maxExponent)
            if best == nil || candidate.estimatedBytes < best!.estimatedBytes { best = candidate }
            needMoreDigits += exponentCounts[slot]
        }
        return best!
    }

    private static func plan(_ samples: [Sample], mantissas: [Int64], exponents: [Int], exponent: Int) -> Plan {
        var column: [Int64] = []
        column.reserveCapacity(samples.count)
        var exceptions: [Exception] = []
        var exceptionBytes = 0
        var previousException = -1
        for (i, sample) in samples.enumerated() {
            let e = exponents[i]
            if e != .min, e >= exponent, let m = DecimalValue.rescale(mantissas[i], by: e == .max ? 0 : e - exponent),
               DecimalValue.value(mantissa: m, exponent: exponent).bitPattern == sample.value.bitPattern {
                column.append(m)
                continue
            }
            let bits = sample.value.bitPattern
            exceptions.append(Exception(index: i, bits: bits))
            exceptionBytes += PackedInts.uvarintLength(UInt64(i - previousException - 1) << 3)
                + (SpecialFloat(classifying: bits) == .raw ? 8 : 0)
            previousException = i
        }
        if !exceptions.isEmpty { exceptionBytes += PackedInts.uvarintLength(UInt64(exceptions.count)) }
        var (order, packed, columnBytes) = (0, PackedInts.Plan?.none, 0)
        if !column.isEmpty {
            (order, packed, columnBytes) = chooseOrder(column)
        }
        return Plan(exponent: exponent, exceptions: exceptions, mantissas: column, order: order, packed: packed,
                    estimatedBytes: 1 + exceptionBytes + columnBytes)
    }

    /// Values, deltas or deltas of deltas: whichever packs smallest.
    private static func chooseOrder(_ m: [Int64]) -> (Int, PackedInts.Plan?, Int) {
        let k = m.count
        let direct = PackedInts.plan(m)
        var best: (Int, PackedInts.Plan?, Int) = (0, direct, direct.estimatedBytes)
        guard k >= 2 else { return best }
        var deltas = [Int64](repeating: 0, count: k - 1)
        for i in 1..<k { deltas[i - 1] = m[i] &- m[i - 1] }
        let deltaPlan = PackedInts.plan(deltas)
        let deltaBytes = PackedInts.uvarintLength(PackedInts.zigzag(m[0])) + deltaPlan.estimatedBytes
        if deltaBytes < best.2 { best = (1, deltaPlan, deltaBytes) }
        guard k >= 3 else { return best }
        var second = [Int64](repeating: 0, count: k - 2)
        for i in 1..<(k - 1) { second[i - 1] = deltas[i] &- deltas[i - 1] }
        let secondPlan = PackedInts.plan(second)
        let secondBytes = PackedInts.uvarintLength(PackedInts.zigzag(m[0])) + PackedInts.uvarintLength(PackedInts.zigzag(deltas[0])) + secondPlan.estimatedBytes
        if secondBytes < best.2 { best = (2, secondPlan, secondBytes) }
        return best
    }

    static func encode(_ plan: Plan, into out: inout ByteWriter) {
        out.varint(Int64(plan.exponent))
        if !plan.exceptions.isEmpty {
            out.uvarint(UInt64(plan.exceptions.count))
            var previous = -1
            for exception in plan.exceptions {
                let tag = SpecialFloat(classifying: exception.bits)
                out.uvarint(UInt64(exception.index - previous - 1) << 3 | UInt64(tag.rawValue))
                if tag == .raw { out.uint64(exception.bits) }
                previous = exception.index
            }
        }
        let m = plan.mantissas
        if plan.order >= 1 { out.varint(m[0]) }
        if plan.order == 2 { out.varint(m[1] &- m[0]) }
        if let packed = plan.packed { PackedInts.encode(plan: packed, into: &out) }
    }

    /// Decodes `count` values into `values` (replacing its contents); `scratch` holds the
    /// mantissas and is reused across calls.
    static func decode(order: Int, hasExceptions: Bool, count n: Int, from reader: inout ByteReader,
                       into values: inout [Double], scratch: inout [Int64]) throws(ChunkDecodingFailure) {
        let exponent = try PackedInts.readVarint(&reader, "decimal exponent")
        guard exponent.magnitude <= UInt64(DecimalValue.maxExponent) else {
            throw ChunkDecodingFailure(.malformed, at: reader.offset, "decimal exponent \(exponent) is outside ±\(DecimalValue.maxExponent)")
        }
        var exceptions: [Exception] = []
        if hasExceptions {
            let exceptionCount = try PackedInts.readUvarint(&reader, "exception count")
            guard exceptionCount >= 1 && exceptionCount <= UInt64(n) else {
                throw ChunkDecodingFailure(.malformed, at: reader.offset, "\(exceptionCount) exceptions among \(n) values")
            }
            exceptions.reserveCapacity(Int(exceptionCount))
            var index = -1
            for _ in 0..<Int(exceptionCount) {
                let word = try PackedInts.readUvarint(&reader, "exception")
                let gap = word >> 3
                guard gap < UInt64(n) && index + 1 + Int(gap) < n else {
                    throw ChunkDecodingFailure(.malformed, at: reader.offset, "exception index past the chunk's \(n) values")
                }
                index += 1 + Int(gap)
                guard let tag = SpecialFloat(rawValue: UInt8(word & 7)) else {
                    throw ChunkDecodingFailure(.malformed, at: reader.offset, "exception tag \(word & 7) is not defined")
                }
                var bits = tag.bits ?? 0
                if tag == .raw { bits = try SpecialFloat.readRaw(&reader) }
                exceptions.append(Exception(index: index, bits: bits))
            }
        }
        let k = n - exceptions.count
        guard order < max(k, 1) else {
            throw ChunkDecodingFailure(.malformed, at: reader.offset, "order \(order) needs more than \(k) mantissas")
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.reserveCapacity(k)
        switch order {
        case 0:
            try PackedInts.decode(count: k, from: &reader, into: &scratch)
        case 1:
            scratch.append(try PackedInts.readVarint(&reader, "first mantissa"))
            try PackedInts.decode(count: k - 1, from: &reader, into: &scratch)
            scratch.withUnsafeMutableBufferPointer { m in
                // The running sum kept in a register, not reloaded from the element before.
                var sum = m[0]
                for i in 1..<k {
                    sum = sum &+ m[i]
                    m[i] = sum
                }
            }
        default:
            let first = try PackedInts.readVarint(&reader, "first mantissa")
            let firstDelta = try PackedInts.readVarint(&reader, "first mantissa delta")
            scratch.append(first)
            scratch.append(first &+ firstDelta)
            try PackedInts.decode(count: k - 2, from: &reader, into: &scratch)
            var delta = firstDelta
            scratch.withUnsafeMutableBufferPointer { m in
                var value = m[1]
                for i in 2..<max(k, 2) {
                    delta = delta &+ m[i]
                    value = value &+ delta
                    m[i] = value
                }
            }
        }
        values.removeAll(keepingCapacity: true)
        values.reserveCapacity(n)
        let e = Int(exponent)
        if exceptions.isEmpty {
            // Every value a mantissa: one pass, the power of ten looked up once.
            let limit = UInt64(DecimalValue.maxMantissa)
            values.append(contentsOf: repeatElement(0, count: k))
            let fits = scratch.withUnsafeBufferPointer { mantissas in
                values.withUnsafeMutableBufferPointer { out in
                    var fits = true
                    if e >= 0 {
                        let scale = DecimalValue.powersOfTen[e]
                        for i in 0..<k {
                            fits = fits && mantissas[i].magnitude <= limit
                            out[i] = Double(mantissas[i]) * scale
                        }
                    } else {
                        // Two lanes at a time: a vector division costs what a scalar one does,
                        // and each lane is the correctly rounded quotient a scalar gives.
                        let scale = DecimalValue.powersOfTen[-e]
                        let scales = SIMD2(repeating: scale)
                        var widest: UInt64 = 0
                        var i = 0
                        while i &+ 1 < k {
                            let a = mantissas[i], b = mantissas[i &+ 1]
                            widest = max(widest, a.magnitude, b.magnitude)
                            let quotients = SIMD2(Double(a), Double(b)) / scales
                            out[i] = quotients[0]
                            out[i &+ 1] = quotients[1]
                            i &+= 2
                        }
                        if i < k {
                            widest = max(widest, mantissas[i].magnitude)
                            out[i] = Double(mantissas[i]) / scale
                        }
                        fits = widest <= limit
                    }
                    return fits
                }
            }
            if fits { return }
            values.removeAll(keepingCapacity: true)
        }
        var next = 0
        for m in scratch {
            guard m.magnitude <= UInt64(DecimalValue.maxMantissa) else {
                throw ChunkDecodingFailure(.malformed, at: reader.offset, "mantissa \(m) exceeds 2^53")
            }
            while next < exceptions.count && exceptions[next].index == values.count {
                values.append(Double(bitPattern: exceptions[next].bits))
                next += 1
            }
            values.append(DecimalValue.value(mantissa: m, exponent: e))
        }
        while next < exceptions.count {
            values.append(Double(bitPattern: exceptions[next].bits))
            next += 1
        }
    }
}
