/// The records the WAL holds. Layout in docs/format/wal.md.
enum WALRecord: Equatable {
    /// A new series and the ref it was given; always logged before its first samples.
    case series([(ref: SeriesRef, labels: Labels)])
    case samples([(ref: SeriesRef, timestamp: Int64, value: Double)])
    /// Samples of series matching these matchers in `[mint, maxt]` are deleted: everything
    /// logged before this record and replayed, and nothing logged after it.
    case deletion(matchers: [LabelMatcher], mint: Int64, maxt: Int64)

    enum Kind: UInt8 {
        case series = 1
        case samples = 2
        case deletion = 3
    }

    static func == (lhs: WALRecord, rhs: WALRecord) -> Bool {
        switch (lhs, rhs) {
        case (.series(let a), .series(let b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.ref == $1.ref && $0.labels == $1.labels }
        case (.samples(let a), .samples(let b)):
            a.count == b.count && zip(a, b).allSatisfy {
                $0.ref == $1.ref && $0.timestamp == $1.timestamp && $0.value.bitPattern == $1.value.bitPattern
            }
        case (.deletion(let a, let amin, let amax), .deletion(let b, let bmin, let bmax)):
            amin == bmin && amax == bmax && a.map(\.description) == b.map(\.description)
        default: false
        }
    }
}

/// Why a record's payload could not be decoded although its checksum matched: a bug or a
/// file written by another version.
struct WALDecodeError: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

extension WALRecord {
    /// Appends the framed record: kind (1 byte), payload length (u32 LE), CRC-32C of the
    /// payload (u32 LE), payload.
    static func encodeSeries(_ entries: some Collection<(ref: SeriesRef, labels: Labels)>, into writer: inout ByteWriter) {
        frame(.series, into: &writer) { w in
            w.uvarint(UInt64(entries.count))
            for entry in entries {
                w.uvarint(entry.ref.rawValue)
                w.uvarint(UInt64(entry.labels.count))
                for label in entry.labels {
                    w.string(label.name)
                    w.string(label.value)
                }
            }
        }
    }

    /// Samples are written ref-delta and timestamp-delta against the previous entry, so a
    /// scrape's batch (ascending refs, one timestamp) costs about 10 bytes a sample.
    static func encodeSamples(_ entries: some Collection<(ref: SeriesRef, timestamp: Int64, value: Double)>, into writer: inout ByteWriter) {
        frame(.samples, into: &writer) { w in
            w.uvarint(UInt64(entries.count))
            var previousRef: Int64 = 0
            var previousTime: Int64 = 0
            for entry in entries {
                let ref = Int64(bitPattern: entry.ref.rawValue)
                w.varint(ref &- previousRef)
                w.varint(entry.timestamp &- previousTime)
                w.uint64(entry.value.bitPattern)
                previousRef = ref
                previousTime = entry.timestamp
            }
        }
    }

    static func encodeDeletion(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64, into writer: inout ByteWriter) {
        frame(.deletion, into: &writer) { w in
            w.varint(mint)
            w.varint(maxt)
            w.uvarint(UInt64(matchers.count))
            for m in matchers {
                w.byte(m.kind.code)
                w.string(m.name)
                w.string(m.value)
            }
        }
    }

    static let headerSize = 9

    private static func frame(_ kind: Kind, into writer: inout ByteWriter, body: (inout ByteWriter) -> Void) {
        let start = writer.bytes.count
        writer.byte(kind.rawValue)
        writer.uint32(0)
        writer.uint32(0)
        body(&writer)
        let length = writer.bytes.count - start - headerSize
        let crc = writer.bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[(start + headerSize)...])) }
        writer.bytes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt32(length).littleEndian, toByteOffset: start + 1, as: UInt32.self)
            raw.storeBytes(of: crc.littleEndian, toByteOffset: start + 5, as: UInt32.self)
        }
    }

    static func decode(kind rawKind: UInt8, payload: UnsafeRawBufferPointer) throws(WALDecodeError) -> WALRecord {
        guard let kind = Kind(rawValue: rawKind) else { throw WALDecodeError(reason: "unknown record type \(rawKind)") }
        var r = ByteReader(payload)
        do {
            let record: WALRecord
            switch kind {
            case .series:
                let count = try r.uvarint()
                guard count <= UInt64(payload.count) else { throw WALDecodeError(reason: "series count \(count) exceeds record size") }
                var entries: [(ref: SeriesRef, labels: Labels)] = []
                entries.reserveCapacity(Int(count))
                for _ in 0..<count {
                    let ref = SeriesRef(try r.uvarint())
                    let labelCount = try r.uvarint()
                    guard labelCount <= UInt64(r.remaining) else { throw WALDecodeError(reason: "label count \(labelCount) exceeds record size") }
                    var pairs: [Label] = []
                    pairs.reserveCapacity(Int(labelCount))
                    for _ in 0..<labelCount {
                        let name = try r.string()
                        let value = try r.string()
                        pairs.append(Label(name, value))
                    }
                    entries.append((ref, Labels(sorted: pairs)))
                }
                record = .series(entries)
            case .samples:
                let count = try r.uvarint()
                guard count <= UInt64(payload.count / 10 + 1) else { throw WALDecodeError(reason: "sample count \(count) exceeds record size") }
                var entries: [(ref: SeriesRef, timestamp: Int64, value: Double)] = []
                entries.reserveCapacity(Int(count))
                var ref: Int64 = 0
                var time: Int64 = 0
                for _ in 0..<count {
                    ref &+= try r.varint()
                    time &+= try r.varint()
                    let value = Double(bitPattern: try r.uint64())
                    entries.append((SeriesRef(UInt64(bitPattern: ref)), time, value))
                }
                record = .samples(entries)
            case .deletion:
                let mint = try r.varint()
                let maxt = try r.varint()
                let count = try r.uvarint()
                guard count <= UInt64(payload.count) else { throw WALDecodeError(reason: "matcher count \(count) exceeds record size") }
                var matchers: [LabelMatcher] = []
                for _ in 0..<count {
                    guard let kind = LabelMatcher.Kind(code: try r.byte()) else { throw WALDecodeError(reason: "unknown matcher kind") }
                    let name = try r.string()
                    let value = try r.string()
                    do throws(MatcherError) {
                        matchers.append(try LabelMatcher(kind, name, value))
                    } catch {
                        throw WALDecodeError(reason: "\(error)")
                    }
                }
                record = .deletion(matchers: matchers, mint: mint, maxt: maxt)
            }
            guard r.isAtEnd else { throw WALDecodeError(reason: "\(r.remaining) bytes left over after a \(kind) record") }
            return record
        } catch let error as WALDecodeError {
            throw error
        } catch {
            throw WALDecodeError(reason: "malformed \(kind) record: \(error)")
        }
    }
}
