/// Re-encodes a closed chunk's samples with the smallest encoding for its data, picked per
/// chunk from the data as VictoriaMetrics's `lib/encoding` does: a repeated value is stored
/// once; values with a short decimal form become bit-packed integer mantissas; other floats
/// keep Gorilla's XOR but with packed timestamps; Prometheus's `xor` is the floor — the
/// result is never larger.
///
/// ```swift
/// let chunk = ChunkEncoder.encode(samples)   // e.g. .decimal, 0.4 bytes a sample
/// ```
///
/// Samples must be in strictly increasing time order (asserted in debug builds, and the
/// decoder reports a chunk that is not); at most ``EncodedChunk/maxCount`` of them — more is
/// a programming error.
public enum ChunkEncoder {
    public static func encode(_ samples: [Sample]) -> EncodedChunk {
        precondition(samples.count <= EncodedChunk.maxCount, "a chunk holds at most \(EncodedChunk.maxCount) samples")
        assert(isStrictlyIncreasing(samples), "chunk samples must be in strictly increasing time order")
        guard !samples.isEmpty else { return XORChunkAppender().snapshot() }
        let timestamps = TimestampColumn.plan(samples)
        var best = xor(samples)
        if let constant = ColumnarChunk.encode(samples, as: .constant, timestamps: timestamps) {
            return constant.bytes.count <= best.bytes.count ? constant : best
        }
        if let decimal = ColumnarChunk.encode(samples, as: .decimal, timestamps: timestamps),
           decimal.bytes.count <= best.bytes.count {
            best = decimal
        }
        // packedXOR needs at least its header, timestamps, 8 bytes of first value and a bit
        // per further value: skip it when the best so far is no larger.
        var timestampBytes = ByteWriter()
        TimestampColumn.encode(timestamps, into: &timestampBytes)
        if best.bytes.count > 1 + timestampBytes.bytes.count + 8 + (samples.count - 1 + 7) / 8,
           let packed = ColumnarChunk.encode(samples, as: .packedXOR, timestamps: timestamps),
           packed.bytes.count < best.bytes.count {
            best = packed
        }
        return best
    }

    /// Encodes in the given encoding. `.constant` needs one repeated value; for other data it
    /// falls back to ``encode(_:)``. An empty chunk is always `.xor`, the only encoding with a
    /// header of its own.
    public static func encode(_ samples: [Sample], as encoding: ChunkEncoding) -> EncodedChunk {
        precondition(samples.count <= EncodedChunk.maxCount, "a chunk holds at most \(EncodedChunk.maxCount) samples")
        assert(isStrictlyIncreasing(samples), "chunk samples must be in strictly increasing time order")
        guard encoding != .xor && !samples.isEmpty else { return xor(samples) }
        return ColumnarChunk.encode(samples, as: encoding, timestamps: TimestampColumn.plan(samples)) ?? encode(samples)
    }

    private static func isStrictlyIncreasing(_ samples: [Sample]) -> Bool {
        zip(samples, samples.dropFirst()).allSatisfy { $0.timestamp < $1.timestamp }
    }

    static func xor(_ samples: [Sample]) -> EncodedChunk {
        var appender = XORChunkAppender()
        for sample in samples { appender.append(sample.timestamp, sample.value) }
        return appender.snapshot()
    }
}
