import Foundation
import Synchronization

/// What a deletion removed.
public struct DeletionReport: Sendable, Equatable {
    public var headSamples = 0
    public var blocksRewritten = 0
    public var blockSamples = 0
}

extension Store {
    /// Deletes the samples in `[mint, maxt]` of every series matching `matchers`, as
    /// Prometheus's `delete_series` does. The head is changed at once and the deletion is
    /// logged so a WAL replay repeats it; blocks holding such samples are rewritten without
    /// them (the new block replaces the old one, which lists it among its sources, so a crash
    /// in between leaves one or the other, never both).
    @discardableResult
    public func deleteSeries(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64, now: Int64) throws(StorageError) -> DeletionReport {
        guard !matchers.isEmpty, mint <= maxt else { return DeletionReport() }
        var report = DeletionReport()
        let blocks: [Block] = try state.withLock { (state) throws(StorageError) -> [Block] in
            guard let wal = state.wal else { throw StorageError("delete", reason: "the store is closed") }
            var writer = ByteWriter(capacity: 256)
            WALRecord.encodeDeletion(matchers, mint: mint, maxt: maxt, into: &writer)
            try wal.log(writer.bytes)
            try wal.sync()
            report.headSamples = state.head.delete(matchers, mint: mint, maxt: maxt)
            return state.blocks.filter { $0.meta.maxTime > mint && $0.meta.minTime <= maxt }
        }
        for block in blocks {
            let affected = block.postings.select(matchers).contains { ref in
                let entry = block.series[Int(ref.rawValue) - 1]
                return entry.labels.matches(matchers) && entry.chunks.contains { $0.maxTime >= mint && $0.minTime <= maxt }
            }
            guard affected else { continue }
            report.blockSamples += try rewrite(block, deleting: matchers, mint: mint, maxt: maxt, now: now)
            report.blocksRewritten += 1
        }
        // Rollups of rewritten blocks still hold the deleted samples.
        if report.blocksRewritten > 0 { pruneOrphanRollups() }
        return report
    }

    /// Writes `block` again without the deleted samples; returns how many were dropped.
    private func rewrite(_ block: Block, deleting matchers: [LabelMatcher], mint: Int64, maxt: Int64, now: Int64) throws(StorageError) -> Int {
        var dropped = 0
        var series: [(labels: Labels, chunks: [EncodedChunk])] = []
        for entry in block.series {
            let chunks = try block.chunks(of: entry, mint: .min, maxt: .max)
            guard entry.labels.matches(matchers), entry.chunks.contains(where: { $0.maxTime >= mint && $0.minTime <= maxt }) else {
                series.append((entry.labels, chunks))
                continue
            }
            var cursor = SampleCursor(chunks: chunks, tail: [], mint: .min, maxt: .max)
            let all = cursor.collect()
            let keep = all.filter { $0.timestamp < mint || $0.timestamp > maxt }
            dropped += all.count - keep.count
            if !keep.isEmpty { series.append((entry.labels, Self.encode(keep))) }
        }
        var generator = SystemRandomNumberGenerator()
        let ulid = ULID.make(milliseconds: UInt64(max(now, 0)), random: &generator)
        let meta = try BlockWriter(directory: blocksDirectory).write(
            series: series, minTime: block.meta.minTime, maxTime: block.meta.maxTime,
            level: block.meta.compaction.level, sources: block.meta.compaction.sources + [block.meta.ulid], ulid: ulid
        )
        let replacement: Block
        do { replacement = try Block(path: blocksDirectory + "/" + meta.ulid) } catch {
            throw StorageError("open rewritten block", path: blocksDirectory + "/" + meta.ulid, reason: error.reason)
        }
        state.withLock { state in
            state.blocks.removeAll { $0 === block }
            state.blocks.append(replacement)
            state.blocks.sort { $0.meta.minTime < $1.meta.minTime }
        }
        try? FileManager.default.removeItem(atPath: block.path)
        return dropped
    }
}
