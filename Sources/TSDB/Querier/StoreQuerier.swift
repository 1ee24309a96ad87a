import Synchronization

/// Reads committed data from a ``Store``: the blocks that overlap the range and the head.
/// Each call copies what it selects out of the store under the lock, so the result stays
/// valid while ingestion and compaction go on.
public struct StoreQuerier: Querier {
    let store: Store

    public func select(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64, hints: SelectHints) throws(StorageError) -> [StoredSeries] {
        typealias HeadPart = (ref: SeriesRef, labels: Labels, chunks: [EncodedChunk], outOfOrder: ArraySlice<Sample>)
        let rollup = hints.seriesOnly ? nil : hints.rollup
        let (blocks, headSeries): ([(block: Block, isRollup: Bool)], [HeadPart]) = store.state.withLock { state in
            let blocks = state.blocks.filter { $0.meta.maxTime > mint && $0.meta.minTime <= maxt }.map { block -> (block: Block, isRollup: Bool) in
                if let stand = Self.rollup(standingFor: block, among: state, request: rollup) { return (stand, true) }
                return (block, false)
            }
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
        // Labels → (ref, chunks per source in time order, which sources are rollups, out-of-order
        // head samples, has data in range).
        var merged: [Labels: (ref: SeriesRef, chunks: [[EncodedChunk]], rolled: [Bool], tail: ArraySlice<Sample>, hasData: Bool)] = [:]
        for (block, isRollup) in blocks {
            let blockMatchers = isRollup ? matchers + [.equal(RollupAggregate.label, rollup!.aggregate.rawValue)] : matchers
            for ref in block.postings.select(blockMatchers) {
                let entry = block.series[Int(ref.rawValue) - 1]
                guard entry.labels.matches(blockMatchers) else { continue }
                let overlapping = entry.chunks.contains { $0.maxTime >= mint && $0.minTime <= maxt }
                guard overlapping else { continue }
                let chunks = hints.seriesOnly ? [] : try block.chunks(of: entry, mint: mint, maxt: maxt)
                let labels = isRollup ? entry.labels.setting(RollupAggregate.label, to: "") : entry.labels
                merged[labels, default: (.unknown, [], [], [], false)].chunks.append(chunks)
                merged[labels]!.rolled.append(isRollup)
                merged[labels]!.hasData = true
            }
        }
        for part in headSeries {
            merged[part.labels, default: (.unknown, [], [], [], false)].ref = part.ref
            merged[part.labels]!.chunks.append(part.chunks)
            merged[part.labels]!.rolled.append(false)
            merged[part.labels]!.tail = part.outOfOrder
            merged[part.labels]!.hasData = true
        }
        var out: [StoredSeries] = []
        out.reserveCapacity(merged.count)
        for (labels, entry) in merged where entry.hasData {
            let readsRollups = entry.rolled.contains(true)
            let cursor: SampleCursor
            if readsRollups, rollup?.aggregate == .count, entry.rolled.contains(false) || !entry.tail.isEmpty {
                cursor = Self.counting(entry.chunks, rolled: entry.rolled, tail: entry.tail, mint: mint, maxt: maxt)
            } else if Self.overlaps(entry.chunks, tail: entry.tail) {
                cursor = .merging(entry.chunks, tail: entry.tail, mint: mint, maxt: maxt)
            } else {
                cursor = SampleCursor(chunks: entry.chunks.flatMap { $0 }, tail: entry.tail, mint: mint, maxt: maxt)
            }
            out.append(StoredSeries(ref: entry.ref, labels: labels, samples: cursor, readsRollups: readsRollups))
        }
        return out.sorted { $0.labels < $1.labels }
    }

    /// The rollup to read in `block`'s place for `request`: the coarsest one of the block
    /// whose windows divide the requested alignment. None when the block overlaps another
    /// (imported data), since windows then no longer hold every sample of their time.
    static func rollup(standingFor block: Block, among state: borrowing Store.State, request: RollupRequest?) -> Block? {
        guard let request, request.resolution > 0 else { return nil }
        var best: Block?
        for candidate in state.rollups where candidate.meta.parent == block.meta.ulid && request.resolution % candidate.meta.resolution == 0 {
            if candidate.meta.resolution > best?.meta.resolution ?? 0 { best = candidate }
        }
        guard let best else { return nil }
        let overlapped = state.blocks.contains { $0 !== block && $0.meta.minTime < block.meta.maxTime && block.meta.minTime < $0.meta.maxTime }
        return overlapped ? nil : best
    }

    /// For ``RollupAggregate/count`` over rollup windows and raw samples together: every raw
    /// sample becomes a count of 1 (stale markers stay, for the reader to drop), so that all
    /// the values add up to the number of samples.
    static func counting(_ sources: [[EncodedChunk]], rolled: [Bool], tail: ArraySlice<Sample>, mint: Int64, maxt: Int64) -> SampleCursor {
        var all: [Sample] = []
        var error: ChunkError?
        for (chunks, isRollup) in zip(sources, rolled) {
            var cursor = SampleCursor(chunks: chunks, tail: [], mint: mint, maxt: maxt)
            while let s = cursor.next() {
                all.append(isRollup || StaleMarker.isStale(s.value) ? s : Sample(s.timestamp, 1))
            }
            if let e = cursor.error { error = e }
        }
        for s in tail where s.timestamp >= mint && s.timestamp <= maxt {
            all.append(StaleMarker.isStale(s.value) ? s : Sample(s.timestamp, 1))
        }
        // Sources come in time order; only out-of-order head samples need sorting (stable, so
        // the later of two samples at one time wins, as in `merging`).
        if zip(all, all.dropFirst()).contains(where: { $0.timestamp > $1.timestamp }) {
            all = all.enumerated().sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }.map(\.element)
        }
        var unique: [Sample] = []
        unique.reserveCapacity(all.count)
        for s in all {
            if unique.last?.timestamp == s.timestamp { unique[unique.count - 1] = s } else { unique.append(s) }
        }
        return SampleCursor(unique[...], error: error)
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
