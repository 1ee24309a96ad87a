#if canImport(Glibc)
import Glibc
#endif
/// The write-ahead log: numbered segment files of checksummed records in `<data>/wal/`.
///
/// Every commit is framed into one buffer and written with one `write(2)` before the
/// commit returns, so an acknowledged sample survives `kill -9`. Not thread-safe: the
/// store serialises access under its write lock.
final class WAL {
    let directory: String
    let segmentSize: Int
    private(set) var segment: Int
    private var fd: Int32
    private(set) var segmentBytes: Int
    private var dirty = false

    private var segmentPath: String { Self.path(directory, segment) }

    static func path(_ directory: String, _ segment: Int) -> String {
        let digits = String(segment)
        return directory + "/" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// Opens the log for appending after replay, starting a fresh segment so records
    /// never follow a repaired tail.
    init(directory: String, segmentSize: Int = 64 << 20, nextSegment: Int) throws(StorageError) {
        self.directory = directory
        self.segmentSize = segmentSize
        try FileIO.makeDirectory(directory)
        segment = nextSegment
        fd = try FileIO.openForAppend(Self.path(directory, nextSegment))
        segmentBytes = FileIO.fileSize(Self.path(directory, nextSegment)) ?? 0
        FileIO.syncDirectory(directory)
    }

    deinit { FileIO.closeFile(fd) }

    /// Writes framed records. A failed write is cut back off the file so the segment
    /// never holds a partial record followed by good ones.
    func log(_ bytes: [UInt8]) throws(StorageError) {
        if segmentBytes > 0 && segmentBytes + bytes.count > segmentSize {
            try roll()
        }
        let path = segmentPath
        do throws(StorageError) {
            try FileIO.writeAll(fd, bytes, path: path)
        } catch {
            try? FileIO.truncate(fd, to: segmentBytes, path: path)
            throw error
        }
        segmentBytes += bytes.count
        dirty = true
    }

    func sync() throws(StorageError) {
        guard dirty else { return }
        try FileIO.sync(fd, path: segmentPath)
        dirty = false
    }

    /// Starts a new segment; returns its number. Everything logged before is in lower ones.
    @discardableResult
    func roll() throws(StorageError) -> Int {
        try FileIO.sync(fd, path: segmentPath)
        FileIO.closeFile(fd)
        segment += 1
        fd = try FileIO.openForAppend(segmentPath)
        segmentBytes = 0
        FileIO.syncDirectory(directory)
        return segment
    }

    /// Total bytes of all segments on disk.
    func size() -> Int {
        ((try? FileIO.listDirectory(directory)) ?? []).reduce(0) { $0 + (FileIO.fileSize(directory + "/" + $1) ?? 0) }
    }
}

/// What replaying the WAL found.
public struct WALReplayReport: Sendable, Equatable {
    public var segments = 0
    public var records = 0
    public var series = 0
    public var samples = 0
    /// Where a torn or corrupt record was cut off, if one was.
    public var corruption: Corruption?
    public var nextSegment = 1

    public struct Corruption: Sendable, Equatable, CustomStringConvertible {
        public var segment: String
        public var offset: Int
        public var reason: String
        public var droppedSegments: Int
        public var description: String {
            "WAL segment \(segment) is damaged at byte \(offset) (\(reason)); truncated there"
                + (droppedSegments > 0 ? " and \(droppedSegments) later segment(s) removed" : "")
        }
    }
}

extension WAL {
    /// Reads every segment in order and hands each record to `apply`. At the first torn or
    /// corrupt record the segment is truncated there and any later segments are removed:
    /// what follows a hole cannot be trusted to be complete.
    static func replay(directory: String, apply: (WALRecord) -> Void) throws(StorageError) -> WALReplayReport {
        var report = WALReplayReport()
        try FileIO.makeDirectory(directory)
        let names = try FileIO.listDirectory(directory)
        let checkpoint = names.compactMap(Self.checkpointNumber).max()
        var segments = names.compactMap { name -> Int? in
            name.count == 8 && name.allSatisfy(\.isNumber) ? Int(name) : nil
        }.sorted()
        if let checkpoint {
            segments.removeAll { $0 < checkpoint }
            report.nextSegment = checkpoint
        }
        let files = (checkpoint.map { [Self.checkpointPath(directory, $0)] } ?? []) + segments.map { Self.path(directory, $0) }
        for (position, path) in files.enumerated() {
            let segment = position == 0 && checkpoint != nil ? nil : Int(path.suffix(8))
            let bytes = try FileIO.readAll(path)
            report.segments += 1
            if let segment { report.nextSegment = segment + 1 }
            let damage: (offset: Int, reason: String)? = bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    guard raw.count - offset >= WALRecord.headerSize else {
                        return (offset, "torn record header")
                    }
                    let kind = raw[offset]
                    let length = Int(raw.loadUnaligned(fromByteOffset: offset + 1, as: UInt32.self).littleEndian)
                    let crc = raw.loadUnaligned(fromByteOffset: offset + 5, as: UInt32.self).littleEndian
                    let start = offset + WALRecord.headerSize
                    guard length <= raw.count - start else { return (offset, "torn record of \(length) bytes") }
                    let payload = UnsafeRawBufferPointer(rebasing: raw[start..<start + length])
                    guard CRC32C.checksum(payload) == crc else { return (offset, "checksum mismatch") }
                    let record: WALRecord
                    do throws(WALDecodeError) {
                        record = try WALRecord.decode(kind: kind, payload: payload)
                    } catch {
                        return (offset, error.reason)
                    }
                    switch record {
                    case .series(let s): report.series += s.count
                    case .samples(let s): report.samples += s.count
                    case .deletion: break
                    }
                    report.records += 1
                    apply(record)
                    offset = start + length
                }
                return nil
            }
            if let damage {
                try FileIO.truncate(path: path, to: damage.offset)
                let later = files[(position + 1)...]
                for dropped in later { try FileIO.remove(dropped) }
                report.corruption = .init(segment: path, offset: damage.offset, reason: damage.reason, droppedSegments: later.count)
                break
            }
        }
        return report
    }
}

extension WAL {
    static func checkpointPath(_ directory: String, _ segment: Int) -> String {
        let digits = String(segment)
        return directory + "/checkpoint." + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    static func checkpointNumber(_ name: String) -> Int? {
        guard name.hasPrefix("checkpoint."), !name.hasSuffix(".tmp") else { return nil }
        return Int(name.dropFirst("checkpoint.".count))
    }

    /// Folds every segment below `segment` (and any older checkpoint) into
    /// `checkpoint.<segment>`: series records for `liveSeries`, and the samples at or after
    /// `keepFrom` (older ones are in blocks now). Then removes what it folded. Replay reads
    /// the newest checkpoint, then the segments from its number on.
    static func checkpoint(
        directory: String, below segment: Int, keepFrom: Int64, liveSeries: [(ref: SeriesRef, labels: Labels)]
    ) throws(StorageError) -> (removedSegments: Int, bytes: Int) {
        let names = try FileIO.listDirectory(directory)
        let previous = names.compactMap(checkpointNumber).filter { $0 < segment }.max()
        let old = names.compactMap { name -> Int? in
            name.count == 8 && name.allSatisfy(\.isNumber) ? Int(name) : nil
        }.filter { $0 < segment && $0 >= (previous ?? 0) }.sorted()
        var writer = ByteWriter(capacity: 1 << 16)
        WALRecord.encodeSeries(liveSeries, into: &writer)
        var kept: [(ref: SeriesRef, timestamp: Int64, value: Double)] = []
        let live = Set(liveSeries.map(\.ref))
        let sources = (previous.map { [checkpointPath(directory, $0)] } ?? []) + old.map { path(directory, $0) }
        for source in sources {
            let bytes = try FileIO.readAll(source)
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while raw.count - offset >= WALRecord.headerSize {
                    let kind = raw[offset]
                    let length = Int(raw.loadUnaligned(fromByteOffset: offset + 1, as: UInt32.self).littleEndian)
                    let start = offset + WALRecord.headerSize
                    guard length <= raw.count - start else { break }
                    let payload = UnsafeRawBufferPointer(rebasing: raw[start..<start + length])
                    offset = start + length
                    guard let record = try? WALRecord.decode(kind: kind, payload: payload) else { continue }
                    switch record {
                    case .samples(let samples):
                        for s in samples where s.timestamp >= keepFrom && live.contains(s.ref) { kept.append(s) }
                        if kept.count >= 100_000 {
                            WALRecord.encodeSamples(kept, into: &writer)
                            kept.removeAll(keepingCapacity: true)
                        }
                    case .deletion(let matchers, let mint, let maxt) where maxt >= keepFrom:
                        // Order matters: it deletes what came before it, not after.
                        if !kept.isEmpty {
                            WALRecord.encodeSamples(kept, into: &writer)
                            kept.removeAll(keepingCapacity: true)
                        }
                        WALRecord.encodeDeletion(matchers, mint: mint, maxt: maxt, into: &writer)
                    case .deletion, .series:
                        break
                    }
                }
            }
        }
        if !kept.isEmpty { WALRecord.encodeSamples(kept, into: &writer) }
        let target = checkpointPath(directory, segment)
        try BlockWriter.writeFile(target + ".tmp", writer.bytes)
        guard rename(target + ".tmp", target) == 0 else { throw StorageError("rename", path: target, reason: FileIO.errnoText()) }
        FileIO.syncDirectory(directory)
        for source in sources { try FileIO.remove(source) }
        return (old.count, writer.bytes.count)
    }
}
