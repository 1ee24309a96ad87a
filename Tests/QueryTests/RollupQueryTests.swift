import Foundation
import Query
import Synchronization
import Testing
import TSDB

/// `*_over_time` queries whose windows align with the store's rollups read the rollups, and
/// answer what the same query answers over raw samples.
struct RollupQueryTests {
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000
    static let hours: Int64 = 100

    /// The store's querier, noting what each selection asked for and whether it got rollups.
    struct WatchingQuerier: Querier {
        final class Log: Sendable {
            let entries = Mutex<[(hints: SelectHints, readsRollups: Bool)]>([])
        }

        let inner: StoreQuerier
        let log = Log()

        init(_ store: Store) { inner = store.querier() }

        var readRollups: Bool { log.entries.withLock { $0.contains { $0.readsRollups } } }

        func select(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64, hints: SelectHints) throws(StorageError) -> [StoredSeries] {
            let series = try inner.select(matchers, mint: mint, maxt: maxt, hints: hints)
            log.entries.withLock { $0.append((hints, series.contains(where: \.readsRollups))) }
            return series
        }

        func labelNames(matching matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws(StorageError) -> [String] {
            try inner.labelNames(matching: matchers, mint: mint, maxt: maxt)
        }

        func labelValues(_ name: String, matching matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws(StorageError) -> [String] {
            try inner.labelValues(name, matching: matchers, mint: mint, maxt: maxt)
        }
    }

    /// 20 series of jittered 15 s samples over 100 h: counters with resets, gauges with a NaN
    /// now and then, and stale stretches.
    static func load(_ store: Store) throws {
        var app = store.appender()
        var refs = [SeriesRef](repeating: .unknown, count: 20)
        var totals = [Double](repeating: 0, count: 20)
        var i: Int64 = 0
        while i * 15_000 < hours * hour {
            let t = i % 29 == 0 ? i * 15_000 : i * 15_000 + (i * 7919) % 700
            for s in 0..<20 {
                let labels = Labels(["__name__": s < 10 ? "bytes_total" : "temperature", "id": String(s), "job": "j\(s % 3)"])
                var value: Double
                if s < 10 {
                    totals[s] = (i + Int64(s)) % 5000 == 0 ? 0 : totals[s] + Double((i * Int64(s + 3)) % 1000)
                    value = totals[s]
                } else {
                    value = (i + Int64(s)) % 777 == 0 ? .nan : 20 + Double((i * Int64(s)) % 150) / 10
                }
                if (t / (7 * hour) + Int64(s)) % 5 == 4 { value = StaleMarker.value }
                refs[s] = try app.append(refs[s], labels, t, value)
            }
            if i % 200 == 0 { try app.commit() }
            i += 1
        }
        try app.commit()
    }

    static func store(_ path: String, downsampling: [DownsamplingLevel]) throws -> Store {
        var options = StoreOptions(path: path, walSync: .none)
        options.downsampling = downsampling
        let store = try Store(options: options)
        try load(store)
        try store.compact(now: hours * hour, force: true)
        return store
    }

    static func same(_ a: [RangeSeries], _ b: [RangeSeries]) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            guard x.labels == y.labels, x.samples.count == y.samples.count else { return false }
            for (p, q) in zip(x.samples, y.samples) {
                guard p.timestamp == q.timestamp else { return false }
                if p.value.bitPattern == q.value.bitPattern { continue }
                guard p.value.isFinite, q.value.isFinite, abs(p.value - q.value) <= 1e-12 * max(abs(p.value), abs(q.value)) else { return false }
            }
        }
        return true
    }

    @Test func alignedRangeFunctionsReadRollupsAndMatchRawSamples() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("sextant-rollup-query-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let rolled = try Self.store(base + "/rolled", downsampling: DownsamplingLevel.defaults.map { .init(resolution: $0.resolution, after: 30 * Self.hour) })
        let raw = try Self.store(base + "/raw", downsampling: [])
        #expect(!rolled.rollups.isEmpty)
        #expect(raw.rollups.isEmpty)
        let engine = Engine(options: EngineOptions())

        // (query, start, end, step, whether rollups can serve it)
        let cases: [(String, Int64, Int64, Int64, Bool)] = [
            ("max_over_time(temperature[1h])", 6 * Self.hour, 90 * Self.hour, Self.hour, true),
            ("min_over_time(temperature[30m])", 0, 80 * Self.hour, 30 * Self.minute, true),
            ("sum_over_time(bytes_total[2h])", 2 * Self.hour, 99 * Self.hour, Self.hour, true),
            ("count_over_time(bytes_total[1h])", Self.hour, 100 * Self.hour, Self.hour, true),
            ("count_over_time({job=\"j1\"}[15m])", 0, 60 * Self.hour, 15 * Self.minute, true),
            ("last_over_time(bytes_total[10m] offset 5m)", Self.hour, 70 * Self.hour, 20 * Self.minute, true),
            ("present_over_time(temperature[1h])", 0, 99 * Self.hour, 3 * Self.hour, true),
            ("sum by (job) (max_over_time(bytes_total[1h]))", 0, 99 * Self.hour, Self.hour, true),
            ("max_over_time(temperature[1h] @ 36000)", 0, 10 * Self.hour, Self.hour, true),
            // The mean from summed sums over summed counts, NaNs and stale stretches included.
            ("avg_over_time(temperature[1h])", 0, 80 * Self.hour, Self.hour, true),
            ("avg_over_time(bytes_total[6h])", 6 * Self.hour, 99 * Self.hour, 3 * Self.hour, true),
            ("avg by (job) (avg_over_time({job=\"j2\"}[30m]))", 0, 99 * Self.hour, 30 * Self.minute, true),
            // Windows off the 5 m grid, or functions rollups cannot answer: raw samples.
            ("max_over_time(temperature[1h])", 7 * Self.minute, 80 * Self.hour, Self.hour, false),
            ("max_over_time(temperature[7m])", 0, 80 * Self.hour, Self.hour, false),
            ("avg_over_time(temperature[7m])", 0, 80 * Self.hour, Self.hour, false),
            ("rate(bytes_total[1h])", 0, 80 * Self.hour, Self.hour, false),
        ]
        for (query, start, end, step, servedByRollups) in cases {
            let watching = WatchingQuerier(rolled)
            let got = try engine.range(query, start: start, end: end, step: step, querier: watching)
            let want = try engine.range(query, start: start, end: end, step: step, querier: raw.querier())
            guard case .matrix(let gotSeries) = got, case .matrix(let wantSeries) = want else {
                Issue.record("\(query): not a matrix")
                continue
            }
            #expect(!wantSeries.isEmpty, "\(query)")
            #expect(Self.same(gotSeries, wantSeries), "\(query) from \(start) step \(step)")
            let readRollups = watching.readRollups
            #expect(readRollups == servedByRollups, "\(query) from \(start) step \(step)")
        }
        // Instant queries too, when the window is aligned.
        let watching = WatchingQuerier(rolled)
        let instant = try engine.instant("max_over_time(temperature[6h])", at: 12 * Self.hour, querier: watching)
        #expect(instant == (try engine.instant("max_over_time(temperature[6h])", at: 12 * Self.hour, querier: raw.querier())))
        #expect(watching.readRollups)
    }
}
