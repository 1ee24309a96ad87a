import TestSupport
import Testing

@testable import TSDB

/// `SampleCursor.next(batch:)` decodes two whole `xor` chunks in a row side by side
/// (`XORChunkDecoder.decodeBoth`); with either of them sound or damaged, and counts equal or
/// not, it must yield what `next()` yields sample by sample, errors included.
@Suite struct XORPairDecodingTests {
    /// Two chunks of `first` and `second` samples, the second after the first.
    static func pair(_ first: Int, _ second: Int, _ rng: inout SplitMix64) -> (EncodedChunk, EncodedChunk) {
        let samples = XORBatchDecodingTests.samples(first + second, &rng)
        return (ChunkEncoder.encode(Array(samples[..<first]), as: .xor), ChunkEncoder.encode(Array(samples[first...]), as: .xor))
    }

    static let counts = [(1, 1), (1, 5), (5, 1), (2, 2), (3, 17), (17, 3), (120, 120), (120, 7)]

    @Test func soundPairsDecodeAsSampleBySample() {
        var rng = SplitMix64(seed: 0x9A1B)
        for (first, second) in Self.counts {
            for _ in 0..<4 {
                let (a, b) = Self.pair(first, second, &rng)
                XORBatchDecodingTests.expectSame([a, b], mint: .min, maxt: .max)
                XORBatchDecodingTests.expectSame([a, b], mint: a.minTime, maxt: b.maxTime)
                // Clipped: the pair is not whole inside the range, one at a time it goes.
                XORBatchDecodingTests.expectSame([a, b], mint: a.minTime &+ 1, maxt: b.maxTime)
                XORBatchDecodingTests.expectSame([a, b], mint: a.minTime, maxt: b.maxTime &- 1)
            }
        }
    }

    @Test func damagedPairsFailAsSampleBySample() {
        var rng = SplitMix64(seed: 0x9A1C)
        for (first, second) in Self.counts where first <= 17 && second <= 17 {
            let (a, b) = Self.pair(first, second, &rng)
            for damaged in 0..<2 {
                let chunk = damaged == 0 ? a : b
                func paired(_ bytes: [UInt8], minTime: Int64? = nil, maxTime: Int64? = nil) -> [EncodedChunk] {
                    let broken = EncodedChunk(unchecked: .xor, bytes: bytes, count: chunk.count,
                                              minTime: minTime ?? chunk.minTime, maxTime: maxTime ?? chunk.maxTime)
                    return damaged == 0 ? [broken, b] : [a, broken]
                }
                for length in 0..<chunk.bytes.count {
                    XORBatchDecodingTests.expectSame(paired(Array(chunk.bytes[..<length])), mint: .min, maxt: .max)
                }
                for bit in 0..<(chunk.bytes.count * 8) {
                    var bytes = chunk.bytes
                    bytes[bit / 8] ^= 1 << (bit % 8)
                    XORBatchDecodingTests.expectSame(paired(bytes), mint: .min, maxt: .max)
                }
                for delta in [-1, 1] as [Int64] {
                    XORBatchDecodingTests.expectSame(paired(chunk.bytes, minTime: chunk.minTime &+ delta), mint: .min, maxt: .max)
                    XORBatchDecodingTests.expectSame(paired(chunk.bytes, maxTime: chunk.maxTime &+ delta), mint: .min, maxt: .max)
                }
                XORBatchDecodingTests.expectSame(paired(chunk.bytes + [0]), mint: .min, maxt: .max)
            }
        }
    }
}
