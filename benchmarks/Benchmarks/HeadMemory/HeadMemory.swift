// Resident memory per active series: the growth of the process's RSS (/proc/self/statm) while a
// store's head fills with N node-exporter-like series, scraped every 15 s, appended the way a
// scrape loop appends (one appender and commit per target scrape, cached refs), WAL on disk.
// Then the same head once more as WAL replay rebuilds it after a restart.
//
// Everything the feeding loop keeps (the generator's label sets, the cached refs) exists before
// the baseline is taken; the head gets its own copy of each label set, as it would from a
// parsed scrape. Freed memory glibc keeps counts, as it does for a server (Prometheus's
// `process_resident_memory_bytes` is the same kind of figure); the "trimmed" metrics are after
// `malloc_trim(0)`, i.e. what the head itself holds.
//
// Sizes: 100 000 series (1 000 targets × 100) with 1 sample (the per-series cost: labels,
// postings, the label index, the series and its first chunk buffer) and with 120 samples (30
// minutes of 15 s scrapes), and 1 000 000 series (10 000 targets × 100) with 120 samples. The
// design target is ≤ 800 bytes per active series (Prometheus: about 3 kB).
import Benchmark
import BenchSupport
import DataGenerator
import Foundation
import TSDB
#if canImport(Glibc)
import Glibc
#endif

let liveBytesPerSeries = BenchmarkMetric.custom("RSS B/series (live)", polarity: .prefersSmaller, useScalingFactor: false)
let trimmedBytesPerSeries = BenchmarkMetric.custom("RSS B/series (live, trimmed)", polarity: .prefersSmaller, useScalingFactor: false)
let replayedBytesPerSeries = BenchmarkMetric.custom("RSS B/series (replayed, trimmed)", polarity: .prefersSmaller, useScalingFactor: false)

/// Resident bytes of this process (the second field of /proc/self/statm, in pages).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

// glibc's `malloc_trim`, which the Glibc module does not export.
@_silgen_name("malloc_trim")
func mallocTrim(_ pad: Int) -> Int32

/// Returns freed heap memory to the system, so a reading counts what is live.
func trimmedResidentBytes() -> Int {
    _ = mallocTrim(0)
    return residentBytes()
}

/// A copy of the label set that shares no string storage with `labels` (short strings are
/// inline in any case).
func freshCopy(_ labels: Labels) -> Labels {
    Labels(sorted: labels.map { Label(String(decoding: Array($0.name.utf8), as: UTF8.self), String(decoding: Array($0.value.utf8), as: UTF8.self)) })
}

func measure(_ benchmark: Benchmark, options: GeneratorOptions, scrapes: Int) throws {
    let directory = TemporaryDirectory("headmemory")
    defer { directory.remove() }
    let path = directory.path + "/data"
    var generator = NodeExporterGenerator(options)
    let labels = (0..<options.targets).map { t in generator.series(of: t).map(\.labels) }
    var refs = labels.map { [SeriesRef](repeating: .unknown, count: $0.count) }
    var values: [Double] = []
    values.reserveCapacity(labels.map(\.count).max() ?? 0)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)

    let start = ContinuousClock.now
    let baseline = trimmedResidentBytes()
    var store: Store? = try openStore(path)
    for _ in 0..<scrapes {
        for target in 0..<options.targets {
            let t = generator.scrape(target: target, into: &values)
            var app = store!.appender()
            for i in values.indices {
                let ref = refs[target][i]
                refs[target][i] = try app.append(ref, ref == .unknown ? freshCopy(labels[target][i]) : labels[target][i], t, values[i])
            }
            _ = try app.commit()
        }
    }
    let live = residentBytes() - baseline
    let trimmed = trimmedResidentBytes() - baseline
    let stats = store!.stats
    let filled = seconds(since: start)
    try store!.close()
    store = nil

    let replayBaseline = trimmedResidentBytes()
    let replayStart = ContinuousClock.now
    store = try Store(options: StoreOptions(path: path), logger: quietLogger)
    let replaySeconds = seconds(since: replayStart)
    let replayedLive = residentBytes() - replayBaseline
    let replayed = trimmedResidentBytes() - replayBaseline
    let replayedStats = store!.stats
    benchmark.stopMeasurement()
    try store!.close()
    store = nil

    guard replayedStats.series == stats.series, replayedStats.headSamples == stats.headSamples else {
        benchmark.error("replayed \(replayedStats.series) series and \(replayedStats.headSamples) samples, expected \(stats.series) and \(stats.headSamples)")
        return
    }
    let series = stats.series
    benchmark.measurement(liveBytesPerSeries, live / series)
    benchmark.measurement(trimmedBytesPerSeries, trimmed / series)
    benchmark.measurement(replayedBytesPerSeries, replayed / series)
    note("HeadMemory: \(series) series, \(stats.headSamples) samples (\(scrapes) scrapes), filled in \(filled) s; "
        + "RSS growth live \(live) B (\(live / series) B/series), trimmed \(trimmed) B (\(trimmed / series) B/series); "
        + "replayed in \(replaySeconds) s: \(replayedLive) B (\(replayedLive / series) B/series), trimmed \(replayed) B "
        + "(\(replayed / series) B/series); WAL \(stats.walBytes) B")
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .peakMemoryResident, liveBytesPerSeries, trimmedBytesPerSeries, replayedBytesPerSeries],
        timeUnits: .seconds,
        warmupIterations: 0,
        maxDuration: .seconds(1),
        maxIterations: 1
    )
    for (targets, scrapes) in [(1_000, 1), (1_000, 120), (10_000, 120)] {
        let options = GeneratorOptions(targets: targets, seriesPerTarget: 100)
        let series = targets * 100 >= 1_000_000 ? "\(targets / 10_000)M" : "\(targets / 10)k"
        Benchmark("Head RSS: \(series) series × \(scrapes) samples", configuration: configuration) { benchmark in
            try measure(benchmark, options: options, scrapes: scrapes)
        }
    }
}
