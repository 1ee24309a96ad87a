import Synchronization

/// Reads committed data from a ``Store``: the blocks that overlap the range and the head.
/// Each call copies what it selects out of the store under the lock, so the result stays
/// valid while ingestion and compaction go on.
public struct StoreQuerier: Querier {
    let store: Store

    public func select(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64, hints: SelectHints) throws(StorageError) -> [StoredSeries] {
        typealias HeadPart = (ref: SeriesRef, labels: Labels, chunks: [EncodedChunk], outOfOrder: ArraySlice<Sample>)
        let (blocks, headSeries): ([Block], [HeadPart]) = store.state.withLock { state in
            let blocks = state.blocks.filter { $0.meta.maxTime > mint && $0.meta.minTime <= maxt }
            let head = state.head.postings.select(matchers).compactMap { ref -> HeadPart? in
                guard let series = state.head[ref], !series.labels.isEmpty, series.labels.matches(matchers) else { return nil }
                if hints.seriesOnly {
                    return series.hasSamples(from: mint, through: maxt) ? (ref, series.labels, [], []) : nil
                }
                let (chunks, ooo) = series.read(from: mint, through: maxt)
                return chunks.isEmpty && ooo.isEmpty ? nil : (ref, series.labels, chunks, ooo)
            }
            return (blocks, head)
        }
        // Labels → (ref, chunks per source in time order, out-of-order head samples, has data in range).
        var merged: [Labels: (ref: SeriesRef, chunks: [[EncodedChunk]], tail: ArraySlice<Sample>, hasData: Bool)] = [:]
        for block in blocks {
            for ref in block.postings.select(matchers) {
                let entry = block.series[Int(ref.rawValue) - 1]
                guard entry.labels.matches(matchers) else { continue }
                let overlapping = entry.chunks.contains { $0.maxTime >= mint && $0.minTime <= maxt }
                guard overlapping else { continue }
                let chunks = hints.seriesOnly ? [] : try block.chunks(of: entry, mint: mint, maxt: maxt)
                merged[entry.labels, default: (.unknown, [], [], false)].chunks.append(chunks)
                merged[entry.labels]!.hasData = true
            }
        }
        for part in headSeries {
            merged[part.labels, default: (.unknown, [], [], false)].ref = part.ref
            merged[part.labels]!.chunks.append(part.chunks)
            merged[part.labels]!.tail = part.outOfOrder
            merged[part.labels]!.hasData = true
        }
        var out: [StoredSeries] = []
        out.reserveCapacity(merged.count)
        for (labels, entry) in merged where entry.hasData {
            let cursor: SampleCursor
            if Self.overlaps(entry.chunks, tail: entry.tail) {
                cursor = .merging(entry.chunks, tail: entry.tail, mint: mint, maxt: maxt)
            } else {
                cursor = SampleCursor(chunks: entry.chunks.flatMap { $0 }, tail: entry.tail, mint: mint, maxt: maxt)
            }
            out.append(StoredSeries(ref: entry.ref, labels: labels, samples: cursor))
        }
        return out.sorted { $0.labels < $1.labels }
    }

    /// Whether consecutive sources (each block's chunks, then the head) overlap in time.
    static func overlaps(_ chunks: [[EncodedChunk]], tail: ArraySlice<Sample>) -> Bool {
        var lastEnd = Int64.min
        for source in chunks {
            for chunk in source {
                if chunk.minTime <= lastEnd { return true }
                lastEnd = chunk.maxTime
            }
        }
        if let first = tail.first, first.timestamp <= lastEnd { return true }
        return false
    }

    public func labelNames(matching matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws(StorageError) -> [String] {
        let series = try select(matchers, mint: mint, maxt: maxt, hints: SelectHints(seriesOnly: true))
        return series.flatMap { $0.labels.map(\.name) }.uniqueByteSorted()
    }

    public func labelValues(_ name: String, matching matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws(StorageError) -> [String] {
        let series = try select(matchers, mint: mint, maxt: maxt, hints: SelectHints(seriesOnly: true))
        return series.compactMap { $0.labels[name] }.uniqueByteSorted()
    }
}

extension Array: SeriesSet where Element == StoredSeries {}
