// In-process append throughput on one core, the way a scrape loop appends: one appender per
// target scrape, refs cached from the target's first scrape, one commit per scrape (which
// writes one WAL record). The WAL is written but not fsynced (the server's default policy
// fsyncs from a 1 s timer, which does not run here).
//
// Each iteration appends 10 scrapes of every target; the scrapes are generated before the
// measured region. The store persists across iterations, so the head grows as it would.
import Benchmark
import BenchSupport
import DataGenerator
import TSDB

let samplesPerSecond = BenchmarkMetric.custom("samples/s", polarity: .prefersLarger, useScalingFactor: false)

final class AppendFixture: @unchecked Sendable { // used by the one benchmark thread only
    let directory: TemporaryDirectory
    let store: Store
    var feeder: ScrapeFeeder
    let scrapesPerIteration: Int
    let lookups: Bool

    init(_ directory: TemporaryDirectory, options: GeneratorOptions, scrapesPerIteration: Int, lookups: Bool = false) throws {
        self.directory = directory
        self.scrapesPerIteration = scrapesPerIteration
        self.lookups = lookups
        store = try openStore(directory.path + "/data")
        feeder = ScrapeFeeder(options)
        // The first scrape creates the series (not measured).
        try feeder.scrapeAll(into: store)
        note("Append: \(options.targets) targets × \(options.seriesPerTarget) series, \(scrapesPerIteration) scrapes "
            + "(\(options.totalSeries * scrapesPerIteration) samples) per iteration\(lookups ? ", refs NOT cached" : "")")
    }

    func iteration(_ benchmark: Benchmark) throws {
        let scrapes = feeder.pregenerate(scrapes: scrapesPerIteration)
        benchmark.startMeasurement()
        let start = ContinuousClock.now
        let stored = lookups ? try appendWithLookups(scrapes) : try feeder.append(scrapes, into: store)
        let elapsed = seconds(since: start)
        benchmark.stopMeasurement()
        precondition(stored == scrapes.sampleCount, "stored \(stored) of \(scrapes.sampleCount) samples")
        benchmark.measurement(samplesPerSecond, Int(Double(stored) / elapsed))
    }

    /// Every append passes `.unknown`: the store looks the series up by its labels.
    private func appendWithLookups(_ scrapes: PregeneratedScrapes) throws -> Int {
        var stored = 0
        for batch in scrapes.batches {
            var app = store.appender()
            let names = feeder.labels[batch.target]
            for i in 0..<batch.values.count {
                try app.append(.unknown, names[i], batch.timestamp, batch.values[i])
            }
            stored += try app.commit()
        }
        return stored
    }
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident, samplesPerSecond],
        warmupIterations: 1,
        maxDuration: .seconds(10),
        maxIterations: 25
    )

    let scrapeSized = TemporaryDirectory("append-scrape")
    Benchmark("Append 100 targets × 100 series, cached refs, commit per scrape", configuration: configuration) { benchmark, fixture in
        try fixture.iteration(benchmark)
    } setup: {
        try AppendFixture(scrapeSized, options: GeneratorOptions(targets: 100, seriesPerTarget: 100), scrapesPerIteration: 10)
    } teardown: {
        scrapeSized.remove()
    }

    let large = TemporaryDirectory("append-large")
    Benchmark("Append 10 targets × 1000 series, cached refs, commit per scrape", configuration: configuration) { benchmark, fixture in
        try fixture.iteration(benchmark)
    } setup: {
        try AppendFixture(large, options: GeneratorOptions(targets: 10, seriesPerTarget: 1_000), scrapesPerIteration: 10)
    } teardown: {
        large.remove()
    }

    let lookups = TemporaryDirectory("append-lookups")
    Benchmark("Append 100 targets × 100 series, refs NOT cached (label lookup), commit per scrape", configuration: configuration) { benchmark, fixture in
        try fixture.iteration(benchmark)
    } setup: {
        try AppendFixture(lookups, options: GeneratorOptions(targets: 100, seriesPerTarget: 100), scrapesPerIteration: 10, lookups: true)
    } teardown: {
        lookups.remove()
    }
}
