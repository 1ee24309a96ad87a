/// One series in the head: its labels and the samples not yet cut into a block.
struct MemSeries {
    let ref: SeriesRef
    let labels: Labels
    /// Sorted by timestamp, unique timestamps.
    var samples: [Sample] = []
    /// Whether the series record has reached the WAL.
    var logged: Bool

    var maxTime: Int64 { samples.last?.timestamp ?? .min }

    enum Insertion { case appended, duplicate, inserted }

    /// Places a sample in time order. `window` bounds how far behind the newest sample an
    /// out-of-order sample may land.
    mutating func insert(_ t: Int64, _ v: Double, window: Int64) -> Result<Insertion, AppendError> {
        guard let last = samples.last, t <= last.timestamp else {
            samples.append(Sample(t, v))
            return .success(.appended)
        }
        if t == last.timestamp {
            return last.value.bitPattern == v.bitPattern ? .success(.duplicate) : .failure(.duplicateTimestamp(labels, timestamp: t))
        }
        if t < last.timestamp - window { return .failure(.outOfOrder(labels, timestamp: t, newest: last.timestamp)) }
        let index = samples.partitioningIndex { $0.timestamp >= t }
        if index < samples.count && samples[index].timestamp == t {
            return samples[index].value.bitPattern == v.bitPattern ? .success(.duplicate) : .failure(.duplicateTimestamp(labels, timestamp: t))
        }
        samples.insert(Sample(t, v), at: index)
        return .success(.inserted)
    }

    /// Whether `insert` would accept the sample, without storing it.
    func check(_ t: Int64, _ v: Double, window: Int64) -> AppendError? {
        guard let last = samples.last, t <= last.timestamp else { return nil }
        if t == last.timestamp {
            return last.value.bitPattern == v.bitPattern ? nil : .duplicateTimestamp(labels, timestamp: t)
        }
        if t < last.timestamp - window { return .outOfOrder(labels, timestamp: t, newest: last.timestamp) }
        return nil
    }

    func samples(from mint: Int64, through maxt: Int64) -> ArraySlice<Sample> {
        let lower = samples.partitioningIndex { $0.timestamp >= mint }
        let upper = samples.partitioningIndex { $0.timestamp > maxt }
        return lower < upper ? samples[lower..<upper] : []
    }
}

extension Collection {
    /// The first index whose element satisfies `predicate`, which must be false for a
    /// prefix of the collection and true for the rest.
    func partitioningIndex(where predicate: (Element) -> Bool) -> Index {
        var low = startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let mid = index(low, offsetBy: half)
            if predicate(self[mid]) {
                count = half
            } else {
                low = index(after: mid)
                count -= half + 1
            }
        }
        return low
    }
}
