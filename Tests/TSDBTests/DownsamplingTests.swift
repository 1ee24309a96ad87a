import Foundation
import Testing
@testable import TSDB

/// Old blocks get 5 m and 1 h rollups; read over ranges aligned to their windows, the rollups
/// fold to exactly what the raw samples give, and they live and die with their raw block.
struct DownsamplingTests {
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000
    static let levels = [DownsamplingLevel(resolution: 5 * minute, after: 40 * hour), DownsamplingLevel(resolution: hour, after: 60 * hour)]

    let counter = Labels(["__name__": "node_cpu_seconds_total", "cpu": "0", "mode": "idle"])
    let gauge = Labels(["__name__": "node_hwmon_temp_celsius", "chip": "0"])
    let flapping = Labels(["__name__": "up", "job": "flaky"])

    /// 100 h at about 15 s: jittered times except every 37th sample, which stays on the 15 s
    /// grid (so some fall on window edges), a counter with a reset, a gauge with NaN and infinities, a
    /// series that goes stale for hours at a time.
    func fill(_ store: Store, hours: Int64 = 100) throws {
        var app = store.appender()
        var refs = [SeriesRef](repeating: .unknown, count: 3)
        var total = 0.0
        var i: Int64 = 0
        while i * 15_000 < hours * Self.hour {
            let t = i % 37 == 0 ? i * 15_000 : i * 15_000 + (i * 7919) % 900
            total = i == 9_000 ? 3 : total + Double((i * 31) % 100) / 100
            refs[0] = try app.append(refs[0], counter, t, total)
            let temperature: Double = i % 501 == 0 ? .nan : i == 12_345 ? .infinity : 40 + Double((i * 13) % 70) / 10
            refs[1] = try app.append(refs[1], gauge, t, temperature)
            let stale = (t / (5 * Self.hour)) % 3 == 2
            refs[2] = try app.append(refs[2], flapping, t, stale ? StaleMarker.value : Double(i % 2))
            if i % 500 == 0 { try app.commit() }
            i += 1
        }
        try app.commit()
    }

    func store(_ dir: TemporaryDirectory) throws -> Store {
        var options = StoreOptions(path: dir.path)
        options.downsampling = Self.levels
        return try Store(options: options)
    }

    func raw(_ store: Store, _ labels: Labels, _ mint: Int64, _ maxt: Int64) throws -> [Sample] {
        let matchers = labels.map { LabelMatcher.equal($0.name, $0.value) }
        guard var cursor = try store.querier().select(matchers, mint: mint, maxt: maxt, hints: .init()).first?.samples else { return [] }
        return cursor.collect().filter { !StaleMarker.isStale($0.value) }
    }

    func rolled(_ store: Store, _ labels: Labels, _ aggregate: RollupAggregate, _ mint: Int64, _ maxt: Int64, resolution: Int64) throws -> (samples: [Sample], readsRollups: Bool) {
        let matchers = labels.map { LabelMatcher.equal($0.name, $0.value) }
        let hints = SelectHints(rollup: RollupRequest(aggregate: aggregate, resolution: resolution))
        guard let series = try store.querier().select(matchers, mint: mint, maxt: maxt, hints: hints).first else { return ([], false) }
        #expect(series.labels == labels, "the __rollup__ label never reaches the reader")
        var cursor = series.samples
        return (cursor.collect().filter { !StaleMarker.isStale($0.value) }, series.readsRollups)
    }

    /// What `*_over_time` computes over values (Prometheus's NaN rules for min and max).
    static func fold(_ aggregate: RollupAggregate, _ values: [Double], counts: Bool) -> Double? {
        guard var result = values.first else { return nil }
        switch aggregate {
        case .min: for v in values where v < result || result.isNaN { result = v }
        case .max: for v in values where v > result || result.isNaN { result = v }
        case .sum:
            var sum = KahanSum()
            for v in values { sum.add(v) }
            result = sum.total
        case .count: result = counts ? values.reduce(0, +) : Double(values.count)
        case .last: result = values.last!
        }
        return result
    }

    static func same(_ a: Double?, _ b: Double?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        if a.isNaN || b.isNaN || a.isInfinite || b.isInfinite { return a.bitPattern == b.bitPattern }
        return a == b || abs(a - b) <= 1e-12 * max(abs(a), abs(b))
    }

    @Test func oldBlocksGetRollupsThatFoldToWhatTheRawSamplesGive() throws {
        let dir = TemporaryDirectory()
        let store = try store(dir)
        try fill(store)
        let report = try store.compact(now: 100 * Self.hour, force: true)
        #expect(report.rollupsWritten > 0)
        // Each level covers exactly the blocks that end its age before the newest sample.
        let newest = store.blocks.map { $0.maxTime - 1 }.max()!
        for level in Self.levels {
            let due = store.blocks.filter { $0.maxTime <= newest - level.after }.map(\.ulid)
            #expect(!due.isEmpty)
            #expect(store.rollups.filter { $0.resolution == level.resolution }.compactMap(\.parent).sorted() == due.sorted())
        }
        let rolledUntil = store.rollups.map(\.maxTime).max()!

        let ranges: [(Int64, Int64)] = [(0, 24 * Self.hour), (35 * Self.minute, 155 * Self.minute), (2 * Self.hour, 30 * Self.hour), (0, 100 * Self.hour), (70 * Self.hour, 80 * Self.hour)]
        for labels in [counter, gauge, flapping] {
            for (mint, maxt) in ranges {
                let rawValues = try raw(store, labels, mint, maxt).map(\.value)
                for resolution in [5 * Self.minute, Self.hour] where mint % resolution == 0 && maxt % resolution == 0 {
                    for aggregate in RollupAggregate.allCases {
                        let (partials, readsRollups) = try rolled(store, labels, aggregate, mint, maxt, resolution: resolution)
                        #expect(readsRollups == (mint < rolledUntil), "\(labels) [\(mint), \(maxt)]")
                        if mint == 0 && maxt == 24 * Self.hour { #expect(partials.count * 10 < rawValues.count, "rollups hold far fewer points") }
                        let expected = Self.fold(aggregate, rawValues, counts: false)
                        let got = Self.fold(aggregate, partials.map(\.value), counts: readsRollups)
                        #expect(Self.same(got, expected), "\(aggregate) of \(labels) over [\(mint), \(maxt)] at \(resolution): \(String(describing: got)) vs \(String(describing: expected))")
                    }
                }
            }
        }
        // Listing labels reads raw blocks only.
        #expect(try !store.querier().labelNames(matching: [], mint: .min, maxt: .max).contains("__rollup__"))
    }

    @Test func rollupsSurviveRestartsAndGoWithTheirBlock() throws {
        let dir = TemporaryDirectory()
        var store: Store? = try self.store(dir)
        try fill(store!)
        try store!.compact(now: 100 * Self.hour, force: true)
        let before = store!.rollups
        try store!.close()
        store = try self.store(dir)
        #expect(store!.rollups == before)

        // Deleting samples rewrites the blocks holding them: their rollups, which still hold
        // those samples, are gone at once and come back from the new block at the next pass.
        let matchers = gauge.map { LabelMatcher.equal($0.name, $0.value) }
        try store!.deleteSeries(matchers, mint: 4 * Self.hour, maxt: 5 * Self.hour, now: 100 * Self.hour)
        let parents = Set(store!.blocks.map(\.ulid))
        #expect(store!.rollups.allSatisfy { parents.contains($0.parent ?? "") })
        #expect(store!.rollups.count < before.count)
        for old in before where !store!.rollups.contains(old) {
            #expect(!FileManager.default.fileExists(atPath: dir.path + "/blocks/" + old.ulid))
        }
        try store!.compact(now: 100 * Self.hour)
        #expect(store!.rollups.count == before.count)
        let (partials, readsRollups) = try rolled(store!, gauge, .count, 4 * Self.hour, 5 * Self.hour, resolution: 5 * Self.minute)
        #expect(readsRollups)
        #expect(partials.isEmpty, "the deleted hour is gone from the new rollups too")

        // Time retention deletes a block's rollups with it.
        try store!.close()
        var options = StoreOptions(path: dir.path, retention: 48 * Self.hour)
        options.downsampling = Self.levels
        store = try Store(options: options)
        try store!.compact(now: 100 * Self.hour)
        #expect(store!.blocks.allSatisfy { $0.maxTime > 52 * Self.hour })
        #expect(!store!.rollups.isEmpty)
        #expect(store!.rollups.allSatisfy { $0.maxTime > 52 * Self.hour })
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/blocks").sorted()
        #expect(names == (store!.blocks + store!.rollups).map(\.ulid).sorted())
    }

    @Test func countsMixRollupsAndRawSamples() throws {
        let dir = TemporaryDirectory()
        let store = try store(dir)
        try fill(store, hours: 60)
        try store.compact(now: 60 * Self.hour)
        #expect(!store.rollups.isEmpty)
        #expect(store.stats.headSamples > 0)
        // From rolled-up blocks through raw ones into the head.
        let rawCount = try raw(store, counter, 0, 60 * Self.hour).count
        let (partials, readsRollups) = try rolled(store, counter, .count, 0, 60 * Self.hour, resolution: 5 * Self.minute)
        #expect(readsRollups)
        #expect(Int(partials.map(\.value).reduce(0, +)) == rawCount)
    }

    @Test func noRollupsWithDownsamplingOff() throws {
        let dir = TemporaryDirectory()
        var options = StoreOptions(path: dir.path)
        options.downsampling = []
        let store = try Store(options: options)
        try fill(store)
        try store.compact(now: 100 * Self.hour, force: true)
        #expect(store.rollups.isEmpty)
        let (partials, readsRollups) = try rolled(store, counter, .max, 0, 24 * Self.hour, resolution: Self.hour)
        #expect(!readsRollups)
        #expect(partials.count == (try raw(store, counter, 0, 24 * Self.hour)).count)
    }
}
