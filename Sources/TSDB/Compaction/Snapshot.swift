import Foundation
import Synchronization

/// What a snapshot holds.
public struct SnapshotReport: Sendable, Equatable {
    public var directory: String
    public var linkedBlocks: Int
    public var headBlocks: Int
    public var headSamples: Int
}

extension Store {
    /// Writes a self-contained, consistent copy of the store to `directory`: every block is
    /// hard-linked (blocks are immutable, so this costs no space; copied when the target is
    /// on another file system), and the head's samples are written as blocks of their own.
    /// The result is a data directory: `sextant serve --data-dir <directory>` serves it.
    public func snapshot(to directory: String, now: Int64) throws(StorageError) -> SnapshotReport {
        guard !FileManager.default.fileExists(atPath: directory) else {
            throw StorageError("snapshot", path: directory, reason: "already exists")
        }
        try FileIO.makeDirectory(directory + "/blocks")
        let (blocks, head) = state.withLock { state in
            (state.blocks + state.rollups, state.head.samples(from: .min, before: .max))
        }
        for block in blocks {
            let name = URL(fileURLWithPath: block.path).lastPathComponent
            let target = directory + "/blocks/" + name
            try FileIO.makeDirectory(target)
            for file in ["chunks", "index", "meta.json"] {
                if link(block.path + "/" + file, target + "/" + file) != 0 {
                    do {
                        try FileManager.default.copyItem(atPath: block.path + "/" + file, toPath: target + "/" + file)
                    } catch {
                        throw StorageError("snapshot", path: target + "/" + file, reason: "\(error)")
                    }
                }
            }
        }
        var importer = BlockImporter(path: directory, blockRange: options.blockRange)
        for series in head {
            for sample in series.samples {
                // Head labels were validated on the way in; importing cannot refuse them.
                try? importer.add(series.labels, sample)
            }
        }
        let written = try importer.write(now: now)
        FileIO.syncDirectory(directory + "/blocks")
        return SnapshotReport(directory: directory, linkedBlocks: blocks.count, headBlocks: written.count, headSamples: importer.sampleCount)
    }
}
