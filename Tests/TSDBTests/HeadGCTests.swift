import Foundation
import Testing
@testable import TSDB

/// Series that stop receiving samples leave the head once their samples are in blocks; reads,
/// restarts and appenders holding old refs see nothing lost.
struct HeadGCTests {
    static let hour: Int64 = 3_600_000

    func values(_ store: Store, _ name: String) throws -> [String] {
        try store.querier().labelValues(name, matching: [], mint: .min, maxt: .max)
    }

    func read(_ store: Store, _ labels: Labels) throws -> [Sample] {
        let series = try store.querier().select(labels.map { LabelMatcher.equal($0.name, $0.value) }, mint: .min, maxt: .max, hints: .init())
        guard var cursor = series.first(where: { $0.labels == labels })?.samples else { return [] }
        return cursor.collect()
    }

    /// `gone` gets samples for the first 2 h only; `kept` for 6 h.
    func fill(_ store: Store, gone: Labels, kept: Labels) throws -> SeriesRef {
        var app = store.appender()
        var goneRef = SeriesRef.unknown
        for t in stride(from: Int64(0), to: 6 * Self.hour, by: 60_000) {
            if t < 2 * Self.hour { goneRef = try app.append(goneRef, gone, t, Double(t)) }
            try app.append(.unknown, kept, t, 1)
            try app.commit()
        }
        return goneRef
    }

    let gone = Labels(["__name__": "churn", "pod": "old-7f9c"])
    let kept = Labels(["__name__": "churn", "pod": "new-1a2b"])

    @Test func aSeriesWhoseSamplesAreAllInBlocksLeavesTheHead() throws {
        let dir = TemporaryDirectory()
        let store = try Store(options: StoreOptions(path: dir.path))
        _ = try fill(store, gone: gone, kept: kept)
        #expect(store.stats.series == 2)
        try store.compact(now: 6 * Self.hour)
        #expect(store.stats.series == 1, "the old pod's series left the head")
        #expect(store.stats.counters.seriesRemoved == 1)
        // Its samples are still read, from the block.
        #expect(try read(store, gone).count == 120)
        #expect(try read(store, kept).count == 360)
        #expect(try values(store, "pod") == ["new-1a2b", "old-7f9c"], "label values still come from the block")

        // After a restart the removed series does not come back into the head.
        try store.close()
        let reopened = try Store(options: StoreOptions(path: dir.path))
        #expect(reopened.stats.series == 1)
        #expect(try read(reopened, gone).count == 120)
    }

    @Test func anAppenderHoldingARemovedRefStillStoresItsSample() throws {
        let dir = TemporaryDirectory()
        let store = try Store(options: StoreOptions(path: dir.path))
        let oldRef = try fill(store, gone: gone, kept: kept)
        // The scrape loop resolved its ref before the cut, commits after it.
        var app = store.appender()
        let ref = try app.append(oldRef, gone, 6 * Self.hour, 42)
        #expect(ref == oldRef)
        try store.compact(now: 6 * Self.hour)
        #expect(try app.commit() == 1)
        #expect(try read(store, gone).last == Sample(6 * Self.hour, 42))
        // A later append with the stale ref finds the series again by its labels.
        var next = store.appender()
        let newRef = try next.append(oldRef, gone, 6 * Self.hour + 60_000, 43)
        #expect(newRef != oldRef)
        try next.commit()
        #expect(store.stats.series == 2)
        // And both samples survive a crash (no close) and replay.
        let reopened = try Store(options: StoreOptions(path: dir.path))
        #expect(try read(reopened, gone).suffix(2) == [Sample(6 * Self.hour, 42), Sample(6 * Self.hour + 60_000, 43)])
    }

    @Test func aSeriesCreatedByABatchNeverCommittedLeavesAtTheSecondPass() throws {
        let dir = TemporaryDirectory()
        let store = try Store(options: StoreOptions(path: dir.path))
        var app = store.appender()
        try app.append(.unknown, Labels(["__name__": "never"]), 0, 1)
        app.rollback()
        _ = try fill(store, gone: gone, kept: kept)
        try store.compact(now: 6 * Self.hour)
        #expect(store.stats.series == 2, "one pass may race a batch still being filled: the empty series stays")
        var more = store.appender()
        for t in stride(from: 6 * Self.hour, to: 9 * Self.hour, by: 60_000) {
            try more.append(.unknown, kept, t, 1)
            try more.commit()
        }
        try store.compact(now: 9 * Self.hour)
        #expect(store.stats.series == 1, "still empty at the next pass: removed")
        #expect(store.stats.counters.seriesRemoved == 2)
    }
}
