/// The timestamp columns a block of format version 2 keeps once: every column that two or
/// more columnar chunks of the block have byte for byte. Series scraped together (one
/// target's) share their scrape times, so their chunks over the same range carry the same
/// column; zstd finds such repeats only within a page, and a page holds a few dozen series.
///
/// The column of a chunk is the bytes after its header byte up to its values; its meaning
/// (mode, first and last timestamp, count) comes from the chunk's header and reference, so
/// equal bytes are all that sharing needs: a chunk put back together from its header byte,
/// the column and its values is the chunk that was written, bit for bit.
struct SharedTimestamps {
    /// The shared columns, in order of first use.
    private(set) var columns: [[UInt8]] = []
    /// Column number (1-based) by column bytes.
    private var numbers: [ArraySlice<UInt8>: Int] = [:]

    init() {}

    /// Finds the columns of `chunks` that occur more than once.
    init(_ chunks: some Sequence<EncodedChunk>) {
        var uses: [ArraySlice<UInt8>: Int] = [:]
        var order: [ArraySlice<UInt8>] = []
        var scratch: [Int64] = []
        for chunk in chunks {
            guard let end = Self.columnEnd(chunk, scratch: &scratch), end > 1 else { continue }
            let column = chunk.bytes[1..<end]
            uses[column, default: 0] += 1
            if uses[column] == 2 { order.append(column) }
        }
        for column in order {
            columns.append(Array(column))
            numbers[column] = columns.count
        }
    }

    /// The shared column number of `chunk` (0 if it keeps its column) and where its column
    /// ends in its bytes.
    func column(of chunk: EncodedChunk) -> (number: Int, end: Int) {
        guard !numbers.isEmpty else { return (0, 0) }
        var scratch: [Int64] = []
        guard let end = Self.columnEnd(chunk, scratch: &scratch), end > 1,
              let number = numbers[chunk.bytes[1..<end]] else { return (0, 0) }
        return (number, end)
    }

    /// Where a columnar chunk's timestamp column ends (it starts after the header byte), or
    /// `nil` for `xor` chunks, whose timestamps are interleaved with their values.
    static func columnEnd(_ chunk: EncodedChunk, scratch: inout [Int64]) -> Int? {
        guard chunk.encoding != .xor, chunk.count > 0, !chunk.bytes.isEmpty else { return nil }
        return chunk.bytes.withUnsafeBytes { raw -> Int? in
            var reader = ByteReader(raw, offset: 1)
            do throws(ChunkDecodingFailure) {
                try TimestampColumn.decode(mode: raw[0] & 3, count: chunk.count, minTime: chunk.minTime, maxTime: chunk.maxTime,
                                           from: &reader, into: &scratch)
            } catch {
                return nil
            }
            return reader.offset
        }
    }

    /// Puts a chunk stored without its column back together.
    /// `stored` holds at least the header byte (``Block`` checks that at open).
    static func join(stored: UnsafeBufferPointer<UInt8>, column: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        precondition(!stored.isEmpty)
        guard let columnBase = column.baseAddress, !column.isEmpty else { return Array(stored) }
        let count = stored.count + column.count
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let base = buffer.baseAddress!
            base.initialize(to: stored[0])
            (base + 1).initialize(from: columnBase, count: column.count)
            (base + 1 + column.count).initialize(from: stored.baseAddress! + 1, count: stored.count - 1)
            initialized = count
        }
    }
}
