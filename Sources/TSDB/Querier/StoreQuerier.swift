import Synchronization

/// Reads committed data from a ``Store``. Each call copies what it selects out of the head
/// under the lock, so the result stays valid while ingestion goes on.
public struct StoreQuerier: Querier {
    let store: Store

    public func select(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64, hints: SelectHints) throws(StorageError) -> [StoredSeries] {
        let selected: [StoredSeries] = store.state.withLock { state in
            state.head.postings.select(matchers).compactMap { ref in
                guard let series = state.head[ref], !series.labels.isEmpty, series.labels.matches(matchers) else { return nil }
                let samples = hints.seriesOnly ? [] : series.samples(from: mint, through: maxt)
                if samples.isEmpty {
                    // A series with no samples in range is not part of the answer, unless only
                    // labels were asked for and it has data in the range at all.
                    guard hints.seriesOnly, let first = series.samples.first, let last = series.samples.last,
                          first.timestamp <= maxt, last.timestamp >= mint else { return nil }
                }
                return StoredSeries(ref: ref, labels: series.labels, samples: SampleCursor(ArraySlice(Array(samples))))
            }
        }
        return selected.sorted { $0.labels < $1.labels }
    }

    public func labelNames(matching matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws(StorageError) -> [String] {
        let series = try select(matchers, mint: mint, maxt: maxt, hints: SelectHints(seriesOnly: true))
        return Set(series.flatMap { $0.labels.map(\.name) }).sorted()
    }

    public func labelValues(_ name: String, matching matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws(StorageError) -> [String] {
        let series = try select(matchers, mint: mint, maxt: maxt, hints: SelectHints(seriesOnly: true))
        return Set(series.compactMap { $0.labels[name] }).sorted()
    }
}

extension Array: SeriesSet where Element == StoredSeries {}
