import Foundation

/// Writes one immutable block directory: under a temporary name, every file fsynced, then
/// renamed into place, so a crash leaves either no block or a whole one.
struct BlockWriter {
    let directory: String

    /// `series` must be sorted by labels; chunks in time order.
    func write(
        series: [(labels: Labels, chunks: [EncodedChunk])],
        minTime: Int64, maxTime: Int64, level: Int = 1, sources: [String] = [], resolution: Int64 = 0,
        parent: String? = nil, ulid: String
    ) throws(StorageError) -> BlockMeta {
        let temporary = directory + "/" + ulid + ".tmp"
        let final = directory + "/" + ulid
        try? FileManager.default.removeItem(atPath: temporary)
        try FileIO.makeDirectory(temporary)

        var chunkFile = ByteWriter(capacity: 1 << 20)
        chunkFile.bytes.append(contentsOf: BlockFormat.chunksMagic)
        chunkFile.byte(BlockFormat.version)
        var page: [UInt8] = []
        page.reserveCapacity(BlockFormat.pageSize + 4096)
        var pageNumber = 0
        func flushPage() {
            guard !page.isEmpty else { return }
            let compressed = Zstd.compress(page)
            chunkFile.uint32(UInt32(page.count))
            chunkFile.uint32(UInt32(compressed.count))
            chunkFile.uint32(CRC32C.checksum(compressed))
            chunkFile.bytes.append(contentsOf: compressed)
            page.removeAll(keepingCapacity: true)
            pageNumber += 1
        }

        var entries: [BlockFormat.SeriesEntry] = []
        entries.reserveCapacity(series.count)
        var samples = 0, chunkCount = 0
        for s in series {
            var refs: [BlockFormat.ChunkRef] = []
            for chunk in s.chunks where !chunk.isEmpty {
                if page.count + chunk.bytes.count > BlockFormat.pageSize { flushPage() }
                refs.append(.init(page: pageNumber, offset: page.count, length: chunk.bytes.count, encoding: chunk.encoding.rawValue,
                                  count: chunk.count, minTime: chunk.minTime, maxTime: chunk.maxTime))
                page.append(contentsOf: chunk.bytes)
                samples += chunk.count
                chunkCount += 1
            }
            if !refs.isEmpty { entries.append(.init(labels: s.labels, chunks: refs)) }
        }
        flushPage()

        let index = BlockIndex.encode(entries)
        try Self.writeFile(temporary + "/chunks", chunkFile.bytes)
        try Self.writeFile(temporary + "/index", index)
        let meta = BlockMeta(
            ulid: ulid, minTime: minTime, maxTime: maxTime,
            stats: .init(numSamples: samples, numSeries: entries.count, numChunks: chunkCount),
            compaction: .init(level: level, sources: sources.isEmpty ? [ulid] : sources),
            version: BlockMeta.currentVersion, resolution: resolution, parent: parent,
            files: [
                "chunks": .init(size: chunkFile.bytes.count, crc32c: CRC32C.checksum(chunkFile.bytes)),
                "index": .init(size: index.count, crc32c: CRC32C.checksum(index)),
            ]
        )
        try Self.writeFile(temporary + "/meta.json", Array(meta.encoded()))
        FileIO.syncDirectory(temporary)
        guard rename(temporary, final) == 0 else {
            throw StorageError("rename", path: temporary, reason: FileIO.errnoText())
        }
        FileIO.syncDirectory(directory)
        return meta
    }

    static func writeFile(_ path: String, _ bytes: [UInt8]) throws(StorageError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError("create", path: path, reason: FileIO.errnoText()) }
        defer { close(fd) }
        try FileIO.writeAll(fd, bytes, path: path)
        try FileIO.sync(fd, path: path)
    }
}
