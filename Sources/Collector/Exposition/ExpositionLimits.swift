/// Bounds on what one scrape may make the parser do. Zero disables a limit.
///
/// A limit that is exceeded fails the whole exposition, as Prometheus fails a scrape that
/// breaks `sample_limit` or `body_size_limit`, rather than silently dropping data.
public struct ExpositionLimits: Sendable, Hashable {
    /// Longest line in bytes, excluding its `\n`.
    public var maxLineLength: Int
    /// Largest body in bytes.
    public var maxBodySize: Int
    /// Most samples in one exposition.
    public var maxSamples: Int
    /// Most labels in one series, counting `__name__`.
    public var maxLabelsPerSeries: Int
    /// Longest label name in bytes.
    public var maxLabelNameLength: Int
    /// Longest label value in bytes after unescaping; the metric name counts as a value.
    public var maxLabelValueLength: Int

    public init(
        maxLineLength: Int = 64 * 1024,
        maxBodySize: Int = 64 * 1024 * 1024,
        maxSamples: Int = 0,
        maxLabelsPerSeries: Int = 64,
        maxLabelNameLength: Int = 256,
        maxLabelValueLength: Int = 4096
    ) {
        self.maxLineLength = maxLineLength
        self.maxBodySize = maxBodySize
        self.maxSamples = maxSamples
        self.maxLabelsPerSeries = maxLabelsPerSeries
        self.maxLabelNameLength = maxLabelNameLength
        self.maxLabelValueLength = maxLabelValueLength
    }

    /// No limits at all: for trusted input such as tests and local files.
    public static let unlimited = ExpositionLimits(
        maxLineLength: 0, maxBodySize: 0, maxSamples: 0,
        maxLabelsPerSeries: 0, maxLabelNameLength: 0, maxLabelValueLength: 0
    )

    /// Whether `count` breaks `limit`, where a limit of zero is no limit.
    @inline(__always)
    static func exceeds(_ count: Int, _ limit: Int) -> Bool { limit > 0 && count > limit }
}
