/// A series' id, stable for the life of the store. Zero means "not yet known".
public struct SeriesRef: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt64

    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static let unknown = SeriesRef(0)

    public static func < (lhs: SeriesRef, rhs: SeriesRef) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}
