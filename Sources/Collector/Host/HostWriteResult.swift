public import TSDB

/// The outcome of ``HostCollector/write(into:at:extraLabels:)``: how many samples the
/// appender took, the samples it refused, and the sources that could not be read.
public struct HostWriteResult: Sendable {
    public var appended: Int
    public var refused: [AppendError]
    public var errors: [HostCollectorError]

    public init(appended: Int = 0, refused: [AppendError] = [], errors: [HostCollectorError] = []) {
        self.appended = appended
        self.refused = refused
        self.errors = errors
    }
}
