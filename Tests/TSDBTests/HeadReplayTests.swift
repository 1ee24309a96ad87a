import Testing
@testable import TSDB

/// WAL replay applies sample records grouped by series, in batches, over several threads; the
/// head must come out as applying every record one sample at a time in log order made it.
struct HeadReplayTests {
    typealias Entry = (ref: SeriesRef, timestamp: Int64, value: Double)

    /// The head as records applied one sample at a time make it (replay before batching).
    func oneByOne(_ records: [WALRecord], minTime: Int64, window: Int64) -> Head {
        var head = Head()
        for record in records {
            switch record {
            case .series(let entries):
                for entry in entries { head.restore(entry.ref, entry.labels) }
            case .samples(let entries):
                for entry in entries where head[entry.ref] != nil && entry.timestamp >= minTime {
                    _ = head.insert(entry.ref, entry.timestamp, entry.value, window: window)
                }
            case .deletion(let matchers, let mint, let maxt):
                _ = head.delete(matchers, mint: mint, maxt: maxt)
            }
        }
        return head
    }

    func batched(_ records: [WALRecord], minTime: Int64, window: Int64, limit: Int, threads: Int) -> Head {
        var head = Head()
        var batch = HeadReplayBatch(minTime: minTime, limit: limit)
        for record in records { head.replay(record, batch: &batch, window: window, threads: threads) }
        head.replay(&batch, window: window, threads: threads)
        return head
    }

    /// Scrape-like records over `seriesCount` series with out-of-order, duplicate and
    /// conflicting samples, samples for refs not logged yet, series logged late and a deletion.
    func records(seriesCount: Int, scrapes: Int, seed: UInt64) -> [WALRecord] {
        var random = seed
        func next() -> UInt64 {
            random &+= 0x9E37_79B9_7F4A_7C15
            var z = random
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        func labels(_ i: Int) -> Labels { Labels(["__name__": "m\(i % 7)", "i": String(i), "job": i % 2 == 0 ? "a" : "b"]) }
        let early = seriesCount * 3 / 4
        var out: [WALRecord] = [.series((0..<early).map { (SeriesRef(UInt64($0 + 1)), labels($0)) })]
        for scrape in 0..<scrapes {
            let t = Int64(scrape) * 15_000
            // The late series come in two records, the younger half first: until the older
            // half is logged, its refs are gaps (filled, then replaced).
            let middle = (early + seriesCount) / 2
            if scrape == scrapes / 4 {
                out.append(.series((middle..<seriesCount).map { (SeriesRef(UInt64($0 + 1)), labels($0)) }))
            }
            if scrape == scrapes / 3 {
                out.append(.series((early..<middle).map { (SeriesRef(UInt64($0 + 1)), labels($0)) }))
            }
            var entries: [Entry] = []
            for i in 0..<seriesCount {
                let roll = next() % 100
                let value = Double(next() % 1000) / 4
                switch roll {
                case 0..<3: entries.append((SeriesRef(UInt64(i + 1)), t - 20_000, value)) // out of order
                case 3..<5: entries.append((SeriesRef(UInt64(i + 1)), t - 15_000, value)) // maybe a conflicting duplicate
                default: entries.append((SeriesRef(UInt64(i + 1)), t, value))
                }
                if roll == 5 { entries.append((SeriesRef(UInt64(i + 1)), t, value)) } // an exact duplicate
            }
            entries.append((SeriesRef(UInt64(seriesCount + 5)), t, 1)) // never logged
            out.append(.samples(entries))
            if scrape == scrapes / 2 {
                out.append(.deletion(matchers: [.equal("__name__", "m3")], mint: 0, maxt: t - 30_000))
            }
        }
        return out
    }

    func expectSame(_ a: Head, _ b: Head) {
        #expect(a.counters == b.counters)
        #expect(a.series.count == b.series.count)
        #expect(a.seriesCount == b.seriesCount)
        for i in 0..<min(a.series.count, b.series.count) {
            let ref = SeriesRef(UInt64(i + 1))
            let x = a[ref]!, y = b[ref]!
            #expect(x.labels == y.labels)
            #expect(x.samples(from: .min, through: .max) == y.samples(from: .min, through: .max), "\(x.labels)")
        }
    }

    @Test(arguments: [(limit: 1 << 22, threads: 1), (1 << 22, 2), (5_000, 2), (70_000, 3), (1, 1)])
    func batchedReplayMatchesOneByOne(limit: Int, threads: Int) {
        // 400 series × 200 scrapes: more samples than the threshold below which one thread applies a batch.
        let records = records(seriesCount: 400, scrapes: 200, seed: 42)
        let window: Int64 = .max / 4
        let minTime: Int64 = 30_000
        let reference = oneByOne(records, minTime: minTime, window: window)
        #expect(reference.counters.outOfOrderAccepted > 0)
        #expect(reference.counters.duplicateRejected > 0)
        expectSame(reference, batched(records, minTime: minTime, window: window, limit: limit, threads: threads))
    }
}
