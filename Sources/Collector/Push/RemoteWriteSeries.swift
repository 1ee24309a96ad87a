public import TSDB

/// One `TimeSeries` of a remote-write request: its labels, sorted, and its float samples
/// in the order they were sent.
public struct RemoteWriteSeries: Sendable, Hashable {
    public var labels: Labels
    public var samples: [Sample]

    public init(labels: Labels, samples: [Sample]) {
        self.labels = labels
        self.samples = samples
    }
}
