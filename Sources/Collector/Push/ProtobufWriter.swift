/// Appends protobuf wire-format fields to a buffer the caller owns.
///
/// Embedded messages need their length before their bytes; callers compute sizes with
/// ``varintSize(_:)`` and the `*FieldSize` helpers first, so nothing is written twice.
enum ProtobufWriter {
    @inline(__always)
    static func varintSize(_ value: UInt64) -> Int {
        // 1 byte per started 7 bits; zero still takes one byte.
        (64 - (value | 1).leadingZeroBitCount + 6) / 7
    }

    @inline(__always)
    static func appendVarint(_ value: UInt64, to buffer: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            buffer.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        buffer.append(UInt8(value))
    }

    @inline(__always)
    static func appendKey(_ field: UInt64, _ wireType: WireType, to buffer: inout [UInt8]) {
        appendVarint(field << 3 | UInt64(wireType.rawValue), to: &buffer)
    }

    @inline(__always)
    static func appendFixed64(_ value: UInt64, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    /// Key, length and bytes of a string or bytes field.
    static func appendBytesField(_ field: UInt64, _ utf8: String.UTF8View, to buffer: inout [UInt8]) {
        appendKey(field, .lengthDelimited, to: &buffer)
        appendVarint(UInt64(utf8.count), to: &buffer)
        buffer.append(contentsOf: utf8)
    }

    /// Key and length of an embedded message whose `size` bytes the caller writes next.
    static func appendMessageHeader(_ field: UInt64, size: Int, to buffer: inout [UInt8]) {
        appendKey(field, .lengthDelimited, to: &buffer)
        appendVarint(UInt64(size), to: &buffer)
    }

    /// Bytes a length-delimited field with a `length`-byte payload takes, for a field
    /// number below 16 (a one-byte key).
    @inline(__always)
    static func lengthDelimitedFieldSize(_ length: Int) -> Int {
        1 + varintSize(UInt64(length)) + length
    }
}
