import Foundation
import Testing
@testable import TSDB

/// Head cuts, blocks, WAL checkpoints, merges and retention, checked through the Querier as
/// a reader would see them.
struct BlockTests {
    static let hour: Int64 = 3_600_000

    func read(_ store: Store, _ matchers: [LabelMatcher], mint: Int64 = .min, maxt: Int64 = .max) throws -> [Labels: [Sample]] {
        var out: [Labels: [Sample]] = [:]
        for series in try store.querier().select(matchers, mint: mint, maxt: maxt, hints: .init()) {
            var cursor = series.samples
            out[series.labels] = cursor.collect()
            #expect(cursor.error == nil)
        }
        return out
    }

    /// Appends `hours` of 15 s samples for `count` series with node-exporter-like values.
    func fill(_ store: Store, series count: Int, from start: Int64, hours: Int64, into expected: inout [Labels: [Sample]]) throws {
        var app = store.appender()
        var t = start
        var step = 0
        while t < start + hours * Self.hour {
            for i in 0..<count {
                let labels = Labels(["__name__": i % 2 == 0 ? "node_cpu_seconds_total" : "node_load1", "instance": "host\(i)"])
                let value = i % 2 == 0 ? Double(step) * 0.25 + Double(i) : Double((step * 7 + i) % 13) / 10
                try app.append(.unknown, labels, t, value)
                expected[labels, default: []].append(Sample(t, value))
            }
            try app.commit()
            t += 15_000
            step += 1
        }
    }

    @Test func headIsCutIntoBlocksAndReadsStayTheSame() throws {
        let dir = TemporaryDirectory()
        var expected: [Labels: [Sample]] = [:]
        let store = try Store(options: StoreOptions(path: dir.path))
        try fill(store, series: 20, from: 0, hours: 6, into: &expected)
        let report = try store.compact(now: 6 * Self.hour)
        #expect(report.headBlocksCut == 2, "0–2h and 2–4h are cut; 4–6h spans less than 1.5 ranges and stays in the head")
        #expect(store.blocks.map(\.minTime) == [0, 2 * Self.hour])
        #expect(store.blocks.allSatisfy { $0.stats.numSeries == 20 })
        #expect(try read(store, [.equal("instance", "host3")]) == expected.filter { $0.key["instance"] == "host3" })
        let all = try read(store, [try LabelMatcher(.regexMatch, "instance", ".+")])
        #expect(all == expected)
        // A window straddling the block boundary and the head.
        let window = try read(store, [.equal("instance", "host0")], mint: 2 * Self.hour - 30_000, maxt: 4 * Self.hour + 30_000)
        #expect(window.values.first?.count == 8 * 60 + 5)
        // Samples for a range already on disk are refused as too old.
        var app = store.appender()
        #expect(throws: AppendError.self) { try app.append(.unknown, Labels(["__name__": "x"]), Self.hour, 1) }
    }

    /// `next(batch:)` reads what `next()` reads, across blocks and the head, clipped to any
    /// window, and the two interleave.
    static let windows: [(Int64, Int64)] = [
        (.min, .max), (0, 6 * hour), (2 * hour - 30_000, 4 * hour + 30_000), (hour + 7_000, hour + 7_000), (5 * hour + 1, 7 * hour),
    ]

    @Test(arguments: windows)
    func batchesReadTheSameSamplesAsNext(mint: Int64, maxt: Int64) throws {
        let dir = TemporaryDirectory()
        var expected: [Labels: [Sample]] = [:]
        let store = try Store(options: StoreOptions(path: dir.path))
        try fill(store, series: 6, from: 0, hours: 6, into: &expected)
        try store.compact(now: 6 * Self.hour)
        #expect(store.blocks.count == 2)
        for series in try store.querier().select([try LabelMatcher(.regexMatch, "instance", ".+")], mint: mint, maxt: maxt, hints: .init()) {
            let wanted = expected[series.labels, default: []].filter { $0.timestamp >= mint && $0.timestamp <= maxt }
            var batches = series.samples
            var read: [Sample] = []
            while batches.next(batch: &read) {}
            #expect(read == wanted)
            #expect(batches.error == nil)
            // A few samples one at a time, then batches.
            var mixed = series.samples
            var both: [Sample] = []
            for _ in 0..<3 { if let sample = mixed.next() { both.append(sample) } }
            while mixed.next(batch: &both) {}
            #expect(both == wanted)
        }
    }

    @Test func blocksAndCheckpointSurviveRestart() throws {
        let dir = TemporaryDirectory()
        var expected: [Labels: [Sample]] = [:]
        do {
            let store = try Store(options: StoreOptions(path: dir.path))
            try fill(store, series: 10, from: 0, hours: 6, into: &expected)
            try store.compact(now: 6 * Self.hour)
            // More samples after the checkpoint, then a crash (no close).
            try fill(store, series: 10, from: 6 * Self.hour, hours: 1, into: &expected)
        }
        let walFiles = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/wal")
        #expect(walFiles.contains { $0.hasPrefix("checkpoint.") })
        let reopened = try Store(options: StoreOptions(path: dir.path))
        #expect(reopened.blocks.count == 2)
        #expect(try read(reopened, [try LabelMatcher(.regexMatch, "instance", ".+")]) == expected)
    }

    @Test func adjacentBlocksMergeIntoALargerRange() throws {
        let dir = TemporaryDirectory()
        var expected: [Labels: [Sample]] = [:]
        let store = try Store(options: StoreOptions(path: dir.path))
        try fill(store, series: 6, from: 0, hours: 8, into: &expected)
        try store.compact(now: 8 * Self.hour)
        let metas = store.blocks
        #expect(metas.first?.minTime == 0)
        #expect(metas.first?.maxTime == 6 * Self.hour, "three 2 h blocks became one 6 h block")
        #expect(metas.first?.compaction.level == 2)
        #expect(metas.first?.compaction.sources.count == 3)
        let directories = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/blocks")
        #expect(directories.count == metas.count, "merged inputs are deleted")
        #expect(try read(store, [try LabelMatcher(.regexMatch, "instance", ".+")]) == expected)
    }

    @Test func compactionTotalsAddUpOverPassesAndCountFailures() throws {
        let dir = TemporaryDirectory()
        var expected: [Labels: [Sample]] = [:]
        let store = try Store(options: StoreOptions(path: dir.path))
        try fill(store, series: 4, from: 0, hours: 8, into: &expected)
        try store.compact(now: 8 * Self.hour)
        try store.compact(now: 8 * Self.hour) // nothing left to do: not a pass
        var compaction = store.stats.compaction
        #expect(compaction.passes == 1)
        #expect(compaction.failed == 0)
        #expect(compaction.totals.headBlocksCut == 3)
        #expect(compaction.totals.blocksMerged == 3)
        #expect(compaction.totals.walSegmentsFolded >= 1)
        #expect(compaction.recentDurations.map(\.sequence) == [0])
        #expect(store.stats.blocks == 1)

        // The blocks directory replaced by a file: the next cut cannot be written.
        try fill(store, series: 4, from: 8 * Self.hour, hours: 4, into: &expected)
        try FileManager.default.removeItem(atPath: dir.path + "/blocks")
        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: dir.path + "/blocks"))
        #expect(throws: StorageError.self) { try store.compact(now: 12 * Self.hour) }
        compaction = store.stats.compaction
        #expect(compaction.passes == 1)
        #expect(compaction.failed == 1)
        #expect(compaction.recentDurations.map(\.sequence) == [0, 1])
        #expect(compaction.recentDurations.allSatisfy { $0.seconds >= 0 })

        // Once the directory is back, the next pass cuts what the failed one could not:
        // nothing was dropped from the head in between.
        try FileManager.default.removeItem(atPath: dir.path + "/blocks")
        try FileManager.default.createDirectory(atPath: dir.path + "/blocks", withIntermediateDirectories: false)
        let blocksBefore = store.stats.blocks
        try store.compact(now: 12 * Self.hour)
        #expect(store.stats.compaction.passes == 2)
        #expect(store.stats.compaction.totals.headBlocksCut == 5, "6–8 h, the range the failed pass held back, and 8–10 h")
        let sinceSix = expected.mapValues { $0.filter { $0.timestamp >= 6 * Self.hour } }
        #expect(try read(store, [try LabelMatcher(.regexMatch, "instance", ".+")], mint: 6 * Self.hour) == sinceSix)
        #expect(blocksBefore == 1)
    }

    @Test func retentionDeletesWholeOldBlocks() throws {
        let dir = TemporaryDirectory()
        var expected: [Labels: [Sample]] = [:]
        let store = try Store(options: StoreOptions(path: dir.path, retention: 3 * Self.hour))
        try fill(store, series: 4, from: 0, hours: 7, into: &expected)
        let report = try store.compact(now: 7 * Self.hour)
        #expect(report.headBlocksCut == 2)
        // The newest sample is at 7 h - 15 s: the 0–2 h block ends more than 3 h before it, the
        // 2–4 h block does not (quite).
        #expect(report.blocksDeletedByRetention == 1)
        #expect(store.blocks.map(\.minTime) == [2 * Self.hour])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/blocks").count == 1)
        let remaining = try read(store, [.equal("instance", "host1")])
        #expect(remaining.values.first?.first?.timestamp == 2 * Self.hour)
    }

    @Test func aDamagedBlockIsMovedAsideAndTheStoreStillOpens() throws {
        let dir = TemporaryDirectory()
        var expected: [Labels: [Sample]] = [:]
        do {
            let store = try Store(options: StoreOptions(path: dir.path))
            try fill(store, series: 4, from: 0, hours: 4, into: &expected)
            try store.compact(now: 4 * Self.hour)
            try store.close()
        }
        let blocks = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/blocks")
        let victim = try #require(blocks.first)
        let index = dir.path + "/blocks/\(victim)/index"
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: index)))
        bytes[bytes.count / 2] ^= 0x5A
        try Data(bytes).write(to: URL(fileURLWithPath: index))

        let store = try Store(options: StoreOptions(path: dir.path))
        #expect(store.corruptBlocks == [victim])
        #expect(FileManager.default.fileExists(atPath: dir.path + "/corrupted/\(victim)"))
        // The head (WAL) data after the damaged block is still served.
        #expect(try read(store, [.equal("instance", "host0")]).values.first?.isEmpty == false)
    }

    /// The chunks file is checked a MiB at a time at open: a block of several MiB opens and
    /// reads back whole, and one damaged byte past the first MiB still moves it aside.
    @Test func aChunksFileOfSeveralMiBIsCheckedWholeAtOpen() throws {
        let dir = TemporaryDirectory()
        var expected: [Labels: [Sample]] = [:]
        do {
            let store = try Store(options: StoreOptions(path: dir.path))
            // Values with no pattern to compress: about 8 bytes a sample, 2.6 MiB of chunks.
            var generator = SystemRandomNumberGenerator()
            for k in 0..<480 {
                var app = store.appender()
                for i in 0..<700 {
                    let labels = Labels(["__name__": "noise", "instance": "host\(i)"])
                    let sample = Sample(Int64(k) * 15_000, Double(bitPattern: generator.next() & 0x3FEF_FFFF_FFFF_FFFF))
                    try app.append(.unknown, labels, sample.timestamp, sample.value)
                    expected[labels, default: []].append(sample)
                }
                try app.commit()
            }
            try store.compact(now: 4 * Self.hour, force: true)
            try store.close()
        }
        let victim = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/blocks").first)
        let chunks = dir.path + "/blocks/\(victim)/chunks"
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: chunks)))
        #expect(bytes.count > 2 << 20)
        do {
            let store = try Store(options: StoreOptions(path: dir.path))
            #expect(store.corruptBlocks.isEmpty)
            #expect(store.stats.blocks == 1)
            #expect(try read(store, [.equal("__name__", "noise")]) == expected)
            try store.close()
        }
        bytes[bytes.count - 1000] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: chunks))
        let store = try Store(options: StoreOptions(path: dir.path))
        #expect(store.corruptBlocks == [victim])
        #expect(FileManager.default.fileExists(atPath: dir.path + "/corrupted/\(victim)"))
    }

    @Test func interruptedBlockWritesAreCleanedUp() throws {
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.path + "/blocks/01ARZ3NDEKTSV4RRFFQ69G5FAV.tmp", withIntermediateDirectories: true)
        _ = try Store(options: StoreOptions(path: dir.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/blocks").isEmpty)
    }

    @Test func blockIndexRefusesGarbage() {
        #expect(throws: BlockIndex.Failure.self) { try BlockIndex.decode([]) }
        #expect(throws: BlockIndex.Failure.self) { try BlockIndex.decode(Array("SXIX".utf8) + [1] + [UInt8](repeating: 0xFF, count: 20)) }
        let valid = BlockIndex.encode([.init(labels: Labels(["__name__": "up"]), chunks: [
            .init(page: 0, offset: 0, length: 10, encoding: 1, count: 3, minTime: 0, maxTime: 30_000),
        ])])
        for cut in stride(from: 0, to: valid.count, by: 1) {
            #expect(throws: BlockIndex.Failure.self) { try BlockIndex.decode(Array(valid[..<cut])) }
        }
        #expect((try? BlockIndex.decode(valid))?.first?.chunks.first?.maxTime == 30_000)
    }
}

struct SnapshotTests {
    @Test func aSnapshotIsADataDirectoryWithEverything() throws {
        let dir = TemporaryDirectory()
        var expected: [Labels: [Sample]] = [:]
        let store = try Store(options: StoreOptions(path: dir.path + "/data"))
        try BlockTests().fill(store, series: 6, from: 0, hours: 6, into: &expected)
        try store.compact(now: 6 * BlockTests.hour)
        let report = try store.snapshot(to: dir.path + "/snap", now: 6 * BlockTests.hour)
        #expect(report.linkedBlocks == 2)
        #expect(report.headSamples == 6 * 2 * 240)
        #expect(throws: StorageError.self) { try store.snapshot(to: dir.path + "/snap", now: 0) }
        let copy = try Store(options: StoreOptions(path: dir.path + "/snap"))
        #expect(try BlockTests().read(copy, [try LabelMatcher(.regexMatch, "instance", ".+")]) == expected)
    }
}

struct DeletionTests {
    @Test func deletionRemovesFromHeadAndBlocksAndSurvivesRestart() throws {
        let dir = TemporaryDirectory()
        var expected: [Labels: [Sample]] = [:]
        let hour = BlockTests.hour
        do {
            let store = try Store(options: StoreOptions(path: dir.path))
            try BlockTests().fill(store, series: 4, from: 0, hours: 6, into: &expected)
            try store.compact(now: 6 * hour)
            // host1 loses 1 h–5 h: the end of one block, all of the next, part of the head.
            let report = try store.deleteSeries([.equal("instance", "host1")], mint: hour, maxt: 5 * hour, now: 6 * hour)
            #expect(report.blocksRewritten == 2)
            #expect(report.headSamples == 240 + 1)
            #expect(report.blockSamples == 240 * 3)
            let host1 = expected.first { $0.key["instance"] == "host1" }!.key
            expected[host1] = expected[host1]!.filter { $0.timestamp < hour || $0.timestamp > 5 * hour }
            #expect(try BlockTests().read(store, [try LabelMatcher(.regexMatch, "instance", ".+")]) == expected)
            // Newer samples for the same series are not deleted.
            var app = store.appender()
            try app.append(.unknown, host1, 6 * hour + 15_000, 7)
            try app.commit()
            expected[host1]!.append(Sample(6 * hour + 15_000, 7))
        }
        // Without a clean close: the WAL replays the deletion after the samples it removes.
        let reopened = try Store(options: StoreOptions(path: dir.path))
        #expect(try BlockTests().read(reopened, [try LabelMatcher(.regexMatch, "instance", ".+")]) == expected)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/blocks").count == 2, "old blocks are gone")
    }

    @Test func deletionRecordsRoundTripThroughTheWAL() throws {
        var writer = ByteWriter()
        let matchers = [LabelMatcher.equal("job", "x"), try LabelMatcher(.regexNoMatch, "i", "a|b")]
        WALRecord.encodeDeletion(matchers, mint: -5, maxt: 10, into: &writer)
        let payload = Array(writer.bytes[9...])
        let decoded = try payload.withUnsafeBytes { try WALRecord.decode(kind: 3, payload: $0) }
        #expect(decoded == .deletion(matchers: matchers, mint: -5, maxt: 10))
        for cut in 0..<payload.count {
            let truncated = Array(payload[..<cut])
            #expect(throws: WALDecodeError.self) { try truncated.withUnsafeBytes { try WALRecord.decode(kind: 3, payload: $0) } }
        }
    }
}

struct RetentionRuleTests {
    @Test func matchingSeriesKeepOnlyTheirRetention() throws {
        let dir = TemporaryDirectory()
        var expected: [Labels: [Sample]] = [:]
        let hour = BlockTests.hour
        var options = StoreOptions(path: dir.path)
        options.retentionRules = [RetentionRule(matchers: [.equal("__name__", "node_load1")], retention: hour)]
        let store = try Store(options: options)
        try BlockTests().fill(store, series: 4, from: 0, hours: 6, into: &expected)
        let report = try store.compact(now: 6 * hour)
        #expect(report.samplesDeletedByRetentionRules > 0)
        let newest = 6 * hour - 15_000
        for (labels, samples) in expected {
            let want = labels.metricName == "node_load1" ? samples.filter { $0.timestamp > newest - hour } : samples
            #expect(try BlockTests().read(store, labels.map { LabelMatcher.equal($0.name, $0.value) })[labels] == want)
        }
        // A second pass finds nothing more to delete.
        #expect(try store.compact(now: 6 * hour).samplesDeletedByRetentionRules == 0)
    }
}
