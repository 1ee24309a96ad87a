/// Encoding of a block's `index` file. See ``BlockFormat``.
enum BlockIndex {
    static func encode(_ entries: [BlockFormat.SeriesEntry]) -> [UInt8] {
        // Symbols: every distinct label name and value, sorted, referenced by position.
        // Keyed by bytes: two spellings of `café` are two symbols.
        var symbolSet = Set<ExactString>()
        for entry in entries {
            for label in entry.labels {
                symbolSet.insert(ExactString(label.name))
                symbolSet.insert(ExactString(label.value))
            }
        }
        let symbols = symbolSet.sorted().map(\.value)
        var symbolIndex: [ExactString: Int] = [:]
        symbolIndex.reserveCapacity(symbols.count)
        for (i, s) in symbols.enumerated() { symbolIndex[ExactString(s)] = i }

        var body = ByteWriter(capacity: entries.count * 32 + symbols.count * 16)
        body.uvarint(UInt64(symbols.count))
        for s in symbols { body.string(s) }
        body.uvarint(UInt64(entries.count))
        for entry in entries {
            body.uvarint(UInt64(entry.labels.count))
            for label in entry.labels {
                body.uvarint(UInt64(symbolIndex[ExactString(label.name)]!))
                body.uvarint(UInt64(symbolIndex[ExactString(label.value)]!))
            }
            body.uvarint(UInt64(entry.chunks.count))
            var previousPage = 0
            var previousMax: Int64 = 0
            for chunk in entry.chunks {
                body.uvarint(UInt64(chunk.page - previousPage))
                body.uvarint(UInt64(chunk.offset))
                body.uvarint(UInt64(chunk.length))
                body.byte(chunk.encoding)
                body.uvarint(UInt64(chunk.count))
                body.varint(chunk.minTime &- previousMax)
                body.varint(chunk.maxTime &- chunk.minTime)
                previousPage = chunk.page
                previousMax = chunk.maxTime
            }
        }
        body.uint32(CRC32C.checksum(body.bytes))
        var file = ByteWriter(capacity: body.bytes.count / 2)
        file.bytes.append(contentsOf: BlockFormat.indexMagic)
        file.byte(BlockFormat.version)
        file.uint64(UInt64(body.bytes.count))
        file.bytes.append(contentsOf: Zstd.compress(body.bytes))
        return file.bytes
    }

    struct Failure: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    static func decode(_ file: [UInt8]) throws(Failure) -> [BlockFormat.SeriesEntry] {
        guard file.count >= 13, Array(file[0..<4]) == BlockFormat.indexMagic else { throw Failure(reason: "not a Sextant block index") }
        guard file[4] == BlockFormat.version else { throw Failure(reason: "index version \(file[4]) is not supported") }
        let size = file.withUnsafeBytes { Int(clamping: $0.loadUnaligned(fromByteOffset: 5, as: UInt64.self).littleEndian) }
        let body: [UInt8]
        do { body = try Zstd.decompress(file[13...], expectedSize: size) } catch { throw Failure(reason: "index: \(error)") }
        guard body.count >= 4 else { throw Failure(reason: "index is empty") }
        let stored = body.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: body.count - 4, as: UInt32.self).littleEndian }
        guard CRC32C.checksum(body[..<(body.count - 4)]) == stored else { throw Failure(reason: "index checksum mismatch") }
        do {
            return try body.withUnsafeBytes { raw in try parse(UnsafeRawBufferPointer(rebasing: raw[..<(raw.count - 4)])) }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(reason: "index is truncated or malformed: \(error)")
        }
    }

    private static func parse(_ raw: UnsafeRawBufferPointer) throws -> [BlockFormat.SeriesEntry] {
            var r = ByteReader(raw)
            do {
                let symbolCount = Int(try r.uvarint())
                guard symbolCount <= r.remaining else { throw Failure(reason: "symbol count \(symbolCount) exceeds the index") }
                var symbols: [String] = []
                symbols.reserveCapacity(symbolCount)
                for _ in 0..<symbolCount { symbols.append(try r.string()) }
                func symbol(_ r: inout ByteReader) throws -> String {
                    let i = Int(try r.uvarint())
                    guard i < symbols.count else { throw Failure(reason: "symbol \(i) out of range") }
                    return symbols[i]
                }
                let seriesCount = Int(try r.uvarint())
                guard seriesCount <= r.remaining else { throw Failure(reason: "series count \(seriesCount) exceeds the index") }
                var entries: [BlockFormat.SeriesEntry] = []
                entries.reserveCapacity(seriesCount)
                for _ in 0..<seriesCount {
                    let labelCount = Int(try r.uvarint())
                    guard labelCount <= r.remaining else { throw Failure(reason: "label count exceeds the index") }
                    var pairs: [Label] = []
                    pairs.reserveCapacity(labelCount)
                    for _ in 0..<labelCount { pairs.append(Label(try symbol(&r), try symbol(&r))) }
                    let chunkCount = Int(try r.uvarint())
                    guard chunkCount <= r.remaining else { throw Failure(reason: "chunk count exceeds the index") }
                    var chunks: [BlockFormat.ChunkRef] = []
                    chunks.reserveCapacity(chunkCount)
                    var page = 0
                    var previousMax: Int64 = 0
                    for _ in 0..<chunkCount {
                        page += Int(try r.uvarint())
                        let offset = Int(try r.uvarint())
                        let length = Int(try r.uvarint())
                        let encoding = try r.byte()
                        let count = Int(try r.uvarint())
                        let minTime = previousMax &+ (try r.varint())
                        let maxTime = minTime &+ (try r.varint())
                        previousMax = maxTime
                        chunks.append(.init(page: page, offset: offset, length: length, encoding: encoding, count: count, minTime: minTime, maxTime: maxTime))
                    }
                    entries.append(.init(labels: Labels(sorted: pairs), chunks: chunks))
                }
                guard r.isAtEnd else { throw Failure(reason: "\(r.remaining) bytes left over in the index") }
                return entries
            }
    }
}
