public import TSDB

/// One value the host collector read, under node-exporter's metric and label names.
public struct HostSample: Hashable, Sendable, CustomStringConvertible {
    public var labels: Labels
    public var value: Double

    public init(labels: Labels, value: Double) {
        self.labels = labels
        self.value = value
    }

    /// `name` plus `labels`, which must already be sorted by name. Every label name the
    /// host collector uses is lowercase, so `__name__` sorts before all of them and no
    /// sort (and no second array) is needed.
    init(_ name: String, _ labels: [Label] = [], _ value: Double) {
        var pairs: [Label] = []
        pairs.reserveCapacity(labels.count + 1)
        pairs.append(Label(Labels.metricName, name))
        pairs.append(contentsOf: labels)
        assert(pairs == pairs.sorted(), "host sample labels must be given sorted by name")
        self.labels = Labels(sorted: pairs)
        self.value = value
    }

    public var description: String { "\(labels) \(value)" }
}
