import Testing
@testable import TSDB

/// The shared-timestamp measurement finds the columns series scraped together have in common.
struct TimestampSharingTests {
    @Test func seriesScrapedTogetherShareTheirTimestampColumns() throws {
        let dir = TemporaryDirectory()
        let store = try Store(options: StoreOptions(path: dir.path))
        var app = store.appender()
        var refs = [SeriesRef](repeating: .unknown, count: 10)
        // Ten series of one target share jittered scrape times; an eleventh keeps its own.
        for i in Int64(0)..<2_000 {
            let t = i * 15_000 + (i * 7919) % 400
            for s in 0..<10 {
                refs[s] = try app.append(refs[s], Labels(["__name__": "m\(s)", "instance": "a"]), t, Double((i * Int64(s + 1)) % 100))
            }
            try app.append(.unknown, Labels(["__name__": "m0", "instance": "b"]), t + 1_000 + (i * 31) % 700, 1.5)
        }
        try app.commit()
        try store.compact(now: 2_000 * 15_000, force: true)
        try store.close()

        let sharing = try StoreAnalysis.timestampSharing(path: dir.path)
        #expect(sharing.samples == 22_000)
        #expect(sharing.timestampBytes > 0 && sharing.timestampBytes < sharing.chunkBytes)
        // Two distinct columns per chunk time range (target a's and b's) out of eleven.
        let ratio = Double(sharing.distinctTimestampBytes) / Double(sharing.timestampBytes)
        #expect(ratio > 0.1 && ratio < 0.25, "\(ratio)")
        #expect(sharing.sharedCompressedBytes < sharing.compressedBytes)
        #expect(sharing.compressedBytes > 0)
    }
}
