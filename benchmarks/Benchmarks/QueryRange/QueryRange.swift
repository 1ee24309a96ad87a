// PromQL range queries in process (Engine + StoreQuerier, no HTTP, no JSON).
//
// Data: 1 000 series of `node_cpu_seconds_total` (125 targets × 1 CPU × 8 modes, 4 jobs)
// × 24 h at 15 s = 5.76 M samples. "blocks": appended with compaction every 2 h of data and
// a final forced one, so all of it is in compacted blocks; "head": appended only, all of it
// in the head.
import Benchmark
import BenchSupport
import DataGenerator
import Query
import TSDB

let options = GeneratorOptions(targets: 125, seriesPerTarget: 29, cpusPerTarget: 1)
/// Host series come first (21), then the CPU's 8 modes.
let cpuSeries = 21..<29
let hours = 24.0
let dataStart = options.start
let dataEnd = options.start + Int64(hours * 3_600_000)

final class QueryFixture: @unchecked Sendable { // used by the one benchmark thread only
    let store: Store
    let engine = Engine(options: EngineOptions())

    init(_ directory: TemporaryDirectory, compacted: Bool) throws {
        let start = ContinuousClock.now
        store = try openStore(directory.path + "/data")
        var feeder = ScrapeFeeder(options)
        precondition(feeder.labels[0][cpuSeries.lowerBound].metricName == "node_cpu_seconds_total")
        let scrapes = options.scrapes(hours: hours)
        let perBlock = Int(2 * 3_600_000 / options.scrapeInterval)
        for k in 0..<scrapes {
            try feeder.scrapeAll(into: store) { cpuSeries.contains($0) }
            if compacted && (k + 1) % perBlock == 0 { try store.compact(now: options.start + Int64(k) * options.scrapeInterval) }
        }
        if compacted { try store.compact(now: dataEnd, force: true) }
        let stats = store.stats
        note("QueryRange: \(stats.series) series in the head, \(feeder.appended) samples; \(stats.blocks) block(s) with \(stats.blockSamples) samples, "
            + "head \(stats.headSamples) samples; set up in \(seconds(since: start)) s")
    }
}

struct Case: Sendable {
    let query: String
    let hours: Int64
    let step: Int64
    let expectedSeries: Int

    var start: Int64 { dataEnd - hours * 3_600_000 }
    var name: String { "\(query) \(hours)h step \(step / 1000)s" }
}

let cases: [(Case, placesToRun: [Bool])] = [
    (Case(query: "sum by (job) (rate(node_cpu_seconds_total[5m]))", hours: 24, step: 60_000, expectedSeries: 4), [true, false]),
    (Case(query: "sum by (job) (rate(node_cpu_seconds_total[5m]))", hours: 6, step: 15_000, expectedSeries: 4), [true]),
    (Case(query: "sum by (instance) (rate(node_cpu_seconds_total[5m]))", hours: 6, step: 15_000, expectedSeries: 125), [true]),
]

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .milliseconds,
        warmupIterations: 2,
        maxDuration: .seconds(10),
        maxIterations: 50
    )

    for (c, places) in cases {
        for compacted in places {
            let directory = TemporaryDirectory("query")
            Benchmark("\(c.name) (\(compacted ? "blocks" : "head"), 1000 series)", configuration: configuration) { benchmark, fixture in
                let result = try fixture.engine.range(c.query, start: c.start, end: dataEnd, step: c.step, querier: fixture.store.querier())
                guard case .matrix(let series) = result, series.count == c.expectedSeries,
                      series.allSatisfy({ !$0.samples.isEmpty && $0.samples.count <= Int((dataEnd - c.start) / c.step) + 1 })
                else {
                    benchmark.error("unexpected result shape for \(c.name)")
                    return
                }
                blackHole(series)
            } setup: {
                try QueryFixture(directory, compacted: compacted)
            } teardown: {
                directory.remove()
            }
        }
    }
}
