import Synchronization

/// How much storing each distinct timestamp column once saves over block format version 1.
///
/// Series scraped together share their timestamps, so their chunks carry the same timestamp
/// column. The "shared" figures re-lay each block's chunks with every distinct column (same
/// bytes, same time range, same count) kept once and a 4-byte reference in its place, then
/// compress both layouts in pages as version 1 blocks were written (256 KiB, zstd level 3).
/// `xor` chunks, whose timestamps are interleaved with the values bit by bit, stay as they
/// are in both. This was the measurement behind format version 2 (``BlockFormat``), which now
/// writes such a layout; it reads version 1 and 2 blocks alike (chunks come back whole).
public struct TimestampSharing: Codable, Sendable, Equatable {
    public var samples = 0
    /// Encoded chunk bytes before compression, and the timestamp columns' part of them.
    public var chunkBytes = 0
    public var timestampBytes = 0
    /// Timestamp column bytes if each distinct column were stored once per block.
    public var distinctTimestampBytes = 0
    /// Chunk pages compressed as version 1 blocks stored them, and with shared timestamp columns.
    public var compressedBytes = 0
    public var sharedCompressedBytes = 0

    public var bytesPerSample: Double { samples == 0 ? 0 : Double(compressedBytes) / Double(samples) }
    public var sharedBytesPerSample: Double { samples == 0 ? 0 : Double(sharedCompressedBytes) / Double(samples) }
}

extension StoreAnalysis {
    /// Measures ``TimestampSharing`` over the raw blocks of the store at `path`.
    public static func timestampSharing(path: String) throws(StorageError) -> TimestampSharing {
        let store = try Store(options: StoreOptions(path: path, walSync: .none))
        defer { try? store.close() }
        var result = TimestampSharing()
        for block in store.state.withLock({ $0.blocks }) {
            try measure(block, into: &result)
        }
        return result
    }

    private struct ColumnKey: Hashable {
        var minTime: Int64
        var maxTime: Int64
        var count: Int
        var bytes: ArraySlice<UInt8>
    }

    private static func measure(_ block: Block, into result: inout TimestampSharing) throws(StorageError) {
        var plain = PageCompressor(), shared = PageCompressor()
        var seen: [ColumnKey: Int] = [:]
        var scratch: [Int64] = []
        for entry in block.series {
            for chunk in try block.chunks(of: entry, mint: .min, maxt: .max) {
                result.samples += chunk.count
                result.chunkBytes += chunk.bytes.count
                plain.add(chunk.bytes[...])
                guard let end = SharedTimestamps.columnEnd(chunk, scratch: &scratch) else {
                    shared.add(chunk.bytes[...])
                    continue
                }
                let column = chunk.bytes[1..<end]
                result.timestampBytes += column.count
                let key = ColumnKey(minTime: chunk.minTime, maxTime: chunk.maxTime, count: chunk.count, bytes: column)
                if let index = seen[key] {
                    shared.add(chunk.bytes[0..<1])
                    shared.add(withUnsafeBytes(of: UInt32(index).littleEndian) { Array($0) }[...])
                } else {
                    seen[key] = seen.count
                    result.distinctTimestampBytes += column.count
                    shared.add(chunk.bytes[0..<end])
                }
                shared.add(chunk.bytes[end...])
            }
        }
        result.compressedBytes += plain.finish()
        result.sharedCompressedBytes += shared.finish()
    }

    /// Compressed size of a byte stream cut into pages as ``BlockWriter`` cut version 1 chunk data.
    private struct PageCompressor {
        var page: [UInt8] = []
        var total = 0

        mutating func add(_ bytes: ArraySlice<UInt8>) {
            if page.count + bytes.count > BlockFormat.pageSize { flush() }
            page.append(contentsOf: bytes)
        }

        mutating func flush() {
            guard !page.isEmpty else { return }
            total += 12 + Zstd.compress(page, level: BlockFormat.Layout.v1.zstdLevel).count
            page.removeAll(keepingCapacity: true)
        }

        mutating func finish() -> Int {
            flush()
            return total
        }
    }
}
