// Bytes per sample on disk after compaction, on node-exporter-like data.
//
// Data: 20 targets × 100 series × 24 h at 15 s (2 000 series, 11.52 M samples). Two paths:
//  - appended scrape by scrape (cached refs, a commit per scrape), with `compact(now:)`
//    after every 2 h of data as the server's compaction service would, then a forced one;
//  - imported with `BlockImporter` (what `sextant tsdb import` does), then compacted.
// One iteration each: the figure is deterministic, the wall clock is the cost of the whole
// append (or import) + compaction.
//
// Reported: `StoreAnalysis.blockBytesPerSample` (chunks + index files, what `sextant tsdb
// analyze` prints) and, for comparison with Prometheus's measure, every file in the block
// directories (meta.json included) per sample.
import Benchmark
import BenchSupport
import DataGenerator
import Foundation
import TSDB

let analyzedMilliBytes = BenchmarkMetric.custom("bytes/sample ×1000 (analyze)", polarity: .prefersSmaller, useScalingFactor: false)
let directoryMilliBytes = BenchmarkMetric.custom("bytes/sample ×1000 (block dirs)", polarity: .prefersSmaller, useScalingFactor: false)
let blockCount = BenchmarkMetric.custom("blocks", polarity: .prefersSmaller, useScalingFactor: false)
/// The same chunks laid out as version 1 pages with each distinct timestamp column once per block
/// (`StoreAnalysis.timestampSharing`; format version 2 writes shared columns, see docs/format/block.md).
let sharedMilliBytes = BenchmarkMetric.custom("bytes/sample ×1000 (shared timestamps)", polarity: .prefersSmaller, useScalingFactor: false)

let dataOptions = GeneratorOptions(targets: 20, seriesPerTarget: 100)
let hours = 24.0

func measure(_ benchmark: Benchmark, path: String, totalSamples: Int) throws {
    let analysis = try StoreAnalysis(path: path)
    precondition(analysis.blockSamples == totalSamples, "blocks hold \(analysis.blockSamples) of \(totalSamples) samples")
    let directoryBytes = TemporaryDirectory.bytes(under: path + "/blocks")
    benchmark.measurement(analyzedMilliBytes, Int((analysis.blockBytesPerSample * 1000).rounded()))
    benchmark.measurement(directoryMilliBytes, Int((Double(directoryBytes) / Double(totalSamples) * 1000).rounded()))
    benchmark.measurement(blockCount, analysis.blocks.count)
    let sharing = try StoreAnalysis.timestampSharing(path: path)
    benchmark.measurement(sharedMilliBytes, Int((sharing.sharedBytesPerSample * 1000).rounded()))
    note("BytesPerSample: timestamp columns \(sharing.timestampBytes) of \(sharing.chunkBytes) encoded chunk bytes, "
        + "\(sharing.distinctTimestampBytes) if each distinct column were kept once; chunk pages compressed as version 1 pages: "
        + "\(sharing.compressedBytes) bytes (\(sharing.bytesPerSample) B/sample), with shared timestamp columns "
        + "\(sharing.sharedCompressedBytes) bytes (\(sharing.sharedBytesPerSample) B/sample)")
    note("BytesPerSample: \(analysis.blocks.count) blocks, \(analysis.blockSamples) samples, \(analysis.blockBytes) bytes "
        + "(analyze: \(analysis.blockBytesPerSample) B/sample; block dirs \(directoryBytes) bytes: \(Double(directoryBytes) / Double(totalSamples)) B/sample)")
    let versions = Set(analysis.blocks.map { block in
        (try? JSONDecoder().decode(BlockMeta.self, from: Data(contentsOf: URL(fileURLWithPath: path + "/blocks/" + block.ulid + "/meta.json"))))?.version ?? 0
    })
    note("BytesPerSample: block format version(s) \(versions.sorted())")
    for block in analysis.blocks {
        let files = ["chunks", "index", "meta.json"].map { name in
            "\(name) \(TemporaryDirectory.bytes(under: path + "/blocks/" + block.ulid + "/" + name))"
        }
        note("  level \(block.level) \((block.maxTime - block.minTime) / 3_600_000) h: \(block.series) series, \(block.samples) samples, "
            + "\(block.bytesPerSample) B/sample; " + files.joined(separator: ", "))
    }
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .peakMemoryResident, analyzedMilliBytes, directoryMilliBytes, sharedMilliBytes, blockCount],
        units: [analyzedMilliBytes: .count, directoryMilliBytes: .count, sharedMilliBytes: .count, blockCount: .count],
        warmupIterations: 0,
        maxDuration: .seconds(1),
        maxIterations: 1
    )

    let appended = TemporaryDirectory("bps-append")
    Benchmark("Bytes/sample, appended + compacted: 20 targets × 100 series × 24 h", configuration: configuration) { benchmark in
        let path = appended.path + "/data"
        let store = try openStore(path)
        var feeder = ScrapeFeeder(dataOptions)
        let scrapes = dataOptions.scrapes(hours: hours)
        let scrapesPerBlock = Int(2 * 3_600_000 / dataOptions.scrapeInterval)
        for k in 0..<scrapes {
            try feeder.scrapeAll(into: store)
            if (k + 1) % scrapesPerBlock == 0 {
                try store.compact(now: dataOptions.start + Int64(k) * dataOptions.scrapeInterval)
            }
        }
        try store.compact(now: dataOptions.start + Int64(scrapes) * dataOptions.scrapeInterval, force: true)
        try store.close()
        benchmark.stopMeasurement()
        try measure(benchmark, path: path, totalSamples: dataOptions.totalSeries * scrapes)
    } teardown: {
        appended.remove()
    }

    let imported = TemporaryDirectory("bps-import")
    Benchmark("Bytes/sample, imported (BlockImporter) + compacted: 20 targets × 100 series × 24 h", configuration: configuration) { benchmark in
        let path = imported.path + "/data"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var importer = BlockImporter(path: path)
        var generator = NodeExporterGenerator(dataOptions)
        let labels = (0..<dataOptions.targets).map { t in generator.series(of: t).map(\.labels) }
        var values: [Double] = []
        let scrapes = dataOptions.scrapes(hours: hours)
        for _ in 0..<scrapes {
            for target in 0..<dataOptions.targets {
                let t = generator.scrape(target: target, into: &values)
                for (l, v) in zip(labels[target], values) { try importer.add(l, Sample(t, v)) }
            }
        }
        let end = dataOptions.start + Int64(scrapes) * dataOptions.scrapeInterval
        _ = try importer.write(now: end)
        let store = try openStore(path)
        try store.compact(now: end, force: true)
        try store.close()
        benchmark.stopMeasurement()
        try measure(benchmark, path: path, totalSamples: dataOptions.totalSeries * scrapes)
    } teardown: {
        imported.remove()
    }
}
