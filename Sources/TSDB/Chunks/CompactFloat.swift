/// One float in as few bytes as its form allows; the `constant` encoding's value.
///
/// ```
/// tag 0...44   decimal: exponent = tag - 22, then varint mantissa    (0.0 and 1.0: 2 bytes)
/// tag 45...50  45 + SpecialFloat tag; tag 45 (raw) is followed by 8 bytes little-endian
/// ```
enum CompactFloat {
    static let specialBase: UInt8 = UInt8(2 * DecimalValue.maxExponent + 1)

    static func encode(_ v: Double, into out: inout ByteWriter) {
        if let (mantissa, exponent) = DecimalValue.decompose(v),
           DecimalValue.value(mantissa: mantissa, exponent: exponent).bitPattern == v.bitPattern {
            out.byte(UInt8(exponent + DecimalValue.maxExponent))
            out.varint(mantissa)
            return
        }
        let special = SpecialFloat(classifying: v.bitPattern)
        out.byte(specialBase + special.rawValue)
        if special == .raw { out.uint64(v.bitPattern) }
    }

    static func decode(_ reader: inout ByteReader) throws(ChunkDecodingFailure) -> Double {
        let tag: UInt8
        do { tag = try reader.byte() } catch { throw ChunkDecodingFailure(.truncated, at: reader.offset, "value tag cut short") }
        if tag < specialBase {
            let mantissa = try PackedInts.readVarint(&reader, "constant mantissa")
            guard mantissa.magnitude <= UInt64(DecimalValue.maxMantissa) else {
                throw ChunkDecodingFailure(.malformed, at: reader.offset, "mantissa \(mantissa) exceeds 2^53")
            }
            return DecimalValue.value(mantissa: mantissa, exponent: Int(tag) - DecimalValue.maxExponent)
        }
        guard let special = SpecialFloat(rawValue: tag - specialBase) else {
            throw ChunkDecodingFailure(.malformed, at: reader.offset - 1, "value tag \(tag) is not defined")
        }
        if let bits = special.bits { return Double(bitPattern: bits) }
        return Double(bitPattern: try SpecialFloat.readRaw(&reader))
    }
}
