/// Pull iterator over a chunk's samples, for every encoding; never traps on corrupt bytes but
/// stops and reports ``error`` instead.
///
/// `xor` chunks are decoded a sample at a time; the other encodings are decoded whole on the
/// first call into buffers the iterator keeps, so ``reset(_:)`` reuses them for the next chunk.
///
/// ```swift
/// var it = ChunkIterator(chunk)
/// if let first = it.seek(start) { … }
/// while let sample = it.next(), sample.timestamp <= end { … }
/// if let error = it.error { … }
/// ```
public struct ChunkIterator: Sendable {
    private var chunk: EncodedChunk
    private var xor: XORChunkDecoder
    private var timestamps: [Int64] = []
    private var values: [Double] = []
    private var scratch: [Int64] = []
    private var decoded = false
    private var finished = false
    /// Samples returned so far.
    private var position = 0
    private var lastTime: Int64 = .min
    /// Set when the bytes turn out corrupt; `next` returns `nil` from then on.
    public private(set) var error: ChunkError?

    public init(_ chunk: EncodedChunk) {
        self.chunk = chunk
        self.xor = XORChunkDecoder()
        start()
    }

    /// Starts over on another chunk, keeping the decoding buffers.
    public mutating func reset(_ chunk: EncodedChunk) {
        self.chunk = chunk
        decoded = false
        finished = false
        position = 0
        lastTime = .min
        error = nil
        start()
    }

    private mutating func start() {
        guard chunk.encoding == .xor else {
            xor = XORChunkDecoder()
            return
        }
        do throws(ChunkDecodingFailure) {
            xor = try XORChunkDecoder(chunk.bytes)
            guard xor.headerCount == chunk.count else {
                throw ChunkDecodingFailure(.invalidCount, at: 0, "header counts \(xor.headerCount) samples, the chunk \(chunk.count)")
            }
            if chunk.count == 0 && (chunk.minTime != .max || chunk.maxTime != .min) {
                throw ChunkDecodingFailure(.timeRangeMismatch, at: 0, "an empty chunk has minTime .max and maxTime .min")
            }
        } catch {
            fail(error)
        }
    }

    /// The next sample, or `nil` at the end or on corrupt bytes (then ``error`` is set).
    public mutating func next() -> Sample? {
        guard error == nil && !finished else { return nil }
        if chunk.encoding == .xor { return nextXOR() }
        if !decoded {
            decoded = true
            do throws(ChunkDecodingFailure) {
                try ColumnarChunk.decode(chunk, timestamps: &timestamps, values: &values, scratch: &scratch)
            } catch {
                fail(error)
                return nil
            }
        }
        guard position < timestamps.count else {
            finished = true
            return nil
        }
        defer { position += 1 }
        return Sample(timestamps[position], values[position])
    }

    /// The first sample not yet returned whose timestamp is at least `t`, consuming it and the
    /// samples before it, as `SampleCursor.seek` does; never moves backwards.
    public mutating func seek(_ t: Int64) -> Sample? {
        if chunk.encoding != .xor && decoded && error == nil && position < timestamps.count {
            if timestamps[position] < t {
                // Timestamps were checked increasing: binary search the rest.
                var low = position + 1
                var high = timestamps.count
                while low < high {
                    let middle = low + (high - low) / 2
                    if timestamps[middle] < t { low = middle + 1 } else { high = middle }
                }
                position = low
            }
        }
        while let sample = next() {
            if sample.timestamp >= t { return sample }
        }
        return nil
    }

    @inline(__always)
    private mutating func nextXOR() -> Sample? {
        do throws(ChunkDecodingFailure) {
            guard let sample = try xor.next() else {
                finished = true
                if chunk.count > 0 && lastTime != chunk.maxTime {
                    throw ChunkDecodingFailure(.timeRangeMismatch, at: chunk.bytes.count, "last timestamp \(lastTime) is not maxTime \(chunk.maxTime)")
                }
                return nil
            }
            if position == 0 {
                guard sample.timestamp == chunk.minTime else {
                    throw ChunkDecodingFailure(.timeRangeMismatch, at: 2, "first timestamp \(sample.timestamp) is not minTime \(chunk.minTime)")
                }
            } else if sample.timestamp <= lastTime {
                throw ChunkDecodingFailure(.outOfOrder, at: 0, "timestamp \(sample.timestamp) follows \(lastTime)")
            }
            lastTime = sample.timestamp
            position += 1
            return sample
        } catch {
            fail(error)
            return nil
        }
    }

    private mutating func fail(_ failure: ChunkDecodingFailure) {
        error = failure.error(encoding: chunk.encoding.rawValue)
        finished = true
    }
}
