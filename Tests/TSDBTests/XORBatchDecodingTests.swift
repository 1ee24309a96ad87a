import TestSupport
import Testing

@testable import TSDB

/// `SampleCursor.next(batch:)` decodes `xor` chunks whole (`XORChunkDecoder.decodeAll`); it
/// must yield what `next()` yields sample by sample through `ChunkIterator`, errors included,
/// for sound and damaged chunks and ranges that clip them.
@Suite struct XORBatchDecodingTests {
    static func samples(_ count: Int, _ rng: inout SplitMix64) -> [Sample] {
        var out: [Sample] = []
        var t = Int64.random(in: -1_000_000...1_700_000_000_000, using: &rng)
        var value = Double.random(in: -1e6...1e6, using: &rng)
        for _ in 0..<count {
            switch Int.random(in: 0..<8, using: &rng) {
            case 0: t += 15_000
            case 1: t += Int64.random(in: 1...3, using: &rng)
            case 2: t += Int64.random(in: 1...1 << 40, using: &rng)
            default: t += 15_000 + Int64.random(in: -3...3, using: &rng)
            }
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: break
            case 1: value = .nan
            case 2: value = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng))
            case 3: value = StaleMarker.value
            default: value = (value.isFinite ? value : 0) + Double(Int.random(in: 0...500, using: &rng)) / 100
            }
            out.append(Sample(t, value))
        }
        return out
    }

    static func chunks() -> [EncodedChunk] {
        var rng = SplitMix64(seed: 0x0B47C4)
        return [1, 2, 3, 17, 120, 300].flatMap { n in (0..<4).map { _ in ChunkEncoder.encode(samples(n, &rng), as: .xor) } }
    }

    /// Both ways over `chunks` limited to `[mint, maxt]`: samples, and the error as text.
    static func both(_ chunks: [EncodedChunk], mint: Int64, maxt: Int64) -> (batch: [Sample], single: [Sample], batchError: String?, singleError: String?) {
        var batched = SampleCursor(chunks: chunks, tail: [], mint: mint, maxt: maxt)
        var batch: [Sample] = []
        var calls = 0
        while batched.next(batch: &batch) {
            calls += 1
            if calls > chunks.count + 1 { break }
        }
        var single = SampleCursor(chunks: chunks, tail: [], mint: mint, maxt: maxt)
        let samples = single.collect()
        return (batch, samples, batched.error.map { "\($0)" }, single.error.map { "\($0)" })
    }

    static func expectSame(_ chunks: [EncodedChunk], mint: Int64, maxt: Int64) {
        let r = both(chunks, mint: mint, maxt: maxt)
        #expect(r.batch.map(\.timestamp) == r.single.map(\.timestamp))
        #expect(r.batch.map(\.value.bitPattern) == r.single.map(\.value.bitPattern))
        #expect(r.batchError == r.singleError)
    }

    @Test func soundChunksDecodeAsSampleBySample() {
        for chunk in Self.chunks() {
            let span = chunk.maxTime &- chunk.minTime
            for (mint, maxt) in [(Int64.min, Int64.max), (chunk.minTime, chunk.maxTime),
                                 (chunk.minTime &+ span / 3, chunk.maxTime &- span / 3), (chunk.maxTime, chunk.maxTime)] {
                Self.expectSame([chunk], mint: mint, maxt: maxt)
            }
        }
        // Two chunks in a row, the second after the first (a cursor's usual case).
        let first = Self.chunks().first { $0.count == 120 }!
        let rest = Self.chunks().first { $0.count == 3 && $0.minTime > first.maxTime }
        if let rest { Self.expectSame([first, rest], mint: .min, maxt: .max) }
    }

    @Test func damagedChunksFailAsSampleBySample() {
        for chunk in Self.chunks() where chunk.count <= 17 {
            for length in 0..<chunk.bytes.count {
                let cut = EncodedChunk(unchecked: .xor, bytes: Array(chunk.bytes[..<length]), count: chunk.count,
                                       minTime: chunk.minTime, maxTime: chunk.maxTime)
                Self.expectSame([cut], mint: .min, maxt: .max)
            }
            for bit in 0..<(chunk.bytes.count * 8) {
                var bytes = chunk.bytes
                bytes[bit / 8] ^= 1 << (bit % 8)
                let flipped = EncodedChunk(unchecked: .xor, bytes: bytes, count: chunk.count, minTime: chunk.minTime, maxTime: chunk.maxTime)
                Self.expectSame([flipped], mint: .min, maxt: .max)
                Self.expectSame([flipped], mint: chunk.minTime, maxt: chunk.minTime &+ (chunk.maxTime &- chunk.minTime) / 2)
            }
            for delta in [-1, 1] as [Int64] {
                Self.expectSame([EncodedChunk(unchecked: .xor, bytes: chunk.bytes, count: chunk.count, minTime: chunk.minTime &+ delta, maxTime: chunk.maxTime)],
                                mint: .min, maxt: .max)
                Self.expectSame([EncodedChunk(unchecked: .xor, bytes: chunk.bytes, count: chunk.count, minTime: chunk.minTime, maxTime: chunk.maxTime &+ delta)],
                                mint: .min, maxt: .max)
            }
            Self.expectSame([EncodedChunk(unchecked: .xor, bytes: chunk.bytes + [0], count: chunk.count, minTime: chunk.minTime, maxTime: chunk.maxTime)],
                            mint: .min, maxt: .max)
        }
    }
}
