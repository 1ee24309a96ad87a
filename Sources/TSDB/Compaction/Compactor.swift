import Foundation
import Logging
import Synchronization

/// What one compaction pass did.
public struct CompactionReport: Sendable, Equatable {
    public var headBlocksCut = 0
    public var blocksMerged = 0
    public var blocksDeletedByRetention = 0
    public var walSegmentsFolded = 0
    public var samplesDeletedByRetentionRules = 0
    public var rollupsWritten = 0
}

extension Store {
    /// Samples per chunk when the head is cut into blocks (and when imported or re-encoded):
    /// one chunk per series per 2 h block at a 15 s interval. Four times Prometheus's 120,
    /// which the head keeps: a query pays per chunk, and larger chunks compress better.
    static let samplesPerChunk = 480

    /// One pass of background maintenance: cut full block ranges out of the head (then fold
    /// the WAL they came from into a checkpoint), merge adjacent blocks into larger ranges,
    /// and apply retention. `now` is the wall clock in ms; `force` cuts everything the head
    /// holds (for `sextant tsdb compact`, with no server running).
    @discardableResult
    public func compact(now: Int64, force: Bool = false) throws(StorageError) -> CompactionReport {
        let alreadyRunning = compacting.withLock { running in
            defer { running = true }
            return running
        }
        if alreadyRunning { return CompactionReport() }
        defer { compacting.withLock { $0 = false } }
        var report = CompactionReport()
        let start = ContinuousClock.now
        do {
            state.withLock { $0.head.startCompaction() }
            while try cutHead(now: now, force: force, report: &report) {}
            try mergeBlocks(now: now, report: &report)
            try applyRetention(report: &report)
            try applyRetentionRules(now: now, report: &report)
            try downsample(report: &report)
        } catch {
            // What finished before the error is on disk and counted.
            let seconds = Self.seconds(ContinuousClock.now - start)
            state.withLock { state in
                state.compaction.add(report)
                state.compaction.failed += 1
                state.compaction.recordDuration(seconds)
            }
            throw error
        }
        if report != CompactionReport() {
            let seconds = Self.seconds(ContinuousClock.now - start)
            state.withLock { state in
                state.compaction.add(report)
                state.compaction.passes += 1
                state.compaction.recordDuration(seconds)
            }
            logger.info("compaction", metadata: [
                "cut": "\(report.headBlocksCut)", "merged": "\(report.blocksMerged)",
                "retention_deleted": "\(report.blocksDeletedByRetention)", "wal_segments_folded": "\(report.walSegmentsFolded)",
                "rollups_written": "\(report.rollupsWritten)",
            ])
        }
        return report
    }

    /// Cuts the oldest block range out of the head once the head spans 1.5 ranges past its
    /// start, so the cut range is at least half a range in the past. Returns whether it cut.
    private func cutHead(now: Int64, force: Bool, report: inout CompactionReport) throws(StorageError) -> Bool {
        let range = options.blockRange
        let snapshot: (lo: Int64, hi: Int64, minValidTime: Int64, series: [(labels: Labels, samples: [Sample])])? = state.withLock { state in
            guard state.wal != nil, let span = state.head.timeRange else { return nil }
            let lo = Self.alignDown(max(span.min, state.head.minValidTime), to: range)
            let hi = lo + range
            guard force || span.max - lo >= range * 3 / 2 else { return nil }
            let before = state.head.minValidTime
            // From here on, samples for the cut range are too old: they would land in a head
            // range that is already on disk.
            state.head.minValidTime = max(state.head.minValidTime, hi)
            return (lo, hi, before, state.head.samples(from: lo, before: hi))
        }
        guard let snapshot else { return false }
        do {
            if try writeBlock(snapshot.series, lo: snapshot.lo, hi: snapshot.hi, now: now) { report.headBlocksCut += 1 }
        } catch {
            // The range stays in the head, open again, for the next pass to cut: had the
            // head moved on, a later cut would truncate it without it being on disk.
            state.withLock { state in
                if state.head.minValidTime == snapshot.hi { state.head.minValidTime = snapshot.minValidTime }
            }
            throw error
        }
        let fold: (segment: Int, live: [(ref: SeriesRef, labels: Labels)])? = try state.withLock { (state) throws(StorageError) in
            state.head.truncate(before: snapshot.hi)
            guard let wal = state.wal else { return nil }
            return (try wal.roll(), state.head.liveSeries)
        }
        if let fold {
            report.walSegmentsFolded += try WAL.checkpoint(directory: walDirectory, below: fold.segment, keepFrom: snapshot.hi, liveSeries: fold.live).removedSegments
        }
        return true
    }

    /// Writes a cut range of the head as a block and opens it for queries; false when the
    /// range held no series.
    private func writeBlock(_ cut: [(labels: Labels, samples: [Sample])], lo: Int64, hi: Int64, now: Int64) throws(StorageError) -> Bool {
        guard !cut.isEmpty else { return false }
        var series: [(labels: Labels, chunks: [EncodedChunk])] = []
        series.reserveCapacity(cut.count)
        for s in cut {
            series.append((s.labels, Self.encode(s.samples)))
        }
        var generator = SystemRandomNumberGenerator()
        let ulid = ULID.make(milliseconds: UInt64(max(now, 0)), random: &generator)
        let meta = try BlockWriter(directory: blocksDirectory).write(series: series, minTime: lo, maxTime: hi, ulid: ulid)
        let block: Block
        do { block = try Block(path: blocksDirectory + "/" + meta.ulid) } catch {
            throw StorageError("open new block", path: blocksDirectory + "/" + meta.ulid, reason: error.reason)
        }
        state.withLock { $0.blocks.append(block) }
        return true
    }

    /// Merges blocks that together fill one aligned compaction range.
    private func mergeBlocks(now: Int64, report: inout CompactionReport) throws(StorageError) {
        for range in options.compactionRanges {
            let blocks = state.withLock { $0.blocks }
            let newest = blocks.map(\.meta.maxTime).max() ?? .min
            let groups = Dictionary(grouping: blocks) { Self.alignDown($0.meta.minTime, to: range) }
            for (start, group) in groups.sorted(by: { $0.key < $1.key }) {
                let end = start + range
                guard group.count > 1, end <= newest, group.allSatisfy({ $0.meta.maxTime <= end && $0.meta.resolution == 0 }) else { continue }
                try merge(group.sorted { $0.meta.minTime < $1.meta.minTime }, now: now)
                report.blocksMerged += group.count
            }
        }
    }

    private func merge(_ blocks: [Block], now: Int64) throws(StorageError) {
        var bySeries: [Labels: [EncodedChunk]] = [:]
        for block in blocks {
            for entry in block.series {
                bySeries[entry.labels, default: []].append(contentsOf: try block.chunks(of: entry, mint: .min, maxt: .max))
            }
        }
        let series = bySeries.map { (labels: $0.key, chunks: Self.nonOverlapping($0.value)) }.sorted { $0.labels < $1.labels }
        var generator = SystemRandomNumberGenerator()
        let ulid = ULID.make(milliseconds: UInt64(max(now, 0)), random: &generator)
        let meta = try BlockWriter(directory: blocksDirectory).write(
            series: series, minTime: blocks.map(\.meta.minTime).min()!, maxTime: blocks.map(\.meta.maxTime).max()!,
            level: (blocks.map(\.meta.compaction.level).max() ?? 1) + 1,
            sources: Array(Set(blocks.flatMap(\.meta.compaction.sources))).sorted(), ulid: ulid
        )
        let merged: Block
        do { merged = try Block(path: blocksDirectory + "/" + meta.ulid) } catch {
            throw StorageError("open merged block", path: blocksDirectory + "/" + meta.ulid, reason: error.reason)
        }
        let replaced = Set(blocks.map(\.meta.ulid))
        state.withLock { state in
            state.blocks.removeAll { replaced.contains($0.meta.ulid) }
            state.blocks.append(merged)
            state.blocks.sort { $0.meta.minTime < $1.meta.minTime }
        }
        for block in blocks { try? FileManager.default.removeItem(atPath: block.path) }
    }

    /// Deletes whole blocks older than the retention time (measured from the newest data)
    /// and, with a size limit, the oldest blocks until the rest fit.
    private func applyRetention(report: inout CompactionReport) throws(StorageError) {
        let doomed: [Block] = state.withLock { state in
            let newest = max(state.blocks.map(\.meta.maxTime).max() ?? .min, state.head.timeRange?.max ?? .min)
            var doomed = state.blocks.filter { newest != .min && $0.meta.maxTime <= newest - options.retention }
            if options.retentionSize > 0 {
                // A block's rollups go with it, so they count with it.
                func size(_ block: Block) -> Int {
                    state.rollups.reduce(block.sizeOnDisk) { $1.meta.parent == block.meta.ulid ? $0 + $1.sizeOnDisk : $0 }
                }
                var total = (state.blocks + state.rollups).reduce(0) { $0 + $1.sizeOnDisk } + (state.wal?.size() ?? 0)
                for block in state.blocks where total > options.retentionSize {
                    if !doomed.contains(where: { $0 === block }) { doomed.append(block) }
                    total -= size(block)
                }
            }
            state.blocks.removeAll { block in doomed.contains { $0 === block } }
            return doomed
        }
        for block in doomed { try? FileManager.default.removeItem(atPath: block.path) }
        report.blocksDeletedByRetention += doomed.count
    }

    /// Chunks in time order; where some overlap (imported or out-of-order data), all are
    /// decoded, merged one sample per timestamp, and encoded again.
    static func nonOverlapping(_ chunks: [EncodedChunk]) -> [EncodedChunk] {
        let sorted = chunks.sorted { $0.minTime < $1.minTime }
        guard StoreQuerier.overlaps([sorted], tail: []) else { return sorted }
        var cursor = SampleCursor.merging(sorted.map { [$0] }, tail: [], mint: .min, maxt: .max)
        return encode(cursor.collect())
    }

    /// Samples (time-ordered) as chunks of ``samplesPerChunk``, each in its best encoding.
    static func encode(_ samples: [Sample]) -> [EncodedChunk] {
        var chunks: [EncodedChunk] = []
        var start = 0
        while start < samples.count {
            let end = min(start + samplesPerChunk, samples.count)
            chunks.append(ChunkEncoder.encode(Array(samples[start..<end])))
            start = end
        }
        return chunks
    }

    /// Per-series retention: deletes what each rule's series hold beyond its retention,
    /// measured from the newest sample in the store (as time retention is).
    private func applyRetentionRules(now: Int64, report: inout CompactionReport) throws(StorageError) {
        guard !options.retentionRules.isEmpty else { return }
        let newest: Int64 = state.withLock { state in
            max(state.blocks.map { $0.meta.maxTime - 1 }.max() ?? .min, state.head.timeRange?.max ?? .min)
        }
        guard newest != .min else { return }
        for rule in options.retentionRules {
            let horizon = newest - rule.retention
            // Only when something is there to delete: each deletion is logged.
            let oldest: Int64? = try? querier().select(rule.matchers, mint: .min, maxt: horizon, hints: SelectHints(seriesOnly: true)).isEmpty
                ? nil : horizon
            guard let oldest else { continue }
            let deleted = try deleteSeries(rule.matchers, mint: .min, maxt: oldest, now: now)
            report.samplesDeletedByRetentionRules += deleted.headSamples + deleted.blockSamples
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        let (s, atto) = duration.components
        return Double(s) + Double(atto) / 1e18
    }

    static func alignDown(_ t: Int64, to range: Int64) -> Int64 {
        let r = t % range
        return r >= 0 ? t - r : t - r - range
    }
}
