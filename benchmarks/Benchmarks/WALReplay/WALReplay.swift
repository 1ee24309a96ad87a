// Time to reopen a store whose head is all in the WAL: `Store(options:)` replays the
// segments (series records, then sample records) into a new head. Each iteration opens and
// closes the store; the WAL was written once, in setup, by scrape-sized commits with cached
// refs (as a scrape loop writes it).
//
// Sizes: 100 000 series (1 000 targets × 100) and 1 000 000 series (10 000 targets × 100),
// each with 4 samples (a store restarted soon after its series appeared: the series records
// dominate) and with 120 samples (30 minutes of 15 s scrapes: the sample records dominate).
// The design target is 1 M series in ≤ 10 s. Writing the 1 M × 120 WAL (120 M samples,
// 1.3 GB) takes a few minutes of set-up.
import Benchmark
import BenchSupport
import DataGenerator
import TSDB

let seriesPerSecond = BenchmarkMetric.custom("series/s", polarity: .prefersLarger, useScalingFactor: false)
let samplesPerSecond = BenchmarkMetric.custom("samples/s", polarity: .prefersLarger, useScalingFactor: false)

final class WALFixture: @unchecked Sendable { // used by the one benchmark thread only
    let path: String
    let series: Int
    let samples: Int

    init(_ directory: TemporaryDirectory, options: GeneratorOptions, scrapes: Int) throws {
        let start = ContinuousClock.now
        path = directory.path + "/data"
        let store = try openStore(path)
        var feeder = ScrapeFeeder(options)
        for _ in 0..<scrapes { try feeder.scrapeAll(into: store) }
        let stats = store.stats
        try store.close()
        series = stats.series
        samples = feeder.appended
        note("WALReplay: \(series) series, \(samples) samples, WAL \(stats.walBytes) bytes "
            + "(\(Double(stats.walBytes) / Double(samples)) B/sample); written in \(seconds(since: start)) s")
    }

    func reopen(_ benchmark: Benchmark) throws {
        let start = ContinuousClock.now
        let store = try Store(options: StoreOptions(path: path), logger: quietLogger)
        let elapsed = seconds(since: start)
        let stats = store.stats
        benchmark.stopMeasurement()
        try store.close()
        guard stats.series == series, stats.headSamples == samples, store.replayReport.corruption == nil else {
            benchmark.error("replayed \(stats.series) series and \(stats.headSamples) samples, expected \(series) and \(samples)")
            return
        }
        benchmark.measurement(seriesPerSecond, Int(Double(series) / elapsed))
        benchmark.measurement(samplesPerSecond, Int(Double(samples) / elapsed))
    }
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .mallocCountTotal, seriesPerSecond, samplesPerSecond],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(15),
        maxIterations: 10
    )
    for (targets, scrapes) in [(1_000, 4), (1_000, 120), (10_000, 4), (10_000, 120)] {
        let options = GeneratorOptions(targets: targets, seriesPerTarget: 100)
        let series = targets >= 10_000 ? "\(targets / 10_000)M" : "\(targets / 10)k"
        let directory = TemporaryDirectory("wal")
        Benchmark("Reopen store: \(series) series × \(scrapes) samples in the WAL", configuration: configuration) { benchmark, fixture in
            try fixture.reopen(benchmark)
        } setup: {
            try WALFixture(directory, options: options, scrapes: scrapes)
        } teardown: {
            directory.remove()
        }
    }
}
