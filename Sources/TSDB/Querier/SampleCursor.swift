/// A pull iterator over one series' samples in time order, across the chunks of blocks and
/// the samples of the head; chunks are decoded lazily as the cursor reaches them.
///
/// ```swift
/// var cursor = series.samples
/// while let sample = cursor.next() { … }
/// if let error = cursor.error { … }   // a chunk that failed to decode
/// ```
public struct SampleCursor: Sendable {
    private var chunks: [EncodedChunk]
    private var chunkIndex = 0
    private var iterator: ChunkIterator?
    private var tail: ArraySlice<Sample>
    private var tailIndex: Int
    private let mint: Int64
    private let maxt: Int64
    /// Buffers of ``next(batch:)``, kept from one chunk to the next.
    private var decodedTimes: [Int64] = []
    private var decodedValues: [Double] = []
    private var decodeScratch: [Int64] = []
    /// Set when a chunk turned out to be corrupt; the samples before it were returned.
    public private(set) var error: ChunkError?

    /// Samples from `chunks` (time-ordered, not overlapping each other or `tail`) and then
    /// `tail`, limited to `[mint, maxt]`.
    init(chunks: [EncodedChunk], tail: ArraySlice<Sample>, mint: Int64, maxt: Int64) {
        self.chunks = chunks
        self.tail = tail
        self.tailIndex = tail.startIndex
        self.mint = mint
        self.maxt = maxt
    }

    init(_ samples: ArraySlice<Sample>) {
        self.init(chunks: [], tail: samples, mint: .min, maxt: .max)
    }

    /// Over samples decoded already, with the error decoding them met.
    init(_ samples: ArraySlice<Sample>, error: ChunkError?) {
        self.init(samples)
        self.error = error
    }

    /// Merges sources that may overlap in time (out-of-order data, overlapping blocks):
    /// decodes them all and keeps one sample per timestamp, the later source winning.
    static func merging(_ sources: [[EncodedChunk]], tail: ArraySlice<Sample>, mint: Int64, maxt: Int64) -> SampleCursor {
        var all: [Sample] = []
        var error: ChunkError?
        for chunks in sources {
            for chunk in chunks {
                var it = ChunkIterator(chunk)
                while let s = it.next(), s.timestamp <= maxt {
                    if s.timestamp >= mint { all.append(s) }
                }
                if let e = it.error { error = e }
            }
        }
        all.append(contentsOf: tail.lazy.filter { $0.timestamp >= mint && $0.timestamp <= maxt })
        // Stable sort keeps source order for equal timestamps; keep the last of each run.
        let sorted = all.enumerated().sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }.map(\.element)
        var merged: [Sample] = []
        merged.reserveCapacity(sorted.count)
        for s in sorted {
            if merged.last?.timestamp == s.timestamp { merged[merged.count - 1] = s } else { merged.append(s) }
        }
        var cursor = SampleCursor(merged[...])
        cursor.error = error
        return cursor
    }

    /// The next sample, or nil when the series is exhausted.
    public mutating func next() -> Sample? {
        if let s = nextFromChunks() { return s }
        return nextFromTail()
    }

    /// The next sample in `[mint, maxt]` from the chunks; nil once they are exhausted (or
    /// past `maxt`, which also ends the tail).
    private mutating func nextFromChunks() -> Sample? {
        while true {
            if iterator != nil {
                while let s = iterator!.next() {
                    if s.timestamp > maxt {
                        chunkIndex = chunks.count
                        iterator = nil
                        tailIndex = tail.endIndex
                        return nil
                    }
                    if s.timestamp >= mint { return s }
                }
                if let e = iterator!.error { error = e }
                iterator = nil
            }
            guard chunkIndex < chunks.count else { return nil }
            iterator = ChunkIterator(chunks[chunkIndex])
            chunkIndex += 1
        }
    }

    private mutating func nextFromTail() -> Sample? {
        while tailIndex < tail.endIndex {
            let s = tail[tailIndex]
            tailIndex += 1
            if s.timestamp > maxt {
                tailIndex = tail.endIndex
                return nil
            }
            if s.timestamp >= mint { return s }
        }
        return nil
    }

    /// Appends the next run of samples to `batch` (the rest of the chunk being read, or the
    /// next chunk whole — or the next two, for `xor` chunks whole inside the range — or the
    /// rest of the tail) and returns false once the series is
    /// exhausted. A chunk is decoded in one pass rather than a sample per call; interleaves
    /// with ``next()``.
    public mutating func next(batch: inout [Sample]) -> Bool {
        let before = batch.count
        if iterator != nil { drainIterator(into: &batch) }
        while batch.count == before && chunkIndex < chunks.count {
            let chunk = chunks[chunkIndex]
            chunkIndex += 1
            if chunk.encoding == .xor {
                // Two whole chunks inside the range decode faster side by side.
                if chunkIndex < chunks.count, chunks[chunkIndex].encoding == .xor,
                   chunk.minTime >= mint, chunk.maxTime <= maxt,
                   chunks[chunkIndex].minTime >= mint, chunks[chunkIndex].maxTime <= maxt,
                   XORChunkDecoder.decodeBoth(chunk, chunks[chunkIndex], into: &batch) {
                    chunkIndex += 1
                    continue
                }
                let start = batch.count
                switch XORChunkDecoder.decodeAll(chunk, mint: mint, maxt: maxt, into: &batch) {
                case .complete:
                    continue
                case .passedMaxt:
                    chunkIndex = chunks.count
                    tailIndex = tail.endIndex
                    continue
                case .failed:
                    // Again sample by sample, which keeps the samples before the error and reports it.
                    batch.removeSubrange(start...)
                    iterator = ChunkIterator(chunk)
                    drainIterator(into: &batch)
                    continue
                }
            }
            if chunk.minTime < mint || chunk.maxTime > maxt {
                // Clipped at an edge of the range: sample by sample.
                iterator = ChunkIterator(chunk)
                drainIterator(into: &batch)
                continue
            }
            do throws(ChunkDecodingFailure) {
                try ColumnarChunk.decode(chunk, timestamps: &decodedTimes, values: &decodedValues, scratch: &decodeScratch)
            } catch {
                // As `next()`: the error is kept and reading goes on with the next chunk.
                self.error = error.error(encoding: chunk.encoding.rawValue)
                continue
            }
            // Zipped through pointers into room made at once: an append per sample costs a
            // uniqueness and a capacity check.
            let count = decodedTimes.count
            let start = batch.count
            batch.append(contentsOf: repeatElement(Sample(0, 0), count: count))
            decodedTimes.withUnsafeBufferPointer { times in
                decodedValues.withUnsafeBufferPointer { values in
                    batch.withUnsafeMutableBufferPointer { out in
                        for i in 0..<count { out[start &+ i] = Sample(times[i], values[i]) }
                    }
                }
            }
        }
        if batch.count == before {
            while let s = nextFromTail() { batch.append(s) }
        }
        return batch.count > before
    }

    /// Appends the rest of the open chunk's samples in `[mint, maxt]` and closes it.
    private mutating func drainIterator(into batch: inout [Sample]) {
        while let s = iterator!.next() {
            if s.timestamp > maxt {
                chunkIndex = chunks.count
                iterator = nil
                tailIndex = tail.endIndex
                return
            }
            if s.timestamp >= mint { batch.append(s) }
        }
        if let e = iterator!.error { error = e }
        iterator = nil
    }

    /// Advances to the first sample at or after `timestamp` and returns it, never moving
    /// backwards. Whole chunks that end before `timestamp` are skipped without decoding.
    public mutating func seek(_ timestamp: Int64) -> Sample? {
        if iterator == nil {
            while chunkIndex < chunks.count && chunks[chunkIndex].maxTime < timestamp { chunkIndex += 1 }
        }
        while let s = nextFromChunks() {
            if s.timestamp >= timestamp { return s }
        }
        if tailIndex < tail.endIndex, tail[tailIndex].timestamp < timestamp {
            tailIndex = tail[tailIndex...].partitioningIndex { $0.timestamp >= timestamp }
        }
        return nextFromTail()
    }

    /// All remaining samples; for tests and small series.
    public mutating func collect() -> [Sample] {
        var out: [Sample] = []
        while let s = next() { out.append(s) }
        return out
    }
}
