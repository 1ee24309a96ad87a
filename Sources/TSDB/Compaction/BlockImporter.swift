import Foundation

/// Writes historical samples straight into blocks, one per aligned block range, bypassing
/// the head and the WAL: the backfill `sextant tsdb import` does (Prometheus's `promtool
/// tsdb create-blocks-from`). Imported blocks may overlap existing data; readers and
/// compaction merge overlaps one sample per timestamp.
public struct BlockImporter {
    public let path: String
    public let blockRange: Int64
    private var series: [Labels: [Sample]] = [:]
    public private(set) var sampleCount = 0

    public init(path: String, blockRange: Int64 = 2 * 3_600_000) {
        self.path = path
        self.blockRange = blockRange
    }

    public mutating func add(_ labels: Labels, _ sample: Sample) throws(AppendError) {
        if series[labels] == nil {
            do throws(LabelError) { _ = try labels.validated() } catch { throw .invalidLabels(labels, error) }
        }
        series[labels, default: []].append(sample)
        sampleCount += 1
    }

    /// Writes the blocks; returns their metadata, oldest first.
    public func write(now: Int64) throws(StorageError) -> [BlockMeta] {
        try FileIO.makeDirectory(path + "/blocks")
        var byRange: [Int64: [(labels: Labels, chunks: [EncodedChunk])]] = [:]
        for (labels, samples) in series {
            // Sort, and keep the last value given for a repeated timestamp.
            let sorted = samples.enumerated().sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }.map(\.element)
            var unique: [Sample] = []
            unique.reserveCapacity(sorted.count)
            for s in sorted {
                if unique.last?.timestamp == s.timestamp { unique[unique.count - 1] = s } else { unique.append(s) }
            }
            var start = 0
            while start < unique.count {
                let lo = Store.alignDown(unique[start].timestamp, to: blockRange)
                let end = unique[start...].partitioningIndex { $0.timestamp >= lo + blockRange }
                byRange[lo, default: []].append((labels, Store.encode(Array(unique[start..<end]))))
                start = end
            }
        }
        var metas: [BlockMeta] = []
        var generator = SystemRandomNumberGenerator()
        for (lo, entries) in byRange.sorted(by: { $0.key < $1.key }) {
            let ulid = ULID.make(milliseconds: UInt64(max(now, 0)), random: &generator)
            metas.append(try BlockWriter(directory: path + "/blocks").write(
                series: entries.sorted { $0.labels < $1.labels }, minTime: lo, maxTime: lo + blockRange, ulid: ulid
            ))
        }
        return metas
    }
}
