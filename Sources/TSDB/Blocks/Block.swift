import Foundation
import Synchronization

/// An immutable block opened for reading. The index is held in memory; chunk pages are
/// read and decompressed on demand, checked against their CRC, and the most recent few are
/// cached.
final class Block: Sendable {
    let path: String
    let meta: BlockMeta
    let series: [BlockFormat.SeriesEntry]
    let postings: Postings
    private let pages: [(offset: Int, rawSize: Int, compressedSize: Int, crc: UInt32)]
    /// Kept open for the life of the block so a compaction that deletes the directory never
    /// pulls the data out from under a running query.
    private let fd: Int32
    private let cache = Mutex<PageCache>(PageCache())

    struct PageCache {
        var pages: [Int: [UInt8]] = [:]
        var order: [Int] = []
        /// 32 pages of 256 KiB, 8 MiB per block: enough for a day of 1 000 series read back to
        /// back (a 2-block store of 5.76 M samples is 28 pages) without re-reading,
        /// re-checksumming and re-decompressing every page at each query.
        static let capacity = 32
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
        guard meta.version == BlockMeta.currentVersion else { throw OpenError(path: path, reason: "block version \(meta.version) is not supported") }
        for (name, info) in meta.files {
            guard FileIO.fileSize(path + "/" + name) == info.size else {
                throw OpenError(path: path, reason: "\(name) is \(FileIO.fileSize(path + "/" + name).map(String.init) ?? "missing"), meta.json says \(info.size) bytes")
            }
        }
        do {
            let indexBytes = try FileIO.readAll(path + "/index")
            guard CRC32C.checksum(indexBytes) == meta.files["index"]?.crc32c else { throw OpenError(path: path, reason: "index checksum mismatch") }
            series = try BlockIndex.decode(indexBytes)
        } catch let error as OpenError {
            throw error
        } catch {
            throw OpenError(path: path, reason: "\(error)")
        }
        var postings = Postings()
        for (i, entry) in series.enumerated() { postings.add(SeriesRef(UInt64(i + 1)), entry.labels) }
        self.postings = postings
        // Page directory from the page headers.
        var pages: [(offset: Int, rawSize: Int, compressedSize: Int, crc: UInt32)] = []
        do {
            let chunks = try FileIO.readAll(path + "/chunks")
            guard chunks.count >= 5, Array(chunks[0..<4]) == BlockFormat.chunksMagic else { throw OpenError(path: path, reason: "chunks file has no Sextant header") }
            var offset = 5
            func u32(_ at: Int) -> UInt32 {
                UInt32(chunks[at]) | UInt32(chunks[at + 1]) << 8 | UInt32(chunks[at + 2]) << 16 | UInt32(chunks[at + 3]) << 24
            }
            while offset < chunks.count {
                guard chunks.count - offset >= 12 else { throw OpenError(path: path, reason: "torn page header at byte \(offset)") }
                let rawSize = Int(u32(offset))
                let compressed = Int(u32(offset + 4))
                let crc = u32(offset + 8)
                guard compressed <= chunks.count - offset - 12 else { throw OpenError(path: path, reason: "torn page at byte \(offset)") }
                pages.append((offset + 12, rawSize, compressed, crc))
                offset += 12 + compressed
            }
        } catch let error as OpenError {
            throw error
        } catch {
            throw OpenError(path: path, reason: "\(error)")
        }
        self.pages = pages
        fd = open(path + "/chunks", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw OpenError(path: path, reason: "cannot open chunks: \(FileIO.errnoText())") }
        for entry in series {
            for chunk in entry.chunks where chunk.page >= pages.count || chunk.offset + chunk.length > pages[chunk.page].rawSize {
                throw OpenError(path: path, reason: "index points past the chunk data")
            }
        }
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
            cache.pages[number] = bytes
            cache.order.append(number)
            if cache.order.count > PageCache.capacity { cache.pages[cache.order.removeFirst()] = nil }
        }
        return bytes
    }

    /// The chunks of `entry` overlapping `[mint, maxt]`.
    func chunks(of entry: BlockFormat.SeriesEntry, mint: Int64, maxt: Int64) throws(StorageError) -> [EncodedChunk] {
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
            out.append(EncodedChunk(unchecked: encoding, bytes: Array(page[ref.offset..<ref.offset + ref.length]),
                                    count: ref.count, minTime: ref.minTime, maxTime: ref.maxTime))
        }
        return out
    }

    deinit { close(fd) }

    var sizeOnDisk: Int { meta.files.values.reduce(0) { $0 + $1.size } }
}
