/// A pull iterator over one series' samples in time order.
///
/// ```swift
/// var cursor = series.samples
/// while let sample = cursor.next() { … }
/// ```
public struct SampleCursor: Sendable {
    private let samples: ArraySlice<Sample>
    private var index: Int

    init(_ samples: ArraySlice<Sample>) {
        self.samples = samples
        self.index = samples.startIndex
    }

    /// The next sample, or nil when the series is exhausted.
    public mutating func next() -> Sample? {
        guard index < samples.endIndex else { return nil }
        defer { index += 1 }
        return samples[index]
    }

    /// Advances to the first sample at or after `timestamp` and returns it, never moving
    /// backwards.
    public mutating func seek(_ timestamp: Int64) -> Sample? {
        if index < samples.endIndex, samples[index].timestamp < timestamp {
            index = samples[index...].partitioningIndex { $0.timestamp >= timestamp }
        }
        return next()
    }

    /// All remaining samples; for tests and small series.
    public mutating func collect() -> [Sample] {
        var out: [Sample] = []
        while let s = next() { out.append(s) }
        return out
    }
}
