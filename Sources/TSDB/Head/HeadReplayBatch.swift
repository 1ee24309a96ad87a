/// Sample records read from the WAL, held back so the head can take them grouped by series
/// (``Head/replay(_:window:shards:)``).
///
/// A scrape's record holds one sample of each of its series, so applying records one by one
/// touches a different series at every sample: with 1 M series the head is far larger than the
/// caches, and every sample paid cache misses on its series and on its open chunk's buffer
/// (82 % of replay in the profile of a 100 k-series reopen). Grouped, each series takes all
/// its samples of the batch at once while the head is walked in ref order, and the walk can be
/// split over the cores, since series are independent.
///
/// Grouping is a stable counting sort by ref, so every series still sees its samples in log
/// order: out-of-order and duplicate handling is the same as applying records one by one.
/// Records that are not samples (series, deletions) are applied in log order by the caller;
/// only a deletion needs the batch applied first, because it removes what preceded it.
struct HeadReplayBatch {
    /// Decoded sample records in log order, each with the number of series the head had when
    /// the record was read: a sample for a ref beyond it names a series not (yet) logged and
    /// is skipped, as it was when records were applied one at a time.
    private var records: [(entries: [(ref: SeriesRef, timestamp: Int64, value: Double)], seriesCount: Int)] = []
    /// Kept samples per series index (ref - 1).
    private var counts: [Int32] = []
    /// Samples kept so far.
    private(set) var sampleCount = 0
    /// Samples older than this are in blocks already and are skipped.
    let minTime: Int64
    /// Above this many samples the caller applies the batch: bounds the memory a batch holds
    /// (40 bytes a sample while grouping) while giving each series several samples per pass.
    let limit: Int

    init(minTime: Int64, limit: Int = 4 << 20) {
        self.minTime = minTime
        self.limit = limit
    }

    var isFull: Bool { sampleCount >= limit }
    var isEmpty: Bool { records.isEmpty }

    /// Holds a sample record back; `seriesCount` is the head's series count now.
    mutating func add(_ entries: [(ref: SeriesRef, timestamp: Int64, value: Double)], seriesCount: Int) {
        if counts.count < seriesCount { counts.append(contentsOf: repeatElement(0, count: seriesCount - counts.count)) }
        var kept = 0
        counts.withUnsafeMutableBufferPointer { counts in
            for entry in entries {
                let index = Int(truncatingIfNeeded: entry.ref.rawValue) &- 1
                guard index >= 0 && index < seriesCount && entry.timestamp >= minTime else { continue }
                counts[index] += 1
                kept += 1
            }
        }
        guard kept > 0 else { return }
        records.append((entries, seriesCount))
        sampleCount += kept
    }

    /// Empties the batch into a grouping: where each series' samples go once grouped.
    mutating func take() -> HeadReplayGrouping {
        var starts = [Int](repeating: 0, count: counts.count + 1)
        var total = 0
        for i in counts.indices {
            starts[i] = total
            total += Int(counts[i])
        }
        starts[counts.count] = total
        precondition(total == sampleCount, "replay batch counted \(total) samples, expected \(sampleCount)")
        let grouping = HeadReplayGrouping(records: records, starts: starts, minTime: minTime)
        records = []
        counts.removeAll(keepingCapacity: true)
        sampleCount = 0
        return grouping
    }
}

/// A batch's samples and where they go grouped by series: the samples of series index `i`
/// take `starts[i]..<starts[i + 1]` of the grouped buffer, in log order.
struct HeadReplayGrouping {
    let records: [(entries: [(ref: SeriesRef, timestamp: Int64, value: Double)], seriesCount: Int)]
    let starts: [Int]
    let minTime: Int64

    var sampleCount: Int { starts[starts.count - 1] }

    /// Writes the samples of series indices `indices` to their places in `buffer` (which
    /// has room for ``sampleCount``). Each thread of a replay groups its own range of series,
    /// reading every record but writing only its part of the buffer.
    func group(_ indices: Range<Int>, into buffer: UnsafeMutableBufferPointer<Sample>) {
        guard !indices.isEmpty else { return }
        var next = Array(starts[indices])
        let lower = indices.lowerBound, upper = indices.upperBound
        next.withUnsafeMutableBufferPointer { next in
            for (entries, seriesCount) in records {
                let end = min(upper, seriesCount)
                for entry in entries {
                    let index = Int(truncatingIfNeeded: entry.ref.rawValue) &- 1
                    guard index >= lower && index < end && entry.timestamp >= minTime else { continue }
                    buffer.initializeElement(at: next[index - lower], to: Sample(entry.timestamp, entry.value))
                    next[index - lower] += 1
                }
            }
        }
    }
}
