/// Encoding of a block's `index` file. See ``BlockFormat``.
enum BlockIndex {
    /// Encodes in `version`; `timestampColumns` (version 2 only) are the columns the chunk
    /// references' `sharedTimestamps` point into.
    static func encode(_ entries: [BlockFormat.SeriesEntry], timestampColumns: [[UInt8]] = [],
                       version: UInt8 = BlockFormat.version) -> [UInt8] {
        precondition(BlockFormat.supportedVersions.contains(version))
        precondition(version >= 2 || timestampColumns.isEmpty, "version 1 has no shared timestamp columns")
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
        if version >= 2 {
            body.uvarint(UInt64(timestampColumns.count))
            for column in timestampColumns {
                body.uvarint(UInt64(column.count))
                body.bytes.append(contentsOf: column)
            }
        }
        body.uvarint(UInt64(entries.count))
        var cursorPage = 0, cursorOffset = 0
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
                // Version 2 lays chunks out back to back in index order, each page from byte
                // 0: the offset follows from the lengths (``BlockWriter`` writes them so).
                if version == 1 {
                    body.uvarint(UInt64(chunk.offset))
                } else {
                    if chunk.page != cursorPage { (cursorPage, cursorOffset) = (chunk.page, 0) }
                    precondition(chunk.offset == cursorOffset, "version 2 chunks are laid out back to back in index order")
                    cursorOffset += chunk.length
                }
                body.uvarint(UInt64(chunk.length))
                body.byte(chunk.encoding)
                body.uvarint(UInt64(chunk.count))
                body.varint(chunk.minTime &- previousMax)
                body.varint(chunk.maxTime &- chunk.minTime)
                if version >= 2 { body.uvarint(UInt64(chunk.sharedTimestamps)) }
                previousPage = chunk.page
                previousMax = chunk.maxTime
            }
        }
        body.uint32(CRC32C.checksum(body.bytes))
        var file = ByteWriter(capacity: body.bytes.count / 2)
        file.bytes.append(contentsOf: BlockFormat.indexMagic)
        file.byte(version)
        file.uint64(UInt64(body.bytes.count))
        file.bytes.append(contentsOf: Zstd.compress(body.bytes, level: BlockFormat.Layout.of(version: version)!.zstdLevel))
        return file.bytes
    }

    struct Failure: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    static func decode(_ file: [UInt8]) throws(Failure) -> [BlockFormat.SeriesEntry] {
        try decodeIndex(file).series
    }

    static func decodeIndex(_ file: [UInt8]) throws(Failure) -> BlockFormat.Index {
        guard file.count >= 13, Array(file[0..<4]) == BlockFormat.indexMagic else { throw Failure(reason: "not a Sextant block index") }
        let version = file[4]
        guard BlockFormat.supportedVersions.contains(version) else { throw Failure(reason: "index version \(version) is not supported") }
        let size = file.withUnsafeBytes { Int(clamping: $0.loadUnaligned(fromByteOffset: 5, as: UInt64.self).littleEndian) }
        let body: [UInt8]
        do { body = try Zstd.decompress(file[13...], expectedSize: size) } catch { throw Failure(reason: "index: \(error)") }
        guard body.count >= 4 else { throw Failure(reason: "index is empty") }
        let stored = body.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: body.count - 4, as: UInt32.self).littleEndian }
        guard CRC32C.checksum(body[..<(body.count - 4)]) == stored else { throw Failure(reason: "index checksum mismatch") }
        do {
            return try body.withUnsafeBytes { raw in try parse(UnsafeRawBufferPointer(rebasing: raw[..<(raw.count - 4)]), version: version) }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(reason: "index is truncated or malformed: \(error)")
        }
    }

    private static func parse(_ raw: UnsafeRawBufferPointer, version: UInt8) throws -> BlockFormat.Index {
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
                var columns: [[UInt8]] = []
                if version >= 2 {
                    let columnCount = Int(try r.uvarint())
                    guard columnCount <= r.remaining else { throw Failure(reason: "timestamp column count \(columnCount) exceeds the index") }
                    columns.reserveCapacity(columnCount)
                    for _ in 0..<columnCount {
                        let length = Int(try r.uvarint())
                        guard length <= r.remaining else { throw Failure(reason: "timestamp column of \(length) bytes exceeds the index") }
                        columns.append(Array(r.bytes[r.offset..<r.offset + length]))
                        r.offset += length
                    }
                }
                let seriesCount = Int(try r.uvarint())
                guard seriesCount <= r.remaining else { throw Failure(reason: "series count \(seriesCount) exceeds the index") }
                var entries: [BlockFormat.SeriesEntry] = []
                entries.reserveCapacity(seriesCount)
                // Version 2: where the next chunk starts, in index order.
                var cursorPage = 0, cursorOffset = 0
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
                        let offset: Int
                        if version == 1 {
                            offset = Int(try r.uvarint())
                        } else {
                            if page != cursorPage { (cursorPage, cursorOffset) = (page, 0) }
                            offset = cursorOffset
                        }
                        let length = Int(clamping: try r.uvarint())
                        guard length <= 1 << 30 else { throw Failure(reason: "chunk length \(length) is implausible") }
                        cursorOffset += length
                        let encoding = try r.byte()
                        let count = Int(try r.uvarint())
                        let minTime = previousMax &+ (try r.varint())
                        let maxTime = minTime &+ (try r.varint())
                        previousMax = maxTime
                        let shared = version >= 2 ? Int(clamping: try r.uvarint()) : 0
                        guard shared <= columns.count else { throw Failure(reason: "timestamp column \(shared) out of range") }
                        chunks.append(.init(page: page, offset: offset, length: length, encoding: encoding, count: count,
                                            minTime: minTime, maxTime: maxTime, sharedTimestamps: shared))
                    }
                    entries.append(.init(labels: Labels(sorted: pairs), chunks: chunks))
                }
                guard r.isAtEnd else { throw Failure(reason: "\(r.remaining) bytes left over in the index") }
                return BlockFormat.Index(version: version, series: entries, timestampColumns: columns)
            }
    }
}
