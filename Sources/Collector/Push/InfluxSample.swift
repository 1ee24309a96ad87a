public import TSDB

/// One sample made from one numeric or boolean field of a line: the series
/// (`<measurement>_<field>` with the line's tags) and its value at the line's time.
public struct InfluxSample: Sendable, Hashable {
    public var labels: Labels
    /// Unix milliseconds.
    public var timestamp: Int64
    public var value: Double

    public init(labels: Labels, timestamp: Int64, value: Double) {
        self.labels = labels
        self.timestamp = timestamp
        self.value = value
    }

    public static func == (lhs: InfluxSample, rhs: InfluxSample) -> Bool {
        lhs.labels == rhs.labels && lhs.timestamp == rhs.timestamp && lhs.value.bitPattern == rhs.value.bitPattern
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(labels)
        hasher.combine(timestamp)
        hasher.combine(value.bitPattern)
    }
}
