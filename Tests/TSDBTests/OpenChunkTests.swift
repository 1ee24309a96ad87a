import TestSupport
import Testing

@testable import TSDB

/// The head's open chunk keeps its bytes in arena pages; it must write exactly the XOR chunk
/// ``XORChunkAppender`` writes, and give its pages back.
struct OpenChunkTests {
    /// Timestamps with scrape jitter, missed scrapes, and now and then a jump that needs the
    /// widest delta-of-delta bucket; values mixing counters, repeats, arbitrary bits and specials.
    func samples(_ count: Int, seed: UInt64) -> [Sample] {
        var rng = SplitMix64(seed: seed)
        var t = Int64.random(in: -1_000_000...1_700_000_000_000, using: &rng)
        var counter = Double(Int.random(in: 0...1_000_000, using: &rng)) / 100
        let specials: [Double] = [.nan, .infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude, StaleMarker.value]
        var out: [Sample] = []
        for _ in 0..<count {
            out.append(Sample(t, {
                switch Int.random(in: 0..<10, using: &rng) {
                case 0..<4:
                    counter += Double(Int.random(in: 0...500, using: &rng)) / 100
                    return counter
                case 4..<6: return out.last?.value ?? 1
                case 6..<8: return Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng))
                case 8: return specials[Int.random(in: 0..<specials.count, using: &rng)]
                default: return Double(Int.random(in: 0...100, using: &rng))
                }
            }()))
            switch Int.random(in: 0..<40, using: &rng) {
            case 0: t += Int64.random(in: 1...(1 << 40), using: &rng)
            case 1: t += 30_000
            default: t += 15_000 + Int64.random(in: -3...3, using: &rng)
            }
        }
        return out
    }

    @Test(arguments: [1, 2, 3, 7, 120, 400])
    func writesTheBytesOfXORChunkAppender(count: Int) {
        let arena = ChunkArena()
        for seed in UInt64(1)...20 {
            var open = OpenChunk()
            var reference = XORChunkAppender()
            for (i, s) in samples(count, seed: seed &* 7919 &+ UInt64(count)).enumerated() {
                open.append(s.timestamp, s.value, arena)
                reference.append(s.timestamp, s.value)
                if i < 5 || i % 13 == 0 || i == count - 1 {
                    #expect(open.snapshot(arena) == reference.snapshot(), "seed \(seed), sample \(i)")
                }
            }
            #expect(open.last?.timestamp == reference.snapshot().maxTime)
            open.release(arena)
        }
        #expect(arena.pagesInUse == 0)
        #expect(OpenChunk().snapshot(arena) == XORChunkAppender().snapshot())
    }

    @Test func releasedPagesAreReusedAndChainsStaySeparate() {
        let arena = ChunkArena()
        // Many chunks appended in step, as a head's series grow, each released and refilled:
        // none may see another's bytes, and the arena does not grow past what is live.
        let data = (0..<50).map { samples(120, seed: UInt64($0)) }
        var opens = [OpenChunk](repeating: OpenChunk(), count: data.count)
        var peak = 0
        for round in 0..<3 {
            for i in 0..<120 {
                for k in opens.indices { opens[k].append(data[k][i].timestamp + Int64(round) << 45, data[k][i].value, arena) }
            }
            peak = max(peak, arena.pagesInUse)
            for k in opens.indices {
                var reference = XORChunkAppender()
                for s in data[k] { reference.append(s.timestamp + Int64(round) << 45, s.value) }
                #expect(opens[k].snapshot(arena) == reference.snapshot())
                opens[k].release(arena)
            }
            #expect(arena.pagesInUse == 0)
        }
        let bytes = data.map { d in var r = XORChunkAppender(); for s in d { r.append(s.timestamp, s.value) }; return r.byteCount }
        // At most one page per started 60 bytes of each chunk's body: no page is lost.
        #expect(peak <= bytes.reduce(0) { $0 + ($1 - 2 + ChunkArena.dataSize - 1) / ChunkArena.dataSize })
    }
}

/// What the head keeps per series must not change what readers get back.
struct HeadSeriesStorageTests {
    /// The head's per-series budget (≤ 800 resident bytes with 30 minutes of samples) counts
    /// on these sizes; a field added to the series shows here first.
    @Test func aSeriesTakes80BytesInline() {
        #expect(MemoryLayout<OpenChunk>.size == 54)
        #expect(MemoryLayout<MemSeries>.stride == 80)
    }

    @Test func labelsThatDifferOnlyInUnicodeNormalizationStayApart() {
        var head = Head()
        let composed = Labels(["__name__": "a_metric_name_longer_than_fifteen_bytes", "city": "café"])
        let decomposed = Labels(["__name__": "a_metric_name_longer_than_fifteen_bytes", "city": "cafe\u{301}"])
        let a = head.getOrCreate(composed).ref
        let b = head.getOrCreate(decomposed).ref
        #expect(a != b && head.seriesCount == 2)
        #expect(Array(head.labels(of: a)!["city"]!.utf8) == Array("café".utf8))
        #expect(Array(head.labels(of: b)!["city"]!.utf8) == Array("cafe\u{301}".utf8))
        #expect(head.ref(for: decomposed) == b)
    }

    @Test func cutChunksAndRemovedSeriesGiveTheirPagesBack() {
        var head = Head()
        let refs = (0..<20).map { head.getOrCreate(Labels(["__name__": "m", "i": String($0)])).ref }
        for t in 0..<1_000 {
            for ref in refs { _ = head.insert(ref, Int64(t) * 15_000, Double(t % 7), window: 0) }
        }
        // 1 000 samples: 8 chunks cut, 40 samples in each open chunk.
        #expect(head.sampleCount == 20_000 && head.chunkCount == 20 * 9)
        let open = head.arena.pagesInUse
        #expect(open > 0 && open <= 20 * 4)
        #expect(head[refs[3]]!.samples(from: 990 * 15_000, through: .max).map(\.value) == (990..<1_000).map { Double($0 % 7) })
        #expect(head.truncate(before: .max) == 20)
        #expect(head.arena.pagesInUse == 0 && head.seriesCount == 0)
    }

    @Test func removingMostSeriesCompactsTheLabelsAndKeepsTheRest() {
        var head = Head()
        func labels(_ i: Int) -> Labels {
            Labels(["__name__": "node_filesystem_avail_bytes", "instance": "host-\(i / 10):9100", "mountpoint": "/mnt/volume-\(i)"])
        }
        let refs = (0..<3_000).map { head.getOrCreate(labels($0)).ref }
        for (i, ref) in refs.enumerated() { _ = head.insert(ref, i < 2_500 ? 0 : 10_000, Double(i), window: 0) }
        #expect(head.truncate(before: 5_000) == 2_500)
        #expect(head.seriesCount == 500)
        for i in [0, 2_499] {
            #expect(head.ref(for: labels(i)) == nil)
            #expect(head.labels(of: refs[i])!.isEmpty)
        }
        for i in 2_500..<3_000 {
            #expect(head.ref(for: labels(i)) == refs[i])
            #expect(head.labels(of: refs[i]) == labels(i))
            #expect(head.hasLabels(refs[i], labels(i)) && !head.hasLabels(refs[i], labels(i - 1)))
            #expect(head[refs[i]]!.samples(from: .min, through: .max) == [Sample(10_000, Double(i))])
        }
        // A removed label set comes back as a new series.
        let again = head.getOrCreate(labels(7))
        #expect(again.created && again.ref.rawValue == 3_001 && head.labels(of: again.ref) == labels(7))
    }
}

/// Label sets whose hashes collide must each find their own series.
struct SeriesLabelStoreTests {
    @Test func labelSetsWithTheSameHashAreTellApart() {
        var store = SeriesLabelStore()
        let sets = (0..<4).map { Labels(["__name__": "m", "i": String($0)]) }
        var series: [MemSeries] = []
        for (i, labels) in sets.enumerated() {
            series.append(MemSeries(labels: store.add(labels), logged: true))
            store.index(SeriesRef(UInt64(i + 1)), hash: 42)
        }
        for (i, labels) in sets.enumerated() {
            #expect(store.ref(for: labels, hash: 42, in: series) == SeriesRef(UInt64(i + 1)))
            #expect(store.labels(series[i]) == labels)
        }
        store.remove(SeriesRef(1), hash: 42, count: 2)
        store.remove(SeriesRef(3), hash: 42, count: 2)
        #expect(store.ref(for: sets[0], hash: 42, in: series) == nil)
        #expect(store.ref(for: sets[1], hash: 42, in: series) == SeriesRef(2))
        #expect(store.ref(for: sets[2], hash: 42, in: series) == nil)
        #expect(store.ref(for: sets[3], hash: 42, in: series) == SeriesRef(4))
        #expect(store.ref(for: Labels(["__name__": "m", "i": "9"]), hash: 42, in: series) == nil)
    }
}
