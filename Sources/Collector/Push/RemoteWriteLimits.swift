public import TSDB

/// Bounds on what one remote-write request may make the decoder do. Zero disables a
/// request-wide limit.
///
/// The decompressed size is checked against the snappy header before allocation; the
/// series and sample limits fail the whole request (as a body limit would); the label
/// limits refuse one series, with the same rules the store applies, so a series the
/// decoder passes is not refused later for its shape.
public struct RemoteWriteLimits: Sendable, Equatable {
    /// Largest decompressed `WriteRequest`, in bytes. Prometheus sends at most a few MiB
    /// (`max_samples_per_send` 2 000 by default); 64 MiB leaves room for big batches.
    public var maxDecompressedSize: Int
    /// Most `timeseries` entries in one request.
    public var maxSeries: Int
    /// Most samples in one request, across all series.
    public var maxSamples: Int
    /// Label count and name/value lengths per series.
    public var labels: LabelLimits

    public init(
        maxDecompressedSize: Int = 64 * 1024 * 1024,
        maxSeries: Int = 1_000_000,
        maxSamples: Int = 10_000_000,
        labels: LabelLimits = .default
    ) {
        self.maxDecompressedSize = maxDecompressedSize
        self.maxSeries = maxSeries
        self.maxSamples = maxSamples
        self.labels = labels
    }

    public static let `default` = RemoteWriteLimits()
}
