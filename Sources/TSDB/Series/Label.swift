/// One name/value pair of a series' identity, e.g. `job="node"`.
public struct Label: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    // Bytes, not Unicode equivalence: Prometheus keeps `café` and `cafe\u{301}` apart.
    public static func == (lhs: Label, rhs: Label) -> Bool {
        lhs.name.bytesEqual(rhs.name) && lhs.value.bytesEqual(rhs.value)
    }

    public func hash(into hasher: inout Hasher) {
        name.hashBytes(into: &hasher)
        value.hashBytes(into: &hasher)
    }

    public static func < (lhs: Label, rhs: Label) -> Bool {
        lhs.name.bytesEqual(rhs.name) ? lhs.value.bytesLess(rhs.value) : lhs.name.bytesLess(rhs.name)
    }

    public var description: String { "\(name)=\"\(value)\"" }
}
