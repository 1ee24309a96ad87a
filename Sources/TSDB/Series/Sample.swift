/// One observation: a millisecond Unix timestamp and a float value.
public struct Sample: Hashable, Sendable {
    public var timestamp: Int64
    public var value: Double

    public init(_ timestamp: Int64, _ value: Double) {
        self.timestamp = timestamp
        self.value = value
    }

    // NaN payloads differ (the stale marker is one): compare bit patterns so a stale
    // marker equals itself and round trips are checked exactly.
    public static func == (lhs: Sample, rhs: Sample) -> Bool {
        lhs.timestamp == rhs.timestamp && lhs.value.bitPattern == rhs.value.bitPattern
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(timestamp)
        hasher.combine(value.bitPattern)
    }
}

/// Prometheus's staleness marker: a signalling NaN with a fixed payload, written when a
/// series disappears from a scrape so queries stop returning it at once.
public enum StaleMarker {
    public static let bitPattern: UInt64 = 0x7FF0_0000_0000_0002
    public static let value = Double(bitPattern: bitPattern)

    @inline(__always)
    public static func isStale(_ value: Double) -> Bool { value.bitPattern == bitPattern }
}
