public import TSDB

/// One item of an exposition, in document order.
public enum ExpositionEntry: Sendable, Equatable {
    /// A sample. `labels` include `__name__`; labels with an empty value are dropped, as
    /// an empty value means "no such label". `timestamp` is in milliseconds (OpenMetrics
    /// seconds are converted); `nil` means "use the scrape time". Every parsed NaN has
    /// the same quiet bit pattern, never the stale marker's.
    case sample(labels: Labels, timestamp: Int64?, value: Double)
    /// `# TYPE metric type`.
    case type(metric: String, MetricType)
    /// `# HELP metric text`, with the escapes resolved.
    case help(metric: String, text: String)
    /// `# UNIT metric unit` (OpenMetrics only).
    case unit(metric: String, unit: String)

    // Values compare by bit pattern, as `Sample` does, so an entry holding NaN equals itself.
    public static func == (lhs: ExpositionEntry, rhs: ExpositionEntry) -> Bool {
        switch (lhs, rhs) {
        case let (.sample(l1, t1, v1), .sample(l2, t2, v2)):
            l1 == l2 && t1 == t2 && v1.bitPattern == v2.bitPattern
        case let (.type(m1, t1), .type(m2, t2)):
            m1 == m2 && t1 == t2
        case let (.help(m1, h1), .help(m2, h2)):
            m1 == m2 && h1 == h2
        case let (.unit(m1, u1), .unit(m2, u2)):
            m1 == m2 && u1 == u2
        default:
            false
        }
    }
}
