// Dashboards over weeks: `*_over_time` range queries at a 1 h step over 14 days, read from
// the 5 m / 1 h rollups, against the same queries with windows one minute off the rollup grid
// (which makes the engine read raw samples), on the same store.
//
// Data: 20 targets × 20 node-exporter-like series = 400 series × 14 days at 15 s = 32 M
// samples, compacted every 2 h of data as the server does, then fully; rollups are written
// for blocks older than 40 h (5 m) and 10 days (1 h), the defaults.
import Benchmark
import BenchSupport
import DataGenerator
import Query
import TSDB

let options = GeneratorOptions(targets: 20, seriesPerTarget: 20, cpusPerTarget: 1)
let days: Int64 = 14
let dataEnd = options.start + days * 86_400_000
let hour: Int64 = 3_600_000

final class RollupFixture: @unchecked Sendable { // used by the one benchmark thread only
    let store: Store
    let engine = Engine(options: EngineOptions())

    init(_ directory: TemporaryDirectory) throws {
        let start = ContinuousClock.now
        store = try openStore(directory.path + "/data")
        var feeder = ScrapeFeeder(options)
        let perBlock = Int(2 * hour / options.scrapeInterval)
        for k in 0..<options.scrapes(hours: Double(days * 24)) {
            try feeder.scrapeAll(into: store)
            if (k + 1) % perBlock == 0 { try store.compact(now: options.start + Int64(k) * options.scrapeInterval) }
        }
        try store.compact(now: dataEnd, force: true)
        let stats = store.stats
        let rawBytes = store.blocks.reduce(0) { $0 + ($1.files.values.reduce(0) { $0 + $1.size }) }
        let rollupBytes = store.rollups.reduce(0) { $0 + ($1.files.values.reduce(0) { $0 + $1.size }) }
        let rollupPoints = store.rollups.reduce(0) { $0 + $1.stats.numSamples }
        note("Downsampling: \(feeder.appended) samples; \(stats.blocks) raw block(s), \(rawBytes) bytes; "
            + "\(store.rollups.count) rollup block(s) (\(store.rollups.filter { $0.resolution == 300_000 }.count) at 5 m, "
            + "\(store.rollups.filter { $0.resolution == hour }.count) at 1 h), \(rollupPoints) points, \(rollupBytes) bytes; "
            + "set up in \(seconds(since: start)) s")
    }
}

/// One store for the benchmarks that run in one process (about 25 s to build).
final class SharedFixture: @unchecked Sendable { // used by the one benchmark thread only
    private let directory = TemporaryDirectory("downsampling")
    private var fixture: RollupFixture?

    func get() throws -> RollupFixture {
        if let fixture { return fixture }
        let made = try RollupFixture(directory)
        fixture = made
        return made
    }
}

/// Grafana aligns a range query's start to its step; "off grid" moves it by a minute.
let cases: [(query: String, offGrid: Bool)] = [
    ("max_over_time(node_load1[1h])", false),
    ("max_over_time(node_load1[1h])", true),
    ("sum by (job) (count_over_time(node_procs_running[1h]))", false),
    ("sum by (job) (count_over_time(node_procs_running[1h]))", true),
    ("last_over_time({job=~\".+\"}[1h])", false),
    ("last_over_time({job=~\".+\"}[1h])", true),
]

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(10),
        maxIterations: 30
    )
    let shared = SharedFixture()
    for c in cases {
        let start = (options.start / hour + 1) * hour + (c.offGrid ? 60_000 : 0)
        Benchmark("\(c.query) 14d step 1h (\(c.offGrid ? "off grid: raw samples" : "on grid: rollups"))", configuration: configuration) { benchmark, fixture in
            let result = try fixture.engine.range(c.query, start: start, end: dataEnd, step: hour, querier: fixture.store.querier())
            guard case .matrix(let series) = result, !series.isEmpty, series.allSatisfy({ $0.samples.count > 300 }) else {
                benchmark.error("unexpected result shape for \(c.query)")
                return
            }
            blackHole(series)
        } setup: {
            try shared.get()
        }
    }
}
