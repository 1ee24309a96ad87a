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
    /// Byte-wise equality of the UTF-8 encodings (no Unicode normalization).
    @inlinable
    public func bytesEqual(_ other: String) -> Bool {
        utf8.count == other.utf8.count && utf8.elementsEqual(other.utf8)
    }

    /// Byte-wise order of the UTF-8 encodings, as Go orders strings.
    @inlinable
    public func bytesLess(_ other: String) -> Bool {
        utf8.lexicographicallyPrecedes(other.utf8)
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
