import Foundation
import Testing
@testable import TSDB

/// Cases ``StorePropertyTests`` found, each reduced to what a user would see.
struct StoreRegressionTests {
    static let hour: Int64 = 3_600_000
    let up = Labels(["__name__": "up", "instance": "a"])
    let load = Labels(["__name__": "load1", "instance": "a"])

    func read(_ store: Store, _ labels: Labels) throws -> [Sample] {
        let series = try store.querier().select(labels.map { LabelMatcher.equal($0.name, $0.value) }, mint: .min, maxt: .max, hints: .init())
        guard var cursor = series.first(where: { $0.labels == labels })?.samples else { return [] }
        return cursor.collect()
    }

    /// Inside the out-of-order window, a sample at the timestamp of an older in-order sample
    /// (not the newest) with another value is a duplicate, as at the newest: it used to be
    /// stored beside it and replace it in reads.
    @Test func outOfOrderSampleOnAnOlderTimestampIsADuplicate() throws {
        let dir = TemporaryDirectory()
        let store = try Store(options: StoreOptions(path: dir.path, outOfOrderWindow: 60_000))
        var app = store.appender()
        for t in stride(from: Int64(1_000), through: 5_000, by: 1_000) { try app.append(.unknown, up, t, Double(t)) }
        try app.commit()
        #expect(throws: AppendError.duplicateTimestamp(up, timestamp: 2_000)) { try app.append(.unknown, up, 2_000, 7) }
        try app.append(.unknown, up, 3_000, 3_000)  // the same value: accepted, nothing stored
        try app.append(.unknown, up, 2_500, 1)  // a new timestamp inside the window: stored
        #expect(try app.commit() == 1)
        #expect(try read(store, up).map(\.value) == [1_000, 2_000, 1, 3_000, 4_000, 5_000])
        #expect(store.stats.counters.duplicateRejected == 1)
    }

    /// A series is logged by the first commit that uses it: one created by a rolled-back
    /// batch is logged after younger series. Replay used to drop it and its samples.
    @Test func seriesLoggedAfterYoungerOnesSurviveReplay() throws {
        let dir = TemporaryDirectory()
        do {
            let store = try Store(options: StoreOptions(path: dir.path))
            var app = store.appender()
            try app.append(.unknown, up, 1_000, 1)  // creates `up` (ref 1)
            app.rollback()
            try app.append(.unknown, load, 1_000, 0.5)  // ref 2, logged first
            try app.commit()
            try app.append(.unknown, up, 2_000, 1)  // ref 1, logged now
            try app.commit()
            try store.close()
        }
        let reopened = try Store(options: StoreOptions(path: dir.path))
        #expect(try read(reopened, up) == [Sample(2_000, 1)])
        #expect(try read(reopened, load) == [Sample(1_000, 0.5)])
        #expect(try reopened.querier().select([.equal("instance", "a")], mint: .min, maxt: .max, hints: .init()).map(\.labels) == [load, up])
    }

    /// A series logged while none of its samples was stored leaves the head at the second
    /// compaction pass; when it comes back it is logged again under a new ref. Replay used to
    /// keep the first record and drop every sample under the new ref.
    @Test func aSeriesLoggedAgainUnderANewRefSurvivesReplay() throws {
        let dir = TemporaryDirectory()
        do {
            let store = try Store(options: StoreOptions(path: dir.path))
            var app = store.appender()
            for t in stride(from: Int64(0), through: 3 * Self.hour, by: 60_000) { try app.append(.unknown, load, t, 1) }
            try app.commit()
            // A scrape appends before a head cut and commits after it: its sample is too old
            // by then, but the series is logged.
            try app.append(.unknown, up, Self.hour, 1)
            try store.compact(now: 3 * Self.hour)
            #expect(store.blocks.count == 1)
            #expect(try app.commit() == 0)
            try store.compact(now: 3 * Self.hour)  // `up` is still empty: it leaves the head
            try app.append(.unknown, up, 3 * Self.hour, 2)
            #expect(try app.commit() == 1)
            #expect(try read(store, up) == [Sample(3 * Self.hour, 2)])
            try store.close()
        }
        let reopened = try Store(options: StoreOptions(path: dir.path))
        #expect(try read(reopened, up) == [Sample(3 * Self.hour, 2)])
    }
}
