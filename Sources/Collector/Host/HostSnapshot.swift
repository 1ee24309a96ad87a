/// What one host collection produced: the samples, and one error per source that could
/// not be read (whose series are therefore absent).
public struct HostSnapshot: Sendable {
    public var samples: [HostSample]
    public var errors: [HostCollectorError]

    public init(samples: [HostSample] = [], errors: [HostCollectorError] = []) {
        self.samples = samples
        self.errors = errors
    }
}
