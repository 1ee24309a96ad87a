import Foundation
import Synchronization

extension Store {
    /// Writes the rollups that have come due: for every raw block whose data ends more than a
    /// level's age before the newest sample, a block of that level's windows (see
    /// ``RollupRequest``) holding each series' min, max, sum, count and last per window, as
    /// series of their own told apart by the `__rollup__` label. Rollups whose raw block is gone
    /// (merged, rewritten by a deletion, expired) are deleted first.
    func downsample(report: inout CompactionReport) throws(StorageError) {
        pruneOrphanRollups()
        guard !options.downsampling.isEmpty else { return }
        let (blocks, rollups, newest) = state.withLock { state in
            (state.blocks, state.rollups, Swift.max(state.blocks.map { $0.meta.maxTime - 1 }.max() ?? .min, state.head.timeRange?.max ?? .min))
        }
        guard newest != .min else { return }
        let existing = Set(rollups.map { RollupKey(parent: $0.meta.parent ?? "", resolution: $0.meta.resolution) })
        for level in options.downsampling where level.resolution > 0 {
            for block in blocks where block.meta.maxTime <= newest - level.after {
                guard !existing.contains(RollupKey(parent: block.meta.ulid, resolution: level.resolution)) else { continue }
                try writeRollup(of: block, resolution: level.resolution)
                report.rollupsWritten += 1
            }
        }
    }

    private struct RollupKey: Hashable {
        var parent: String
        var resolution: Int64
    }

    private func writeRollup(of block: Block, resolution: Int64) throws(StorageError) {
        var series: [(labels: Labels, chunks: [EncodedChunk])] = []
        series.reserveCapacity(block.series.count * RollupAggregate.allCases.count)
        for entry in block.series {
            var cursor = SampleCursor(chunks: try block.chunks(of: entry, mint: .min, maxt: .max), tail: [], mint: .min, maxt: .max)
            let samples = cursor.collect()
            if let error = cursor.error {
                throw StorageError("downsample", path: block.path, reason: "series \(entry.labels): \(error)")
            }
            let windows = RollupWindows(samples, resolution: resolution)
            guard !windows.timestamps.isEmpty else { continue }
            for aggregate in RollupAggregate.allCases {
                series.append((entry.labels.setting(RollupAggregate.label, to: aggregate.rawValue), Self.encode(windows.samples(aggregate))))
            }
        }
        series.sort { $0.labels < $1.labels }
        var generator = SystemRandomNumberGenerator()
        let ulid = ULID.make(milliseconds: UInt64(Swift.max(block.meta.maxTime, 0)), random: &generator)
        let meta = try BlockWriter(directory: blocksDirectory).write(
            series: series, minTime: block.meta.minTime, maxTime: block.meta.maxTime, level: block.meta.compaction.level,
            resolution: resolution, parent: block.meta.ulid, ulid: ulid
        )
        let rollup: Block
        do { rollup = try Block(path: blocksDirectory + "/" + meta.ulid) } catch {
            throw StorageError("open rollup", path: blocksDirectory + "/" + meta.ulid, reason: error.reason)
        }
        let kept = state.withLock { state in
            // The parent may have been replaced while this was written (a deletion).
            guard state.blocks.contains(where: { $0.meta.ulid == block.meta.ulid }) else { return false }
            state.rollups.append(rollup)
            state.rollups.sort { ($0.meta.minTime, $0.meta.resolution) < ($1.meta.minTime, $1.meta.resolution) }
            return true
        }
        if !kept { try? FileManager.default.removeItem(atPath: rollup.path) }
    }

    /// Deletes the rollups whose raw block is no longer in the store.
    func pruneOrphanRollups() {
        let orphans: [Block] = state.withLock { state in
            let parents = Set(state.blocks.map(\.meta.ulid))
            let orphans = state.rollups.filter { !parents.contains($0.meta.parent ?? "") }
            state.rollups.removeAll { !parents.contains($0.meta.parent ?? "") }
            return orphans
        }
        for rollup in orphans { try? FileManager.default.removeItem(atPath: rollup.path) }
    }

    /// `rollups` without those whose parent is not among `parents` (their directories are
    /// deleted): left by a crash between replacing a raw block and deleting its rollups.
    static func withoutOrphans(_ rollups: [Block], parents: [Block]) -> [Block] {
        let ulids = Set(parents.map(\.meta.ulid))
        var kept: [Block] = []
        for rollup in rollups {
            if ulids.contains(rollup.meta.parent ?? "") {
                kept.append(rollup)
            } else {
                try? FileManager.default.removeItem(atPath: rollup.path)
            }
        }
        return kept.sorted { ($0.meta.minTime, $0.meta.resolution) < ($1.meta.minTime, $1.meta.resolution) }
    }
}
