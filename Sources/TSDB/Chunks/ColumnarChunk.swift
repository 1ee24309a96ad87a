/// The frame of the `constant`, `decimal` and `packedXOR` encodings: a header byte, the
/// ``TimestampColumn``, then the values.
///
/// ```
/// byte     header: bits 0–1 timestamp mode, bits 2–7 per encoding (zero unless stated)
///            decimal: bits 2–3 order, bit 4 exceptions present
/// …        timestamp column
/// …        constant:   one CompactFloat
///          decimal:    DecimalColumn
///          packedXOR:  Gorilla XOR values (first value 64 bits), zero-padded to a byte
/// ```
/// Nothing may follow the values. `count` is at least 1; the first timestamp is `minTime`, the
/// last must equal `maxTime`.
enum ColumnarChunk {
    /// Encodes the samples, or `nil` for `.constant` when the values differ.
    static func encode(_ samples: [Sample], as encoding: ChunkEncoding, timestamps: TimestampColumn.Plan) -> EncodedChunk? {
        precondition(encoding != .xor && !samples.isEmpty)
        var out = ByteWriter(capacity: 16 + samples.count)
        out.byte(timestamps.mode.rawValue)
        TimestampColumn.encode(timestamps, into: &out)
        switch encoding {
        case .constant:
            let bits = samples[0].value.bitPattern
            guard samples.allSatisfy({ $0.value.bitPattern == bits }) else { return nil }
            CompactFloat.encode(samples[0].value, into: &out)
        case .decimal:
            let plan = DecimalColumn.plan(samples)
            out.bytes[0] |= UInt8(plan.order) << 2 | (plan.exceptions.isEmpty ? 0 : 1 << 4)
            DecimalColumn.encode(plan, into: &out)
        case .packedXOR:
            var bits = BitWriter(appendingTo: out.bytes, capacity: samples.count * 2 + 8)
            var values = XORValueWriter()
            values.writeFirst(samples[0].value, to: &bits)
            for sample in samples.dropFirst() { values.write(sample.value, to: &bits) }
            out.bytes = bits.take()
        case .xor:
            return nil
        }
        return EncodedChunk(unchecked: encoding, bytes: out.bytes, count: samples.count,
                            minTime: samples[0].timestamp, maxTime: samples[samples.count - 1].timestamp)
    }

    /// Decodes every sample into `timestamps` and `values`, replacing their contents.
    static func decode(_ chunk: EncodedChunk, timestamps: inout [Int64], values: inout [Double],
                       scratch: inout [Int64]) throws(ChunkDecodingFailure) {
        let n = chunk.count
        guard n >= 1 && n <= EncodedChunk.maxCount else {
            throw ChunkDecodingFailure(.invalidCount, at: 0, "a \(chunk.encoding) chunk holds 1...\(EncodedChunk.maxCount) samples, not \(n)")
        }
        let result = chunk.bytes.withUnsafeBytes { raw -> Result<Void, ChunkDecodingFailure> in
            var reader = ByteReader(raw)
            do throws(ChunkDecodingFailure) {
                try decode(chunk, from: &reader, timestamps: &timestamps, values: &values, scratch: &scratch)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    private static func decode(_ chunk: EncodedChunk, from reader: inout ByteReader, timestamps: inout [Int64],
                               values: inout [Double], scratch: inout [Int64]) throws(ChunkDecodingFailure) {
        let n = chunk.count
        guard let header = try? reader.byte() else {
            throw ChunkDecodingFailure(.truncated, at: 0, "no header byte")
        }
        let allowed: UInt8 = chunk.encoding == .decimal ? 0b1_1111 : 0b11
        guard header & ~allowed == 0 else {
            throw ChunkDecodingFailure(.malformed, at: 0, "header bits \(header) are not defined for \(chunk.encoding)")
        }
        if let shared = chunk.sharedTimestamps, let times = shared.timestamps(of: chunk) {
            // Decoded and checked once for every chunk of the selection that carries the column.
            timestamps = times
            reader.offset = 1 + shared.columnLength
        } else {
            try TimestampColumn.decode(mode: header & 3, count: n, minTime: chunk.minTime, maxTime: chunk.maxTime,
                                       from: &reader, into: &timestamps)
            try check(timestamps, maxTime: chunk.maxTime, at: reader.offset)
        }
        values.removeAll(keepingCapacity: true)
        values.reserveCapacity(n)
        switch chunk.encoding {
        case .constant:
            let value = try CompactFloat.decode(&reader)
            values.append(contentsOf: repeatElement(value, count: n))
        case .decimal:
            let order = Int(header >> 2 & 3)
            guard order <= 2 else { throw ChunkDecodingFailure(.malformed, at: 0, "decimal order 3 is not defined") }
            try DecimalColumn.decode(order: order, hasExceptions: header & 0b1_0000 != 0, count: n,
                                     from: &reader, into: &values, scratch: &scratch)
        case .packedXOR:
            // The rest of the chunk is the XOR stream.
            var bits = BitReader(chunk.bytes, byteOffset: reader.offset)
            var xor = XORValueReader()
            values.append(try xor.readFirst(from: &bits))
            for _ in 1..<n { values.append(try xor.read(from: &bits)) }
            guard bits.isAtPaddedEnd else {
                throw ChunkDecodingFailure(.trailingBytes, at: bits.byteOffset, "\(bits.remainingBits) bits after the last value")
            }
            reader.offset = reader.bytes.count
        case .xor:
            throw ChunkDecodingFailure(.malformed, at: 0, "not a columnar encoding")
        }
        guard reader.isAtEnd else {
            throw ChunkDecodingFailure(.trailingBytes, at: reader.offset, "\(reader.remaining) bytes after the last value")
        }
    }

    /// That decoded timestamps (at least one) increase and end at `maxTime`; `offset` is
    /// where the column ends, for the error.
    static func check(_ timestamps: [Int64], maxTime: Int64, at offset: Int) throws(ChunkDecodingFailure) {
        for i in timestamps.indices.dropFirst() where timestamps[i] <= timestamps[i - 1] {
            throw ChunkDecodingFailure(.outOfOrder, at: offset, "timestamp \(timestamps[i]) follows \(timestamps[i - 1])")
        }
        guard timestamps.last == maxTime else {
            throw ChunkDecodingFailure(.timeRangeMismatch, at: offset, "last timestamp \(timestamps.last.map(String.init) ?? "none") is not maxTime \(maxTime)")
        }
    }
}
