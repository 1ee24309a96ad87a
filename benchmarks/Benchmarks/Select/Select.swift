// Select latency at 100 000 series with matchers that pick 1 % of them (1 000 series).
//
// Data: 1 000 targets × 100 series, 20 scrapes each (5 minutes, 2 M samples). "head": the
// samples are in the head; "block": the head was compacted into a block first (the head
// keeps the series, empty). Each benchmark runs in its own process with its own store.
//
// "select" times `querier().select(...)` alone (the store copies the matching series' chunks
// out under its lock; decoding is lazy); "select + read" also iterates every sample.
import Benchmark
import BenchSupport
import DataGenerator
import TSDB

let options = GeneratorOptions(targets: 1_000, seriesPerTarget: 100)
let scrapes = 20
let mint = options.start - options.jitter
let maxt = options.start + Int64(scrapes) * options.scrapeInterval

final class SelectFixture: @unchecked Sendable { // used by the one benchmark thread only
    let store: Store

    init(_ directory: TemporaryDirectory, compacted: Bool) throws {
        let start = ContinuousClock.now
        store = try openStore(directory.path + "/data")
        var feeder = ScrapeFeeder(options)
        for _ in 0..<scrapes { try feeder.scrapeAll(into: store) }
        if compacted { try store.compact(now: maxt, force: true) }
        note("Select: \(store.stats.series) series in the head, \(feeder.appended) samples, \(store.stats.blocks) block(s); set up in \(seconds(since: start)) s")
    }
}

struct Case: Sendable {
    let name: String
    let matchers: [LabelMatcher]
}

let cases: [Case] = [
    Case(name: #"{__name__="node_load1"}"#, matchers: [.equal("__name__", "node_load1")]),
    Case(name: #"{instance=~"host-000[0-9]:9100"}"#, matchers: [try! LabelMatcher(.regexMatch, "instance", "host-000[0-9]:9100")]),
    Case(
        name: #"{__name__="node_cpu_seconds_total",cpu="0",mode="user"}"#,
        matchers: [.equal("__name__", "node_cpu_seconds_total"), .equal("cpu", "0"), .equal("mode", "user")]),
]

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal],
        timeUnits: .microseconds,
        warmupIterations: 5,
        maxDuration: .seconds(5),
        maxIterations: 500
    )

    for compacted in [false, true] {
        let place = compacted ? "block" : "head"
        for c in cases {
            for read in [false, true] {
                let directory = TemporaryDirectory("select")
                Benchmark("Select\(read ? " + read" : "") (\(place)) \(c.name) of 100k series", configuration: configuration) { benchmark, fixture in
                    let series = try fixture.store.querier().select(c.matchers, mint: mint, maxt: maxt, hints: SelectHints())
                    guard series.count == 1_000 else {
                        benchmark.error("selected \(series.count) series, expected 1000")
                        return
                    }
                    if read {
                        var samples = 0
                        for s in series {
                            var cursor = s.samples
                            while cursor.next() != nil { samples += 1 }
                        }
                        guard samples == 1_000 * scrapes else {
                            benchmark.error("read \(samples) samples, expected \(1_000 * scrapes)")
                            return
                        }
                    }
                    blackHole(series)
                } setup: {
                    try SelectFixture(directory, compacted: compacted)
                } teardown: {
                    directory.remove()
                }
            }
        }
    }
}
