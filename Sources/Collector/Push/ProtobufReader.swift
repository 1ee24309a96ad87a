/// Protocol Buffers wire types: the low three bits of every field key.
enum WireType: UInt8, Sendable, CustomStringConvertible {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case startGroup = 3
    case endGroup = 4
    case fixed32 = 5

    var description: String {
        switch self {
        case .varint: "varint"
        case .fixed64: "64-bit"
        case .lengthDelimited: "length-delimited"
        case .startGroup: "start-group"
        case .endGroup: "end-group"
        case .fixed32: "32-bit"
        }
    }
}

/// A violation of the protobuf wire format, at a byte offset of the message being read.
struct ProtobufError: Error, Equatable {
    enum Kind: Equatable {
        /// The data ends inside a varint, a fixed-size value or a field key.
        case truncated(WireType)
        /// A varint longer than ten bytes, or one whose tenth byte carries bits past 64.
        case varintOverflow
        /// A length prefix larger than what is left of the enclosing message.
        case lengthPastEnd(length: UInt64, remaining: Int)
        /// Wire types 6 and 7 do not exist.
        case invalidWireType(UInt8)
        /// Field number 0, or one above 2^29 - 1.
        case invalidFieldNumber(UInt64)
        /// Groups (wire types 3 and 4) are deprecated and appear in no message we read.
        case groupNotSupported
        /// A known field (`"Sample.value"`) encoded with another wire type than its own.
        case unexpectedWireType(field: String, wireType: WireType, expected: WireType)
    }

    var kind: Kind
    var offset: Int
}

/// A cursor over protobuf-encoded bytes the caller keeps alive (a borrowed buffer, never
/// copied). Each `read` checks bounds first: a hostile length or varint is an error, not
/// a read past the end.
struct ProtobufReader {
    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var offset: Int
    let end: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.offset = start
        self.end = end ?? bytes.count
    }

    /// A reader limited to `range`, for an embedded message.
    init(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        self.init(bytes, from: range.lowerBound, to: range.upperBound)
    }

    @inline(__always) var isAtEnd: Bool { offset >= end }

    /// The next field key: its number and wire type.
    @inline(__always)
    mutating func readKey() throws(ProtobufError) -> (field: UInt64, wireType: WireType) {
        let start = offset
        // Nearly every key of the messages we read is one byte: take it without the loop.
        let key: UInt64
        if offset < end, bytes[offset] < 0x80 {
            key = UInt64(bytes[offset])
            offset += 1
        } else {
            key = try readVarint(.varint)
        }
        let field = key >> 3
        guard field != 0 && field <= 0x1FFF_FFFF else {
            throw ProtobufError(kind: .invalidFieldNumber(field), offset: start)
        }
        guard let wireType = WireType(rawValue: UInt8(key & 7)) else {
            throw ProtobufError(kind: .invalidWireType(UInt8(key & 7)), offset: start)
        }
        return (field, wireType)
    }

    /// A base-128 varint of at most ten bytes. `reading` names what a truncation cuts.
    @inline(__always)
    mutating func readVarint(_ reading: WireType = .varint) throws(ProtobufError) -> UInt64 {
        if offset < end, bytes[offset] < 0x80 {
            defer { offset += 1 }
            return UInt64(bytes[offset])
        }
        return try readLongVarint(reading)
    }

    private mutating func readLongVarint(_ reading: WireType) throws(ProtobufError) -> UInt64 {
        let start = offset
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < end else { throw ProtobufError(kind: .truncated(reading), offset: start) }
            let byte = bytes[offset]
            offset += 1
            // The tenth byte holds bit 63 only; anything more does not fit 64 bits.
            if shift == 63 && byte > 1 { throw ProtobufError(kind: .varintOverflow, offset: start) }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    @inline(__always)
    mutating func readFixed64() throws(ProtobufError) -> UInt64 {
        guard end - offset >= 8 else { throw ProtobufError(kind: .truncated(.fixed64), offset: offset) }
        let value = UnsafeRawPointer(bytes.baseAddress!).loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        offset += 8
        return UInt64(littleEndian: value)
    }

    @inline(__always)
    mutating func readFixed32() throws(ProtobufError) -> UInt32 {
        guard end - offset >= 4 else { throw ProtobufError(kind: .truncated(.fixed32), offset: offset) }
        let value = UnsafeRawPointer(bytes.baseAddress!).loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        offset += 4
        return UInt32(littleEndian: value)
    }

    /// The byte range of a length-delimited field's payload; the reader moves past it.
    @inline(__always)
    mutating func readLengthDelimited() throws(ProtobufError) -> Range<Int> {
        let start = offset
        let length = try readVarint(.lengthDelimited)
        let remaining = end - offset
        guard length <= UInt64(remaining) else {
            throw ProtobufError(kind: .lengthPastEnd(length: length, remaining: remaining), offset: start)
        }
        let payload = offset..<offset + Int(length)
        offset = payload.upperBound
        return payload
    }

    /// Moves past the value of a field that is not read, checking that it is well formed.
    mutating func skip(_ wireType: WireType) throws(ProtobufError) {
        switch wireType {
        case .varint: _ = try readVarint()
        case .fixed64: _ = try readFixed64()
        case .fixed32: _ = try readFixed32()
        case .lengthDelimited: _ = try readLengthDelimited()
        case .startGroup, .endGroup: throw ProtobufError(kind: .groupNotSupported, offset: offset)
        }
    }

    /// Throws unless `wireType` is `expected`, naming the field for the error. `keyOffset`
    /// is where the field's key started.
    @inline(__always)
    static func expect(
        _ wireType: WireType, _ expected: WireType, field: @autoclosure () -> String, keyOffset: Int
    ) throws(ProtobufError) {
        if wireType != expected {
            throw ProtobufError(kind: .unexpectedWireType(field: field(), wireType: wireType, expected: expected), offset: keyOffset)
        }
    }

    /// Walks every field of the message in `range` without interpreting it, so a skipped
    /// message (an exemplar, a native histogram) is still checked to be well formed.
    static func validateMessage(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(ProtobufError) {
        var reader = ProtobufReader(bytes, range)
        while !reader.isAtEnd {
            let (_, wireType) = try reader.readKey()
            try reader.skip(wireType)
        }
    }
}
