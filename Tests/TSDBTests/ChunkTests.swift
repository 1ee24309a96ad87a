import TestSupport
import Testing

@testable import TSDB

// MARK: - Test data

/// Node-exporter-like value shapes.
enum ChunkShape: String, CaseIterable, Sendable {
    case cpuSeconds, byteCounter, idleCounter, memoryGauge, loadGauge, floatGauge, constant, steps, bucket, floatSum, mixedSpecials

    fileprivate func values(_ count: Int, _ rng: inout SplitMix64) -> [Double] {
        var out: [Double] = []
        switch self {
        case .cpuSeconds:
            var ticks = Int64.random(in: 0...90_000_000, using: &rng)
            for _ in 0..<count {
                out.append(Double(ticks) / 100)
                ticks += Int64.random(in: 0...1500, using: &rng)
            }
        case .byteCounter:
            var bytes = Int64.random(in: 0...(1 << 40), using: &rng)
            for _ in 0..<count {
                out.append(Double(bytes))
                bytes += Int64.random(in: 0...2_000_000, using: &rng)
            }
        case .idleCounter:
            var sectors = Int64.random(in: 0...1_000_000_000, using: &rng)
            for _ in 0..<count {
                out.append(Double(sectors * 512))
                if Int.random(in: 0..<3, using: &rng) > 0 { sectors += Int64.random(in: 1...4000, using: &rng) }
            }
        case .memoryGauge:
            var kb = Int64.random(in: 1_000_000...16_000_000, using: &rng)
            for _ in 0..<count {
                out.append(Double(kb * 1024))
                kb += Int64.random(in: -20_000...20_000, using: &rng)
            }
        case .loadGauge:
            var load = Int64.random(in: 0...400, using: &rng)
            for _ in 0..<count {
                out.append(Double(load) / 100)
                load = max(0, load + Int64.random(in: -15...15, using: &rng))
            }
        case .floatGauge:
            for _ in 0..<count { out.append(Double.random(in: -1e6...1e6, using: &rng)) }
        case .constant:
            out = Array(repeating: [0, 1, 3.5, 16_777_216_000][Int.random(in: 0..<4, using: &rng)], count: count)
        case .steps:
            var v = Double(Int.random(in: 0...500, using: &rng))
            for _ in 0..<count {
                out.append(v)
                if Int.random(in: 0..<20, using: &rng) == 0 { v = Double(Int.random(in: 0...500, using: &rng)) }
            }
        case .bucket:
            var n = Int64.random(in: 0...1000, using: &rng)
            for _ in 0..<count {
                out.append(Double(n))
                n += Int64.random(in: 0...3, using: &rng)
            }
        case .floatSum:
            var sum = 0.0
            for _ in 0..<count {
                out.append(sum)
                sum += Double(Int.random(in: 1...500_000, using: &rng)) / 1_000_000
            }
        case .mixedSpecials:
            let specials = ChunkEdgeValues.all
            for _ in 0..<count {
                out.append(Int.random(in: 0..<3, using: &rng) == 0
                    ? specials[Int.random(in: 0..<specials.count, using: &rng)]
                    : Double(Int.random(in: -10_000...10_000, using: &rng)) / 100)
            }
        }
        return out
    }
}

private func jitteredTimestamps(_ count: Int, _ rng: inout SplitMix64, start: Int64 = 1_700_000_000_000) -> [Int64] {
    var out: [Int64] = []
    var slot: Int64 = 0
    for _ in 0..<count {
        out.append(start + slot * 15_000 + (slot == 0 ? 0 : Int64.random(in: -3...3, using: &rng)))
        slot += Int.random(in: 0..<50, using: &rng) == 0 ? 2 : 1  // now and then a missed scrape
    }
    return out
}

private enum ChunkEdgeValues {
    static let all: [Double] = [
        .nan, -.nan, Double(bitPattern: 0x7FF8_0000_0000_0001), Double(bitPattern: 0xFFF4_0000_0000_0000),
        StaleMarker.value, .infinity, -.infinity, 0.0, -0.0,
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
        .leastNormalMagnitude, Double.leastNormalMagnitude / 3, 1e-300, 1e300, 1e22, 1e23, 1e-22, 1e-23,
        9_007_199_254_740_992, 9_007_199_254_740_994, 18_014_398_509_481_992, 0.1, 0.2, 0.1 + 0.2, 1.0 / 3, 0.35, 123.45, -987.654, .pi,
    ]
}

private func decodeChunk(_ chunk: EncodedChunk) -> (samples: [Sample], error: ChunkError?) {
    var iterator = ChunkIterator(chunk)
    var samples: [Sample] = []
    while let sample = iterator.next() {
        samples.append(sample)
        if samples.count > chunk.count { break }
    }
    return (samples, iterator.error)
}

/// Every encoding, or the ones that can hold `samples`.
private func encodings(for samples: [Sample]) -> [ChunkEncoding] {
    let constant = samples.allSatisfy { $0.value.bitPattern == samples.first?.value.bitPattern }
    return ChunkEncoding.allCases.filter { $0 != .constant || constant }
}

// MARK: - Round trips

@Suite struct ChunkRoundTripTests {
    @Test(arguments: ChunkEncoding.allCases)
    func edgeValuesRoundTripBitExactly(encoding: ChunkEncoding) {
        let values = ChunkEdgeValues.all
        let samples = values.enumerated().map { Sample(1_000 + Int64($0.offset) * 15_000, $0.element) }
        let chunk = ChunkEncoder.encode(samples, as: encoding)
        if encoding != .constant { #expect(chunk.encoding == encoding) }
        let decoded = decodeChunk(chunk)
        #expect(decoded.error == nil)
        #expect(decoded.samples == samples)
    }

    @Test(arguments: ChunkEncoding.allCases, ChunkEdgeValues.all)
    func repeatedEdgeValueRoundTrips(encoding: ChunkEncoding, value: Double) {
        for count in [1, 2, 3, 120] {
            let samples = (0..<count).map { Sample(Int64($0) * 15_000, value) }
            let chunk = ChunkEncoder.encode(samples, as: encoding)
            #expect(chunk.encoding == encoding)
            let decoded = decodeChunk(chunk)
            #expect(decoded.error == nil)
            #expect(decoded.samples == samples, "\(encoding), \(count) × \(value.bitPattern)")
        }
    }

    /// Timestamps with wrapping differences: every encoding keeps any increasing `Int64`s.
    static let timestampCases: [[Int64]] = [
        [0],
        [.min],
        [.max],
        [.min, .max],
        [.min, 0, .max],
        [.min, .min + 1, .max - 1, .max],
        [-1_000_000, -15_000, 0, 15_000],
        [1, 2, 3, 1 << 40, (1 << 40) + 1],
        (0..<120).map { -1_700_000_000_000 + Int64($0) * 15_000 },
        (0..<120).map { Int64($0) * 1000 + ($0 % 7 == 0 ? 1 : 0) },
        [0, 1, Int64(1) << 62, .max],
    ]

    @Test(arguments: ChunkEncoding.allCases, timestampCases)
    func extremeTimestampsRoundTrip(encoding: ChunkEncoding, timestamps: [Int64]) {
        let samples = timestamps.enumerated().map { Sample($0.element, encoding == .constant ? 7 : Double($0.offset) * 0.5) }
        let chunk = ChunkEncoder.encode(samples, as: encoding)
        #expect(chunk.encoding == encoding)
        #expect(chunk.minTime == timestamps.first && chunk.maxTime == timestamps.last)
        let decoded = decodeChunk(chunk)
        #expect(decoded.error == nil)
        #expect(decoded.samples == samples)
    }

    @Test(arguments: ChunkShape.allCases)
    func everyEncodingRoundTripsEveryShape(shape: ChunkShape) {
        var rng = SplitMix64(seed: 7)
        for count in [1, 2, 3, 7, 120, 240] {
            let samples = zip(jitteredTimestamps(count, &rng), shape.values(count, &rng)).map { Sample($0, $1) }
            for encoding in encodings(for: samples) {
                let chunk = ChunkEncoder.encode(samples, as: encoding)
                #expect(chunk.encoding == encoding)
                let decoded = decodeChunk(chunk)
                let same = decoded.samples == samples
                #expect(decoded.error == nil, "\(shape) \(encoding) \(count)")
                #expect(same, "\(shape) \(encoding) \(count)")
            }
        }
    }

    @Test func emptyChunkIsXOR() throws {
        let chunk = ChunkEncoder.encode([])
        #expect(chunk.encoding == .xor && chunk.count == 0 && chunk.bytes == [0, 0])
        #expect(chunk.minTime == .max && chunk.maxTime == .min)
        #expect(decodeChunk(chunk).samples.isEmpty && decodeChunk(chunk).error == nil)
        let reread = try EncodedChunk(encoding: 1, bytes: [0, 0], count: 0, minTime: .max, maxTime: .min)
        #expect(reread == chunk)
    }

    @Test func constantFallsBackWhenValuesDiffer() {
        let samples = [Sample(0, 1), Sample(1, 2)]
        let chunk = ChunkEncoder.encode(samples, as: .constant)
        #expect(chunk.encoding != .constant)
        #expect(decodeChunk(chunk).samples == samples)
    }
}

// MARK: - Choosing an encoding

@Suite struct ChunkEncoderTests {
    /// Seeded property: the chosen encoding round-trips exactly and is never larger than xor.
    @Test(arguments: ChunkShape.allCases)
    func chosenEncodingRoundTripsAndBeatsXOR(shape: ChunkShape) {
        var rng = SplitMix64(seed: 0x5EED ^ UInt64(shape.rawValue.utf8.count))
        for _ in 0..<60 {
            let count = Int.random(in: 1...240, using: &rng)
            let samples = zip(jitteredTimestamps(count, &rng), shape.values(count, &rng)).map { Sample($0, $1) }
            let best = ChunkEncoder.encode(samples)
            let xor = ChunkEncoder.encode(samples, as: .xor)
            #expect(best.bytes.count <= xor.bytes.count, "\(shape) \(count): \(best.encoding)")
            #expect(best.count == count && best.minTime == samples.first!.timestamp && best.maxTime == samples.last!.timestamp)
            let decoded = decodeChunk(best)
            let same = decoded.samples == samples
            #expect(decoded.error == nil)
            #expect(same, "\(shape) \(count): \(best.encoding)")
        }
    }

    @Test func picksTheEncodingTheDataCallsFor() {
        let regular = (0..<120).map { Int64($0) * 15_000 }
        let constant = ChunkEncoder.encode(regular.map { Sample($0, 1) })
        #expect(constant.encoding == .constant)
        // Regular timestamps and a constant value: the header byte and the value (2 bytes).
        #expect(constant.bytes.count == 3)

        let cpu = ChunkEncoder.encode(regular.enumerated().map { Sample($0.element, Double(123_456 + $0.offset * 1_498) / 100) })
        #expect(cpu.encoding == .decimal)
        #expect(cpu.bytesPerSample < 0.2)

        var rng = SplitMix64(seed: 1)
        let floats = ChunkEncoder.encode(regular.map { Sample($0, Double.random(in: 0...1, using: &rng)) })
        #expect(floats.encoding == .packedXOR)
    }

    @Test func staleMarkerAtTheEndKeepsTheDecimalEncoding() {
        var samples = (0..<120).map { Sample(Int64($0) * 15_000, Double(10_000 + $0 * 37) / 100) }
        samples[119].value = StaleMarker.value
        let chunk = ChunkEncoder.encode(samples)
        #expect(chunk.encoding == .decimal)
        #expect(decodeChunk(chunk).samples == samples)
        #expect(StaleMarker.isStale(decodeChunk(chunk).samples[119].value))
    }
}

// MARK: - XOR

/// A chunk whose bytes were worked out by hand from the format in `docs/format/chunks.md`.
struct GoldenChunk: Sendable, CustomTestStringConvertible {
    var name: String
    var encoding: ChunkEncoding
    var samples: [Sample]
    var bytes: [UInt8]
    var testDescription: String { name }

    static let all: [GoldenChunk] = [
        GoldenChunk(
            name: "xor", encoding: .xor,
            samples: [Sample(1000, 1.0), Sample(2000, 1.0), Sample(3000, 2.0), Sample(4100, 2.0), Sample(5200, 8.0)],
            bytes: [
                0x00, 0x05,                                       // 5 samples
                0xD0, 0x0F,                                       // t₀ 1000, zigzag varint
                0x3F, 0xF0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   // v₀ 1.0
                0xE8, 0x07,                                       // Δt₁ 1000
                // v₁ same `0`; dod₂ 0 `0`; v₂ `11` leading 00001, 11 significant (001011),
                // 11111111111; dod₃ 100 `10` + 14 bits; v₃ same `0`; dod₄ `0`;
                // v₄ reuses the window: `10` 00000000010; zero padding
                0x30, 0x97, 0xFF, 0xE0, 0x19, 0x08, 0x01, 0x00,
            ]),
        GoldenChunk(
            name: "constant up", encoding: .constant,
            samples: [Sample(0, 1), Sample(15_000, 1), Sample(30_000, 1)],
            // header: regular timestamps; CompactFloat tag 22 (exponent 0), mantissa 1
            bytes: [0x00, 0x16, 0x02]),
        GoldenChunk(
            name: "constant stale", encoding: .constant,
            samples: [Sample(-5, StaleMarker.value), Sample(5, StaleMarker.value)],
            // header; CompactFloat tag 45 + 1 (stale marker)
            bytes: [0x00, 0x2E]),
        GoldenChunk(
            name: "decimal gauge", encoding: .decimal,
            samples: [Sample(1000, 0.5), Sample(2000, 0.75), Sample(3000, 1.0), Sample(4000, 1.25)],
            // header: regular timestamps, order 1 (deltas); exponent -2; m₀ 50;
            // deltas all 25: width 0, base 25
            bytes: [0x04, 0x03, 0x64, 0x00, 0x32]),
        GoldenChunk(
            name: "decimal with stale end", encoding: .decimal,
            samples: [Sample(0, 1), Sample(1000, 2), Sample(2000, StaleMarker.value)],
            // header: regular, order 0, exceptions; exponent 0; 1 exception: gap 2, tag 1;
            // mantissas [1, 2]: width 1, base 2, zigzag(-1) = 1 and 0 → bits 10
            bytes: [0x10, 0x00, 0x01, 0x11, 0x04, 0x04, 0x80]),
        GoldenChunk(
            name: "packedXOR", encoding: .packedXOR,
            samples: [Sample(0, 1.5), Sample(1000, 1.5), Sample(2001, 3.0)],
            bytes: [
                0x01,                          // header: timestamp deltas
                0x04, 0xD2, 0x0F, 0x80,        // deltas [1000, 1001]: width 1, base 1001, bits 10
                0x3F, 0xF8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   // v₀ 1.5
                // v₁ same `0`; v₂ `11` 00001 001011 11111111111; padding
                0x61, 0x2F, 0xFF, 0x80,
            ]),
    ]
}

@Suite struct GoldenChunkTests {
    @Test(arguments: GoldenChunk.all)
    func encodesToTheGoldenBytes(golden: GoldenChunk) throws {
        let chunk = ChunkEncoder.encode(golden.samples, as: golden.encoding)
        #expect(chunk.bytes == golden.bytes)
        #expect(chunk.encoding == golden.encoding && chunk.count == golden.samples.count)
        let read = try EncodedChunk(encoding: golden.encoding.rawValue, bytes: golden.bytes, count: golden.samples.count,
                                    minTime: golden.samples.first!.timestamp, maxTime: golden.samples.last!.timestamp)
        #expect(decodeChunk(read).samples == golden.samples)
        // The encoder picks no larger an encoding than the golden one.
        #expect(ChunkEncoder.encode(golden.samples).bytes.count <= golden.bytes.count)
    }
}

@Suite struct XORChunkTests {
    @Test func appenderWritesTheEncodersBytes() {
        let golden = GoldenChunk.all[0]
        var appender = XORChunkAppender()
        for sample in golden.samples { appender.append(sample.timestamp, sample.value) }
        let chunk = appender.snapshot()
        #expect(chunk.bytes == golden.bytes)
        #expect(chunk.minTime == 1000 && chunk.maxTime == 5200 && chunk.count == 5)
    }

    @Test func snapshotsDecodeTheSamplesSoFar() {
        var rng = SplitMix64(seed: 3)
        var appender = XORChunkAppender()
        var samples: [Sample] = []
        for (t, v) in zip(jitteredTimestamps(200, &rng), ChunkShape.mixedSpecials.values(200, &rng)) {
            appender.append(t, v)
            samples.append(Sample(t, v))
            let snapshot = appender.snapshot()
            #expect(snapshot.count == samples.count && appender.byteCount == snapshot.bytes.count)
            if samples.count % 17 == 0 || samples.count < 4 {
                #expect(decodeChunk(snapshot).samples == samples)
            }
        }
        #expect(!appender.isFull)
    }
}

// MARK: - Seek

@Suite struct ChunkSeekTests {
    static let samples = (0..<50).map { Sample(1_000 + Int64($0) * 10, Double($0) / 4) }

    @Test(arguments: [ChunkEncoding.xor, .decimal, .packedXOR])
    func seekFindsTheFirstSampleAtOrAfter(encoding: ChunkEncoding) {
        let chunk = ChunkEncoder.encode(Self.samples, as: encoding)
        var it = ChunkIterator(chunk)
        #expect(it.seek(0) == Self.samples[0])          // before the chunk: the first sample
        #expect(it.next() == Self.samples[1])           // seek consumed what it returned
        #expect(it.seek(1_055) == Self.samples[6])      // between samples: the next one
        #expect(it.seek(1_070) == Self.samples[7])      // exact hit
        #expect(it.seek(1_000) == Self.samples[8])      // never backwards
        #expect(it.seek(1_490) == Self.samples[49])
        #expect(it.seek(1_490) == nil)
        #expect(it.next() == nil && it.error == nil)
        var past = ChunkIterator(chunk)
        #expect(past.seek(1_491) == nil && past.error == nil)
    }

    @Test func seekOnConstantChunk() {
        let chunk = ChunkEncoder.encode(Self.samples.map { Sample($0.timestamp, 5) })
        #expect(chunk.encoding == .constant)
        var it = ChunkIterator(chunk)
        #expect(it.seek(1_251) == Sample(1_260, 5))
        #expect(it.next() == Sample(1_270, 5))
    }

    @Test func resetReusesTheIterator() {
        let a = ChunkEncoder.encode(Self.samples)
        let b = ChunkEncoder.encode(Self.samples, as: .xor)
        var it = ChunkIterator(a)
        _ = it.seek(1_200)
        it.reset(b)
        #expect(it.next() == Self.samples[0])
        it.reset(a)
        var all: [Sample] = []
        while let s = it.next() { all.append(s) }
        #expect(all == Self.samples)
    }
}

// MARK: - Corrupt bytes

@Suite struct ChunkCorruptionTests {
    static func chunks() -> [EncodedChunk] {
        var rng = SplitMix64(seed: 11)
        let t = jitteredTimestamps(40, &rng)
        var out: [EncodedChunk] = []
        for shape in [ChunkShape.cpuSeconds, .mixedSpecials, .floatGauge, .constant, .memoryGauge, .idleCounter] {
            let samples = zip(t, shape.values(40, &rng)).map { Sample($0, $1) }
            for encoding in encodings(for: samples) { out.append(ChunkEncoder.encode(samples, as: encoding)) }
        }
        return out
    }

    /// Decoding a damaged chunk must end — with samples or an error — and never trap.
    static func checkTerminates(_ chunk: EncodedChunk) {
        var it = ChunkIterator(chunk)
        var produced = 0
        while it.next() != nil {
            produced += 1
            if produced > chunk.count { break }
        }
        #expect(produced <= chunk.count)
        if it.error == nil { #expect(produced == chunk.count) }
        var seeker = ChunkIterator(chunk)
        _ = seeker.seek(chunk.minTime &+ 100_000)
        _ = seeker.next()
        let validated = try? EncodedChunk(encoding: chunk.encoding.rawValue, bytes: chunk.bytes, count: chunk.count,
                                          minTime: chunk.minTime, maxTime: chunk.maxTime)
        if validated != nil { #expect(it.error == nil) }
    }

    @Test func truncatedBytesReportAnError() {
        for chunk in Self.chunks() {
            for length in 0..<chunk.bytes.count {
                let cut = EncodedChunk(unchecked: chunk.encoding, bytes: Array(chunk.bytes[..<length]), count: chunk.count,
                                       minTime: chunk.minTime, maxTime: chunk.maxTime)
                Self.checkTerminates(cut)
                #expect(decodeChunk(cut).error != nil, "\(chunk.encoding) cut to \(length) of \(chunk.bytes.count)")
            }
        }
    }

    @Test func flippedBitsNeverTrap() {
        for chunk in Self.chunks() {
            for bit in 0..<(chunk.bytes.count * 8) {
                var bytes = chunk.bytes
                bytes[bit / 8] ^= 1 << (bit % 8)
                Self.checkTerminates(EncodedChunk(unchecked: chunk.encoding, bytes: bytes, count: chunk.count,
                                                  minTime: chunk.minTime, maxTime: chunk.maxTime))
            }
        }
    }

    @Test func randomBytesNeverTrap() {
        var rng = SplitMix64(seed: 99)
        for _ in 0..<3_000 {
            let bytes = (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let encoding = ChunkEncoding.allCases.randomElement(using: &rng)!
            let minTime = Int64.random(in: -100...100, using: &rng)
            Self.checkTerminates(EncodedChunk(unchecked: encoding, bytes: bytes, count: Int.random(in: 0...300, using: &rng),
                                              minTime: minTime, maxTime: minTime + Int64.random(in: 0...5000, using: &rng)))
        }
    }

    /// Count and time range are checked against the bytes. (For the columnar encodings they are
    /// side information: a perfectly regular, linear chunk decodes under a smaller count too,
    /// so the container's checksum must cover them.)
    @Test func wrongHeadersAreRejected() throws {
        let values: [Double] = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]
        let samples = (0..<10).map { Sample(Int64($0) * 1000 + ($0 % 3 == 1 ? 1 : 0), values[$0]) }
        for encoding in ChunkEncoding.allCases where encoding != .constant {
            let chunk = ChunkEncoder.encode(samples, as: encoding)
            let raw = encoding.rawValue
            #expect(throws: ChunkError.self) { try EncodedChunk(encoding: 0, bytes: chunk.bytes, count: 10, minTime: 0, maxTime: 9000) }
            #expect(throws: ChunkError.self) { try EncodedChunk(encoding: raw, bytes: chunk.bytes, count: 9, minTime: 0, maxTime: 9000) }
            #expect(throws: ChunkError.self) { try EncodedChunk(encoding: raw, bytes: chunk.bytes, count: 10, minTime: 1, maxTime: 9000) }
            #expect(throws: ChunkError.self) { try EncodedChunk(encoding: raw, bytes: chunk.bytes, count: 10, minTime: 0, maxTime: 9001) }
            #expect(throws: ChunkError.self) { try EncodedChunk(encoding: raw, bytes: chunk.bytes + [0], count: 10, minTime: 0, maxTime: 9000) }
            #expect(throws: ChunkError.self) { try EncodedChunk(encoding: raw, bytes: chunk.bytes, count: -1, minTime: 0, maxTime: 9000) }
            #expect(throws: ChunkError.self) { try EncodedChunk(encoding: raw, bytes: chunk.bytes, count: 70_000, minTime: 0, maxTime: 9000) }
            let reread = try EncodedChunk(encoding: raw, bytes: chunk.bytes, count: 10, minTime: 0, maxTime: 9000)
            #expect(reread == chunk)
        }
        do {
            _ = try EncodedChunk(encoding: 9, bytes: [], count: 1, minTime: 0, maxTime: 0)
            Issue.record("unknown encoding accepted")
        } catch {
            #expect(error.kind == .unknownEncoding)
            #expect(error.description.contains("encoding 9"))
        }
    }

    @Test func outOfOrderTimestampsAreReported() {
        var appender = XORChunkAppender()
        appender.append(100, 1)
        appender.append(50, 1)
        let decoded = decodeChunk(appender.snapshot())
        #expect(decoded.samples == [Sample(100, 1)])
        #expect(decoded.error?.kind == .outOfOrder)
    }
}

// MARK: - Building blocks

@Suite struct ChunkCodecPartTests {
    /// The fewest fractional digits, and for integers beyond 2⁵³ the smallest exponent that fits.
    @Test(arguments: [
        (0.35, 35, -2), (1.0, 1, 0), (0.0, 0, 0), (123.45, 12_345, -2), (-987.654, -987_654, -3),
        (1e-22, 1, -22), (9_007_199_254_740_992.0, 9_007_199_254_740_992, 0), (1e22, 1_000_000_000_000_000, 7),
        (1e23, 1_000_000_000_000_000, 8), (0.1 + 0.2, 0, 99), (1e-23, 0, 99), (1e300, 0, 99), (-0.0, 0, 99),
        (Double.nan, 0, 99), (Double.infinity, 0, 99), (Double.leastNonzeroMagnitude, 0, 99),
    ] as [(Double, Int64, Int)])
    func decimalDecomposition(value: Double, mantissa: Int64, exponent: Int) {
        let found = DecimalValue.decompose(value)
        if exponent == 99 {
            #expect(found == nil)
        } else {
            #expect(found?.mantissa == mantissa && found?.exponent == exponent)
            #expect(DecimalValue.value(mantissa: mantissa, exponent: exponent).bitPattern == value.bitPattern)
        }
    }

    @Test func decimalDecompositionIsExactForRandomDecimals() {
        var rng = SplitMix64(seed: 5)
        for _ in 0..<20_000 {
            let digits = Int.random(in: 0...15, using: &rng)
            let m = Int64.random(in: -(1 << 53)...(1 << 53), using: &rng)
            let v = DecimalValue.value(mantissa: m, exponent: -digits)
            if let (mm, e) = DecimalValue.decompose(v) {
                #expect(DecimalValue.value(mantissa: mm, exponent: e).bitPattern == v.bitPattern)
                #expect(e >= -digits || mm % 10 != 0)
            }
        }
    }

    static let intColumns: [[Int64]] = [
        [0], [5], [.min], [.max], [.min, .max], [.max, .min, 0, -1, 1],
        Array(repeating: 15_000, count: 119),
        (0..<200).map { Int64($0 % 7) - 3 },
        (0..<100).map { Int64($0) * 4096 + 1 << 33 },
        (0..<100).map { $0 == 50 ? 1 << 40 : Int64($0 % 3) },
        (0..<64).map { Int64(bitPattern: 1 << UInt64($0)) },
        (0..<64).map { 0 &- Int64(bitPattern: 1 << UInt64($0)) },
        (0..<120).map { $0 % 3 == 0 ? 0 : Int64($0) * 512 },
        (0..<9).map { $0 == 4 ? .min : 7 },
        (0..<100).map { $0 % 2 == 0 ? .max : Int64($0) },
    ]

    @Test(arguments: intColumns)
    func packedIntsRoundTrip(values: [Int64]) throws {
        var out = ByteWriter()
        PackedInts.encode(values, into: &out)
        #expect(out.bytes.count <= PackedInts.estimatedSize(values) + values.count / 8 + 2)
        var decoded: [Int64] = []
        let bytes = out.bytes
        let failure = bytes.withUnsafeBytes { raw -> ChunkDecodingFailure? in
            var reader = ByteReader(raw)
            do throws(ChunkDecodingFailure) {
                try PackedInts.decode(count: values.count, from: &reader, into: &decoded)
                return reader.isAtEnd ? nil : ChunkDecodingFailure(.trailingBytes, at: reader.offset, "left over")
            } catch { return error }
        }
        #expect(failure == nil)
        #expect(decoded == values)
    }

    @Test func columnStatisticsAgreeWithSorting() {
        var rng = SplitMix64(seed: 8)
        for _ in 0..<2_000 {
            let n = Int.random(in: 1...300, using: &rng)
            let spread = [Int64(1), 3, 1000, .max][Int.random(in: 0..<4, using: &rng)]
            let values = (0..<n).map { _ in Int64.random(in: -spread...spread, using: &rng) }
            let sorted = values.sorted()
            #expect(ColumnStatistics.median(values) == sorted[n / 2])
            var counts: [Int64: Int] = [:]
            for v in values { counts[v, default: 0] += 1 }
            let top = counts.values.max()!
            if let (value, count) = ColumnStatistics.mostFrequent(values) {
                #expect(count == top && counts[value] == top)
            } else {
                #expect(top * 8 <= n)
            }
        }
    }

    @Test func packedIntsPickDivisorExceptionsAndSparseLayouts() {
        func plain(_ values: [Int64]) -> PackedInts.Plain? {
            if case .plain(let p) = PackedInts.plan(values).layout { return p }
            return nil
        }
        // Memory pages: multiples of 4096 pack in a few bits.
        let pages = (0..<120).map { Int64(8_000_000_000) + Int64($0 % 5) * 4096 }
        #expect(plain(pages)?.gcd == 4096 && plain(pages)?.width == 3)
        // One outlier becomes an exception instead of widening every value.
        let outlier = (0..<120).map { $0 == 60 ? Int64(1_000_000) : Int64($0 % 4) }
        #expect((plain(outlier)?.width ?? 99) <= 3)
        // A counter idle a third of the time: flag the changes, pack only those.
        var rng = SplitMix64(seed: 4)
        let idle = (0..<120).map { _ in Int.random(in: 0..<3, using: &rng) == 0 ? 0 : Int64.random(in: 1...4000, using: &rng) * 512 }
        guard case .sparse(let frequent, _, _) = PackedInts.plan(idle).layout else {
            Issue.record("expected the sparse layout")
            return
        }
        #expect(frequent == 0)
    }
}
