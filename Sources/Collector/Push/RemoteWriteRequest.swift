/// A whole decoded remote-write request, for callers that want it at once (tests, small
/// bodies). Ingestion reads series one by one from ``RemoteWriteDecoder`` instead.
public struct RemoteWriteRequest: Sendable, Equatable {
    /// The series that can be stored, in request order.
    public var series: [RemoteWriteSeries]
    /// Series refused on their own (``RemoteWriteError/isFatal`` is `false`); the first
    /// ``RemoteWriteDecoder/reportedRejectionLimit`` of them.
    public var rejections: [RemoteWriteError]
    /// How many series were refused, reported or not.
    public var rejectedSeries: Int
    /// How many `metadata` entries were checked and skipped.
    public var metadataCount: Int

    public init(series: [RemoteWriteSeries], rejections: [RemoteWriteError] = [], rejectedSeries: Int = 0, metadataCount: Int = 0) {
        self.series = series
        self.rejections = rejections
        self.rejectedSeries = rejectedSeries
        self.metadataCount = metadataCount
    }

    public var sampleCount: Int { series.reduce(0) { $0 + $1.samples.count } }
}
