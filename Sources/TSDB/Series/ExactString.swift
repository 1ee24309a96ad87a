#if canImport(Glibc)
public import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

/// A string compared, hashed and ordered by its UTF-8 bytes, as Prometheus compares label
/// names and values. Swift's `String` equality is Unicode canonical equivalence: `café`
/// written with U+00E9 equals `cafe` + U+0301 there, and two distinct series would merge.
public struct ExactString: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) { self.value = value }

    public static func == (lhs: ExactString, rhs: ExactString) -> Bool { lhs.value.bytesEqual(rhs.value) }
    public static func < (lhs: ExactString, rhs: ExactString) -> Bool { lhs.value.bytesLess(rhs.value) }
    public func hash(into hasher: inout Hasher) { value.hashBytes(into: &hasher) }
    public var description: String { value }
}

extension String {
    /// Byte-wise equality of the UTF-8 encodings (no Unicode normalization). Native strings
    /// are compared with `memcmp`: label comparison is on the hot path of every select.
    @inlinable
    public func bytesEqual(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        if let equal = a.withContiguousStorageIfAvailable({ pa in
            b.withContiguousStorageIfAvailable { pb in memcmp(pa.baseAddress!, pb.baseAddress!, pa.count) == 0 }
        }), let equal {
            return equal
        }
        return a.elementsEqual(b)
    }

    /// Byte-wise order of the UTF-8 encodings, as Go orders strings.
    @inlinable
    public func bytesLess(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        let common = Swift.min(a.count, b.count)
        if common > 0, let order = a.withContiguousStorageIfAvailable({ pa in
            b.withContiguousStorageIfAvailable { pb in memcmp(pa.baseAddress!, pb.baseAddress!, common) }
        }), let order {
            return order != 0 ? order < 0 : a.count < b.count
        }
        if common == 0 { return a.count < b.count }
        return a.lexicographicallyPrecedes(b)
    }

    @inlinable
    public func hashBytes(into hasher: inout Hasher) {
        if let done: Void = utf8.withContiguousStorageIfAvailable({ hasher.combine(bytes: UnsafeRawBufferPointer($0)) }) {
            return done
        }
        for byte in utf8 { hasher.combine(byte) }
        hasher.combine(utf8.count)
    }
}

extension Sequence where Element == String {
    /// Distinct strings by bytes, in byte order.
    public func uniqueByteSorted() -> [String] {
        Set(map(ExactString.init)).sorted().map(\.value)
    }
}
