import Foundation
import Synchronization

/// An immutable block opened for reading, of format version 1 or 2 (``BlockFormat``). The
/// index, with version 2's shared timestamp columns, is held in memory; the chunks file's
/// checksum is verified at open; chunk pages are read and decompressed on demand, checked
/// against their own CRC again, and the most recent few are cached.
final class Block: Sendable {
    let path: String
    let meta: BlockMeta
    let series: [BlockFormat.SeriesEntry]
    let postings: Postings
    /// Version 2: the timestamp columns chunks share (``BlockFormat/ChunkRef/sharedTimestamps``),
    /// back to back; column k is `timestampColumnBytes[timestampColumnStarts[k]..<timestampColumnStarts[k + 1]]`.
    /// One buffer rather than an array per column: readers on several threads then touch no
    /// per-column reference count.
    let timestampColumnBytes: [UInt8]
    let timestampColumnStarts: [Int]
    private let pages: [(offset: Int, rawSize: Int, compressedSize: Int, crc: UInt32)]
    /// Kept open for the life of the block so a compaction that deletes the directory never
    /// pulls the data out from under a running query.
    private let fd: Int32
    private let cache = Mutex<PageCache>(PageCache())

    struct PageCache {
        var pages: [Int: [UInt8]] = [:]
        var order: [Int] = []
        var bytes = 0
        /// 8 MiB of pages per block (32 pages of 256 KiB): enough
        /// for a day of 1 000 series read back to back (a 2-block store of 5.76 M samples is 28
        /// version 1 pages) without re-reading, re-checksumming and re-decompressing every page
        /// at each query. The newest page is always kept.
        static let capacityBytes = 8 << 20
    }

    struct OpenError: Error, CustomStringConvertible {
        let path: String
        let reason: String
        var description: String { "block \(path): \(reason)" }
    }

    /// Opens and validates a block directory: meta, file sizes, index checksum, page headers.
    init(path: String) throws(OpenError) {
        self.path = path
        let metaData: Data
        do {
            metaData = try Data(contentsOf: URL(fileURLWithPath: path + "/meta.json"))
            meta = try JSONDecoder().decode(BlockMeta.self, from: metaData)
        } catch {
            throw OpenError(path: path, reason: "unreadable meta.json: \(error)")
        }
        guard let version = UInt8(exactly: meta.version), BlockFormat.supportedVersions.contains(version) else {
            throw OpenError(path: path, reason: "block version \(meta.version) is not supported")
        }
        for (name, info) in meta.files {
            guard FileIO.fileSize(path + "/" + name) == info.size else {
                throw OpenError(path: path, reason: "\(name) is \(FileIO.fileSize(path + "/" + name).map(String.init) ?? "missing"), meta.json says \(info.size) bytes")
            }
        }
        do {
            let indexBytes = try FileIO.readAll(path + "/index")
            guard CRC32C.checksum(indexBytes) == meta.files["index"]?.crc32c else { throw OpenError(path: path, reason: "index checksum mismatch") }
            let index = try BlockIndex.decodeIndex(indexBytes)
            guard index.version == version else { throw OpenError(path: path, reason: "index version \(index.version) in a version \(version) block") }
            series = index.series
            timestampColumnBytes = index.timestampColumns.flatMap { $0 }
            timestampColumnStarts = index.timestampColumns.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        } catch let error as OpenError {
            throw error
        } catch {
            throw OpenError(path: path, reason: "\(error)")
        }
        var postings = Postings()
        for (i, entry) in series.enumerated() { postings.add(SeriesRef(UInt64(i + 1)), entry.labels) }
        self.postings = postings
        // The chunks file is checked whole here, a piece at a time (its size in memory at once
        // for the largest block was the peak of a restart): damage anywhere in it, a page or
        // a page header, is found now and the block moved aside, rather than by the first
        // query that reads the page. Then the page directory, from the page headers.
        fd = open(path + "/chunks", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw OpenError(path: path, reason: "cannot open chunks: \(FileIO.errnoText())") }
        do throws(OpenError) {
            pages = try Self.pageDirectory(fd, path: path, version: version, checksum: meta.files["chunks"]?.crc32c)
        } catch {
            // Not yet a whole object, so no deinit to close it; from here on, deinit does.
            close(fd)
            throw error
        }
        for entry in series {
            for chunk in entry.chunks {
                guard chunk.page < pages.count, chunk.offset + chunk.length <= pages[chunk.page].rawSize else {
                    throw OpenError(path: path, reason: "index points past the chunk data")
                }
                guard chunk.sharedTimestamps == 0 || chunk.length >= 1 else {
                    throw OpenError(path: path, reason: "a chunk with a shared timestamp column has no header byte")
                }
            }
        }
    }

    /// Checks the chunks file open at `fd` (header, version, whole-file checksum) reading it a
    /// MiB at a time, and reads its page headers: each page's offset, sizes and checksum.
    private static func pageDirectory(_ fd: Int32, path: String, version: UInt8, checksum expected: UInt32?)
        throws(OpenError) -> [(offset: Int, rawSize: Int, compressedSize: Int, crc: UInt32)] {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw OpenError(path: path, reason: "cannot stat chunks: \(FileIO.errnoText())") }
        let size = Int(st.st_size)
        func bytes(_ count: Int, at offset: Int, into buffer: inout [UInt8]) throws(OpenError) {
            var done = 0
            while done < count {
                let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw OpenError(path: path, reason: n < 0 ? "cannot read chunks: \(FileIO.errnoText())" : "chunks file ended at byte \(offset + done) while reading")
                }
                done += n
            }
        }
        var header = [UInt8](repeating: 0, count: 12)
        guard size >= 5 else { throw OpenError(path: path, reason: "chunks file has no Sextant header") }
        try bytes(5, at: 0, into: &header)
        guard Array(header[0..<4]) == BlockFormat.chunksMagic else { throw OpenError(path: path, reason: "chunks file has no Sextant header") }
        var piece = [UInt8](repeating: 0, count: min(size, 1 << 20))
        var crc: UInt32 = 0
        var offset = 0
        while offset < size {
            let count = min(piece.count, size - offset)
            try bytes(count, at: offset, into: &piece)
            crc = piece.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<count]), seed: crc) }
            offset += count
        }
        guard crc == expected else { throw OpenError(path: path, reason: "chunks checksum mismatch") }
        guard header[4] == version else { throw OpenError(path: path, reason: "chunks version \(header[4]) in a version \(version) block") }
        func u32(_ at: Int) -> UInt32 {
            UInt32(header[at]) | UInt32(header[at + 1]) << 8 | UInt32(header[at + 2]) << 16 | UInt32(header[at + 3]) << 24
        }
        var pages: [(offset: Int, rawSize: Int, compressedSize: Int, crc: UInt32)] = []
        offset = 5
        while offset < size {
            guard size - offset >= 12 else { throw OpenError(path: path, reason: "torn page header at byte \(offset)") }
            try bytes(12, at: offset, into: &header)
            let rawSize = Int(u32(0))
            let compressed = Int(u32(4))
            guard compressed <= size - offset - 12 else { throw OpenError(path: path, reason: "torn page at byte \(offset)") }
            pages.append((offset + 12, rawSize, compressed, u32(8)))
            offset += 12 + compressed
        }
        return pages
    }

    /// The uncompressed bytes of a page, verified against its checksum.
    func page(_ number: Int) throws(StorageError) -> [UInt8] {
        if let cached = cache.withLock({ $0.pages[number] }) { return cached }
        let info = pages[number]
        var compressed = [UInt8](repeating: 0, count: info.compressedSize)
        let n = compressed.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(info.offset)) }
        guard n == info.compressedSize else { throw StorageError("read", path: path + "/chunks", reason: "short read of page \(number)") }
        guard CRC32C.checksum(compressed) == info.crc else { throw StorageError("read", path: path + "/chunks", reason: "page \(number) checksum mismatch") }
        let bytes: [UInt8]
        do { bytes = try Zstd.decompress(compressed[...], expectedSize: info.rawSize) } catch {
            throw StorageError("decompress", path: path + "/chunks", reason: "page \(number): \(error)")
        }
        cache.withLock { cache in
            guard cache.pages.updateValue(bytes, forKey: number) == nil else { return }
            cache.order.append(number)
            cache.bytes += bytes.count
            while cache.bytes > PageCache.capacityBytes && cache.order.count > 1 {
                cache.bytes -= cache.pages.removeValue(forKey: cache.order.removeFirst())?.count ?? 0
            }
        }
        return bytes
    }

    /// The chunks of `entry` overlapping `[mint, maxt]`. With `sharing` (one per block and
    /// selection), chunks that carry a shared timestamp column get the column's decoding from
    /// it, made there the first time.
    func chunks(of entry: BlockFormat.SeriesEntry, mint: Int64, maxt: Int64,
                sharing: SharedTimestampDecoding.Table? = nil) throws(StorageError) -> [EncodedChunk] {
        var out: [EncodedChunk] = []
        out.reserveCapacity(entry.chunks.count)
        // A series' chunks mostly share a page: look it up once per run.
        var pageNumber = -1
        var page: [UInt8] = []
        for ref in entry.chunks where ref.maxTime >= mint && ref.minTime <= maxt {
            if ref.page != pageNumber {
                page = try self.page(ref.page)
                pageNumber = ref.page
            }
            guard let encoding = ChunkEncoding(rawValue: ref.encoding) else {
                throw StorageError("read", path: path, reason: "unknown chunk encoding \(ref.encoding)")
            }
            let bytes = page.withUnsafeBufferPointer { page in
                let stored = UnsafeBufferPointer(rebasing: page[ref.offset..<ref.offset + ref.length])
                guard ref.sharedTimestamps > 0 else { return Array(stored) }
                let (start, end) = (timestampColumnStarts[ref.sharedTimestamps - 1], timestampColumnStarts[ref.sharedTimestamps])
                return timestampColumnBytes.withUnsafeBufferPointer { columns in
                    SharedTimestamps.join(stored: stored, column: UnsafeBufferPointer(rebasing: columns[start..<end]))
                }
            }
            var chunk = EncodedChunk(unchecked: encoding, bytes: bytes, count: ref.count, minTime: ref.minTime, maxTime: ref.maxTime)
            if let sharing, ref.sharedTimestamps > 0, let header = bytes.first {
                let column = ref.sharedTimestamps
                chunk.sharedTimestamps = sharing.decoding(
                    of: SharedTimestampDecoding.Key(column: column, mode: header & 3, count: ref.count, minTime: ref.minTime, maxTime: ref.maxTime),
                    columnLength: timestampColumnStarts[column] - timestampColumnStarts[column - 1])
            }
            out.append(chunk)
        }
        return out
    }

    deinit { close(fd) }

    /// Version 2's shared timestamp columns, one array each.
    var timestampColumns: [[UInt8]] {
        zip(timestampColumnStarts, timestampColumnStarts.dropFirst()).map { Array(timestampColumnBytes[$0..<$1]) }
    }

    var sizeOnDisk: Int { meta.files.values.reduce(0) { $0 + $1.size } }
}
