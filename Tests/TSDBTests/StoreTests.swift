import Foundation
import Testing
@testable import TSDB

struct StoreTests {
    let up = Labels(["__name__": "up", "job": "node", "instance": "a"])
    let load = Labels(["__name__": "load1", "job": "node", "instance": "a"])

    func samples(_ store: Store, _ labels: Labels, mint: Int64 = .min, maxt: Int64 = .max) throws -> [Sample] {
        let matchers = labels.map { LabelMatcher.equal($0.name, $0.value) }
        let series = try store.querier().select(matchers, mint: mint, maxt: maxt, hints: .init())
        guard var cursor = series.first(where: { $0.labels == labels })?.samples else { return [] }
        return cursor.collect()
    }

    @Test func appendCommitAndSelect() throws {
        let dir = TemporaryDirectory()
        let store = try Store(options: StoreOptions(path: dir.path))
        var app = store.appender()
        let ref = try app.append(.unknown, up, 1000, 1)
        try app.append(ref, up, 2000, 0)
        try app.append(.unknown, load, 1000, 0.5)
        #expect(try samples(store, up).isEmpty, "nothing is visible before commit")
        #expect(try app.commit() == 3)
        #expect(try samples(store, up) == [Sample(1000, 1), Sample(2000, 0)])
        #expect(try samples(store, up, mint: 1500, maxt: 3000) == [Sample(2000, 0)])
        let all = try store.querier().select([.equal("job", "node")], mint: 0, maxt: 10_000, hints: .init())
        #expect(all.map(\.labels) == [load, up])
    }

    @Test func rollbackDiscardsTheBatch() throws {
        let dir = TemporaryDirectory()
        let store = try Store(options: StoreOptions(path: dir.path))
        var app = store.appender()
        try app.append(.unknown, up, 1000, 1)
        app.rollback()
        #expect(try app.commit() == 0)
        #expect(try samples(store, up).isEmpty)
    }

    @Test func outOfOrderAndDuplicatesFollowPrometheus() throws {
        let dir = TemporaryDirectory()
        let store = try Store(options: StoreOptions(path: dir.path))
        var app = store.appender()
        try app.append(.unknown, up, 5000, 1)
        try app.commit()
        #expect(throws: AppendError.outOfOrder(up, timestamp: 4000, newest: 5000)) { try app.append(.unknown, up, 4000, 1) }
        #expect(throws: AppendError.duplicateTimestamp(up, timestamp: 5000)) { try app.append(.unknown, up, 5000, 2) }
        // The same value at the same timestamp is accepted and ignored.
        try app.append(.unknown, up, 5000, 1)
        #expect(try app.commit() == 0)
        #expect(store.stats.counters.outOfOrderRejected == 1)
        #expect(store.stats.counters.duplicateRejected == 1)
    }

    /// Several samples of one series in a row (remote write, backfill) take the appender's
    /// fast path; it must refuse exactly what the full checks refuse.
    @Test func runsOfSamplesForOneSeriesAreCheckedAsSingleSamplesAre() throws {
        let dir = TemporaryDirectory()
        let store = try Store(options: StoreOptions(path: dir.path, outOfOrderWindow: 10_000))
        var app = store.appender()
        var ref = try app.append(.unknown, up, 100_000, 1)
        for t in stride(from: Int64(115_000), through: 160_000, by: 15_000) { ref = try app.append(ref, up, t, Double(t)) }
        #expect(throws: AppendError.outOfOrder(up, timestamp: 140_000, newest: 160_000)) { try app.append(ref, up, 140_000, 0) }
        // Inside the window behind the batch's newest: accepted, then the run goes on.
        ref = try app.append(ref, up, 155_000, 2)
        ref = try app.append(ref, up, 175_000, 3)
        // A different labels value under the same ref is a different series.
        let other = try app.append(ref, load, 175_000, 9)
        #expect(other != ref)
        #expect(try app.commit() == 8)
        #expect(try samples(store, up).map(\.timestamp) == [100_000, 115_000, 130_000, 145_000, 155_000, 160_000, 175_000])
        #expect(try samples(store, load) == [Sample(175_000, 9)])

        // Behind the head's newest (inside the window) every sample is checked in full.
        var late = store.appender()
        ref = try late.append(ref, up, 166_000, 4)
        ref = try late.append(ref, up, 170_000, 5)
        #expect(throws: AppendError.duplicateTimestamp(up, timestamp: 175_000)) { try late.append(ref, up, 175_000, 6) }
        #expect(throws: AppendError.outOfOrder(up, timestamp: 150_000, newest: 175_000)) { try late.append(ref, up, 150_000, 6) }
        #expect(try late.commit() == 2)
        #expect(try samples(store, up).suffix(3).map(\.timestamp) == [166_000, 170_000, 175_000])
    }

    @Test func outOfOrderWindowAcceptsRecentSamplesInOrder() throws {
        let dir = TemporaryDirectory()
        let store = try Store(options: StoreOptions(path: dir.path, outOfOrderWindow: 10_000))
        var app = store.appender()
        try app.append(.unknown, up, 20_000, 3)
        try app.commit()
        try app.append(.unknown, up, 12_000, 1)
        try app.append(.unknown, up, 15_000, 2)
        #expect(throws: AppendError.self) { try app.append(.unknown, up, 5_000, 0) }
        try app.commit()
        #expect(try samples(store, up) == [Sample(12_000, 1), Sample(15_000, 2), Sample(20_000, 3)])
    }

    @Test func invalidLabelsAreRefusedAndNothingElseIsTouched() throws {
        let dir = TemporaryDirectory()
        let store = try Store(options: StoreOptions(path: dir.path))
        var app = store.appender()
        try app.append(.unknown, up, 1000, 1)
        try app.commit()
        let bad = Labels(["__name__": "up", "bad-label": "x"])
        #expect(throws: AppendError.invalidLabels(bad, .invalidName("bad-label"))) { try app.append(.unknown, bad, 2000, 1) }
        try app.commit()
        #expect(try samples(store, up) == [Sample(1000, 1)])
        #expect(store.stats.series == 1)
    }

    @Test func reopenReplaysEverythingCommitted() throws {
        let dir = TemporaryDirectory()
        var expected: [Labels: [Sample]] = [:]
        do {
            let store = try Store(options: StoreOptions(path: dir.path, walSync: .none))
            var app = store.appender()
            for i in 0..<50 {
                let labels = Labels(["__name__": "metric", "i": String(i)])
                for t in stride(from: Int64(0), to: 100_000, by: 15_000) {
                    let v = Double(i) * 1.5 + Double(t)
                    try app.append(.unknown, labels, t, v)
                    expected[labels, default: []].append(Sample(t, v))
                }
                try app.commit()
            }
            try app.append(.unknown, up, 0, StaleMarker.value)
            try app.commit()
            expected[up] = [Sample(0, StaleMarker.value)]
            // No close: as if the process were killed after the commits returned.
        }
        let reopened = try Store(options: StoreOptions(path: dir.path))
        #expect(reopened.replayReport.corruption == nil)
        for (labels, want) in expected {
            #expect(try samples(reopened, labels) == want)
        }
        #expect(reopened.stats.series == 51)
        // New series after a replay get fresh refs and survive another reopen.
        var app = reopened.appender()
        try app.append(.unknown, load, 1, 1)
        try app.commit()
        try reopened.close()
        let third = try Store(options: StoreOptions(path: dir.path))
        #expect(try samples(third, load) == [Sample(1, 1)])
        #expect(try samples(third, up) == [Sample(0, StaleMarker.value)])
    }

    @Test(arguments: [1, 5, 9, 20])
    func tornTailIsCutAndReported(_ cutBytes: Int) throws {
        let dir = TemporaryDirectory()
        do {
            let store = try Store(options: StoreOptions(path: dir.path))
            var app = store.appender()
            try app.append(.unknown, up, 1000, 1)
            try app.commit()
            try app.append(.unknown, up, 2000, 2)
            try app.commit()
            try store.close()
        }
        let segment = dir.path + "/wal/00000001"
        let size = try #require(FileManager.default.attributesOfItem(atPath: segment)[.size] as? Int)
        let handle = try #require(FileHandle(forWritingAtPath: segment))
        try handle.truncate(atOffset: UInt64(size - cutBytes))
        try handle.close()

        let store = try Store(options: StoreOptions(path: dir.path))
        let corruption = try #require(store.replayReport.corruption)
        #expect(corruption.segment.hasSuffix("00000001"))
        #expect(try samples(store, up) == [Sample(1000, 1)], "the first commit survives, the torn one is gone")
        // And the store keeps working: a new commit lands and survives another restart.
        var app = store.appender()
        try app.append(.unknown, up, 3000, 3)
        try app.commit()
        try store.close()
        let again = try Store(options: StoreOptions(path: dir.path))
        #expect(again.replayReport.corruption == nil)
        #expect(try samples(again, up) == [Sample(1000, 1), Sample(3000, 3)])
    }

    @Test func corruptRecordInTheMiddleDropsWhatFollows() throws {
        let dir = TemporaryDirectory()
        do {
            let store = try Store(options: StoreOptions(path: dir.path))
            var app = store.appender()
            for t in 1...3 {
                try app.append(.unknown, up, Int64(t) * 1000, Double(t))
                try app.commit()
            }
            try store.close()
        }
        let segment = dir.path + "/wal/00000001"
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: segment)))
        // Records: series, samples(1), samples(2), samples(3). Flip a payload byte of the third record.
        var offset = 0
        for _ in 0..<2 {
            let length = Int(bytes[offset + 1]) | Int(bytes[offset + 2]) << 8
            offset += 9 + length
        }
        let secondSamples = offset
        let length = Int(bytes[offset + 1]) | Int(bytes[offset + 2]) << 8
        offset += 9 + length
        bytes[offset + 9] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: segment))

        let store = try Store(options: StoreOptions(path: dir.path))
        #expect(store.replayReport.corruption?.reason == "checksum mismatch")
        #expect(store.replayReport.corruption?.offset == offset)
        #expect(try samples(store, up) == [Sample(1000, 1), Sample(2000, 2)])
        #expect(secondSamples > 0)
    }

    @Test func closedStoreRefusesAppends() throws {
        let dir = TemporaryDirectory()
        let store = try Store(options: StoreOptions(path: dir.path))
        try store.close()
        var app = store.appender()
        #expect(throws: AppendError.storeClosed) { try app.append(.unknown, up, 1, 1) }
    }

    @Test func postingsAnswerEveryMatcherKind() throws {
        let dir = TemporaryDirectory()
        let store = try Store(options: StoreOptions(path: dir.path))
        var app = store.appender()
        for (i, job) in ["api", "db", "web"].enumerated() {
            for instance in ["a", "b"] {
                try app.append(.unknown, Labels(["__name__": "up", "job": job, "instance": instance]), 1000, Double(i))
            }
        }
        try app.append(.unknown, Labels(["__name__": "up", "instance": "c"]), 1000, 9)
        try app.commit()
        func count(_ matchers: [LabelMatcher]) throws -> Int {
            try store.querier().select(matchers, mint: 0, maxt: 2000, hints: .init()).count
        }
        #expect(try count([.equal("__name__", "up")]) == 7)
        #expect(try count([.equal("job", "api")]) == 2)
        #expect(try count([LabelMatcher(.notEqual, "job", "api")]) == 5, "includes the series without job")
        #expect(try count([LabelMatcher(.regexMatch, "job", "api|web")]) == 4)
        #expect(try count([LabelMatcher(.regexNoMatch, "job", "a.*")]) == 5)
        #expect(try count([.equal("job", "")]) == 1)
        #expect(try count([LabelMatcher(.regexMatch, "job", ".+"), .equal("instance", "a")]) == 3)
        #expect(try store.querier().labelValues("job", matching: [], mint: 0, maxt: 2000) == ["api", "db", "web"])
        #expect(try store.querier().labelNames(matching: [.equal("instance", "c")], mint: 0, maxt: 2000) == ["__name__", "instance"])
    }
}
