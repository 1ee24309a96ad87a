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
        // Per series (first seen order): labels, ref, chunks per source in time order, which
        // sources are rollups, out-of-order head samples. One hash lookup per source and series.
        var index: [Labels: Int] = [:]
        var entries: [MergedSeries] = []
        if let first = blocks.first { index.reserveCapacity(first.block.series.count + headSeries.count) }
        func entry(_ labels: Labels) -> Int {
            if let i = index[labels] { return i }
            index[labels] = entries.count
            entries.append(MergedSeries(labels: labels))
            return entries.count - 1
        }
        for (block, isRollup) in blocks {
            // The series of one target share their timestamp columns: each decoded once.
            let sharing = SharedTimestampDecoding.Table()
            let blockMatchers = isRollup ? matchers + [.equal(RollupAggregate.label, rollup!.aggregate.rawValue)] : matchers
            for ref in block.postings.select(blockMatchers) {
                let series = block.series[Int(ref.rawValue) - 1]
                guard series.labels.matches(blockMatchers) else { continue }
                let overlapping = series.chunks.contains { $0.maxTime >= mint && $0.minTime <= maxt }
                guard overlapping else { continue }
                let chunks = hints.seriesOnly ? [] : try block.chunks(of: series, mint: mint, maxt: maxt, sharing: sharing)
                let i = entry(isRollup ? series.labels.setting(RollupAggregate.label, to: "") : series.labels)
                entries[i].chunks.append(chunks)
                entries[i].rolled.append(isRollup)
            }
        }
        for part in headSeries {
            let i = entry(part.labels)
            entries[i].ref = part.ref
            entries[i].chunks.append(part.chunks)
            entries[i].rolled.append(false)
            entries[i].tail = part.outOfOrder
        }
        // Every entry has data in range: each was made for a source that has some.
        let order = entries.indices.sorted { entries[$0].labels < entries[$1].labels }
        var out: [StoredSeries] = []
        out.reserveCapacity(entries.count)
        for i in order {
            let readsRollups = entries[i].rolled.contains(true)
            let cursor: SampleCursor
            if readsRollups, rollup?.aggregate == .count, entries[i].rolled.contains(false) || !entries[i].tail.isEmpty {
                cursor = Self.counting(entries[i].chunks, rolled: entries[i].rolled, tail: entries[i].tail, mint: mint, maxt: maxt)
            } else if Self.overlaps(entries[i].chunks, tail: entries[i].tail) {
                cursor = .merging(entries[i].chunks, tail: entries[i].tail, mint: mint, maxt: maxt)
            } else {
                // The sources moved out, not copied, so that the first one's chunks are not
                // retained again; only the others' are copied in behind them.
                var sources = entries[i].chunks
                entries[i].chunks = []
                var chunks = sources.removeFirst()
                for source in sources { chunks.append(contentsOf: source) }
                cursor = SampleCursor(chunks: chunks, tail: entries[i].tail, mint: mint, maxt: maxt)
            }
            out.append(StoredSeries(ref: entries[i].ref, labels: entries[i].labels, samples: cursor, readsRollups: readsRollups))
        }
        return out
    }

    /// One series of a selection as its sources contribute it.
    private struct MergedSeries {
        let labels: Labels
        var ref = SeriesRef.unknown
        var chunks: [[EncodedChunk]] = []
        var rolled: [Bool] = []
        var tail: ArraySlice<Sample> = []
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
