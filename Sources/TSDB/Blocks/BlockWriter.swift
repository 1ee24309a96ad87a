import Foundation

/// Writes one immutable block directory: under a temporary name, every file fsynced, then
/// renamed into place, so a crash leaves either no block or a whole one.
struct BlockWriter {
    let directory: String
    /// The format to write; tests write version 1 to check it is still read.
    var layout: BlockFormat.Layout = .current

    init(directory: String, layout: BlockFormat.Layout = .current) {
        self.directory = directory
        self.layout = layout
    }

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

        let sharing = layout.sharesTimestamps ? SharedTimestamps(series.lazy.flatMap { $0.chunks }) : SharedTimestamps()

        var chunkFile = ByteWriter(capacity: 1 << 20)
        chunkFile.bytes.append(contentsOf: BlockFormat.chunksMagic)
        chunkFile.byte(layout.version)
        var page: [UInt8] = []
        page.reserveCapacity(layout.pageSize + 4096)
        var pageNumber = 0
        let zstdLevel = layout.zstdLevel
        func flushPage() {
            guard !page.isEmpty else { return }
            let compressed = Zstd.compress(page, level: zstdLevel)
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
                // A shared column is left out: the page gets the header byte and the values.
                let (column, end) = sharing.column(of: chunk)
                let stored = column == 0 ? chunk.bytes.count : chunk.bytes.count - (end - 1)
                if page.count + stored > layout.pageSize { flushPage() }
                refs.append(.init(page: pageNumber, offset: page.count, length: stored, encoding: chunk.encoding.rawValue,
                                  count: chunk.count, minTime: chunk.minTime, maxTime: chunk.maxTime, sharedTimestamps: column))
                if column == 0 {
                    page.append(contentsOf: chunk.bytes)
                } else {
                    page.append(chunk.bytes[0])
                    page.append(contentsOf: chunk.bytes[end...])
                }
                samples += chunk.count
                chunkCount += 1
            }
            if !refs.isEmpty { entries.append(.init(labels: s.labels, chunks: refs)) }
        }
        flushPage()

        let index = BlockIndex.encode(entries, timestampColumns: sharing.columns, version: layout.version)
        try Self.writeFile(temporary + "/chunks", chunkFile.bytes)
        try Self.writeFile(temporary + "/index", index)
        let meta = BlockMeta(
            ulid: ulid, minTime: minTime, maxTime: maxTime,
            stats: .init(numSamples: samples, numSeries: entries.count, numChunks: chunkCount),
            compaction: .init(level: level, sources: sources.isEmpty ? [ulid] : sources),
            version: Int(layout.version), resolution: resolution, parent: parent,
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
