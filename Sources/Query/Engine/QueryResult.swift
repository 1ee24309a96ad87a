public import TSDB

/// The value of a query, shaped as the `resultType` of Prometheus's HTTP API.
///
/// A range query always yields ``matrix(_:)``; an instant query yields the type of its
/// expression: `up` a vector, `up[5m]` a matrix, `1 + 1` a scalar, `"a"` a string.
public enum QueryResult: Sendable, Equatable {
    /// One sample per series, stamped with the evaluation time.
    case vector([InstantSample])
    /// Samples over time per series; series sorted by labels for range queries.
    case matrix([RangeSeries])
    /// A number at the evaluation time.
    case scalar(Sample)
    /// A string literal at the evaluation time (ms).
    case string(Int64, String)

    /// `"vector"`, `"matrix"`, `"scalar"` or `"string"`, as the API's `resultType`.
    public var resultType: String {
        switch self {
        case .vector: "vector"
        case .matrix: "matrix"
        case .scalar: "scalar"
        case .string: "string"
        }
    }
}

/// One element of an instant vector.
public struct InstantSample: Sendable, Equatable {
    public var labels: Labels
    /// Milliseconds since the epoch: the evaluation time of the query.
    public var timestamp: Int64
    public var value: Double

    public init(labels: Labels, timestamp: Int64, value: Double) {
        self.labels = labels
        self.timestamp = timestamp
        self.value = value
    }
}

/// One series of a range vector, its samples in time order.
public struct RangeSeries: Sendable, Equatable {
    public var labels: Labels
    public var samples: [Sample]

    public init(labels: Labels, samples: [Sample]) {
        self.labels = labels
        self.samples = samples
    }
}
