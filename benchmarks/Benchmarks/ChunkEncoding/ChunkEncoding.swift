// Chunk encode/decode throughput on generated node-exporter-like chunks.
//
// Data: 10 targets × 100 series, 120 scrapes each (one 30-minute chunk per series, the
// chunk size the head cuts): 1 000 chunks, 120 000 samples per iteration.
import Benchmark
import BenchSupport
import DataGenerator
import TSDB

let samplesPerSecond = BenchmarkMetric.custom("samples/s", polarity: .prefersLarger, useScalingFactor: false)
let milliBytesPerSample = BenchmarkMetric.custom("bytes/sample ×1000", polarity: .prefersSmaller, useScalingFactor: false)

/// The generated chunks' samples, and their encodings made once for the decode benchmarks.
struct ChunkSet: @unchecked Sendable { // immutable after setup; only read by the benchmark thread
    let series: [[Sample]]
    let best: [EncodedChunk]
    let xor: [EncodedChunk]
    var sampleCount: Int { series.reduce(0) { $0 + $1.count } }

    static func make() -> ChunkSet {
        let options = GeneratorOptions(targets: 10, seriesPerTarget: 100)
        let generated = NodeExporterGenerator.samples(options, scrapes: 120)
        let series = generated.map(\.samples)
        let best = series.map { ChunkEncoder.encode($0) }
        let xor = series.map { encodeXOR($0) }
        let set = ChunkSet(series: series, best: best, xor: xor)
        // Where the bytes go, by encoding picked and by how the values look.
        var byEncoding: [ChunkEncoding: (chunks: Int, bytes: Int, samples: Int)] = [:]
        for chunk in best {
            byEncoding[chunk.encoding, default: (0, 0, 0)].chunks += 1
            byEncoding[chunk.encoding]!.bytes += chunk.bytes.count
            byEncoding[chunk.encoding]!.samples += chunk.count
        }
        note("ChunkEncoding: \(series.count) chunks, \(set.sampleCount) samples; best \(bytesPerSample(best)) B/sample, xor \(bytesPerSample(xor)) B/sample")
        for (encoding, e) in byEncoding.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            note("  \(encoding): \(e.chunks) chunks, \(e.samples) samples, \(fixed(Double(e.bytes) / Double(e.samples))) B/sample")
        }
        var byFormat: [String: (bytes: Int, xorBytes: Int, samples: Int)] = [:]
        var formats: [ValueFormat] = []
        let generator = NodeExporterGenerator(options)
        for t in 0..<options.targets { formats += generator.series(of: t).map(\.format) }
        for (i, format) in formats.enumerated() {
            let key = "\(format)"
            byFormat[key, default: (0, 0, 0)].bytes += best[i].bytes.count
            byFormat[key]!.xorBytes += xor[i].bytes.count
            byFormat[key]!.samples += best[i].count
        }
        for (format, e) in byFormat.sorted(by: { $0.key < $1.key }) {
            note("  values \(format): \(e.samples / 120) series, best \(fixed(Double(e.bytes) / Double(e.samples))) B/sample, xor \(fixed(Double(e.xorBytes) / Double(e.samples))) B/sample")
        }
        return set
    }

    static func encodeXOR(_ samples: [Sample]) -> EncodedChunk {
        var appender = XORChunkAppender()
        for s in samples { appender.append(s.timestamp, s.value) }
        return appender.snapshot()
    }

    static func bytesPerSample(_ chunks: [EncodedChunk]) -> String {
        fixed(Double(chunks.reduce(0) { $0 + $1.bytes.count }) / Double(chunks.reduce(0) { $0 + $1.count }))
    }
}

func fixed(_ x: Double) -> String {
    let scaled = (x * 1000).rounded()
    return "\(Int(scaled) / 1000).\(String(Int(scaled) % 1000 + 1000).dropFirst())"
}

func report(_ benchmark: Benchmark, samples: Int, since start: ContinuousClock.Instant) {
    benchmark.measurement(samplesPerSecond, Int(Double(samples) / seconds(since: start)))
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, samplesPerSecond],
        warmupIterations: 3,
        maxDuration: .seconds(5),
        maxIterations: 200
    )
    var withSize = configuration
    withSize.metrics.append(milliBytesPerSample)
    withSize.units = [milliBytesPerSample: .count]

    Benchmark("Encode best (ChunkEncoder.encode), 1000 chunks × 120 samples", configuration: withSize) { benchmark, set in
        let start = ContinuousClock.now
        var bytes = 0
        for samples in set.series {
            let chunk = ChunkEncoder.encode(samples)
            bytes += chunk.bytes.count
        }
        report(benchmark, samples: set.sampleCount, since: start)
        benchmark.measurement(milliBytesPerSample, bytes * 1000 / set.sampleCount)
        blackHole(bytes)
    } setup: {
        ChunkSet.make()
    }

    Benchmark("Encode xor (XORChunkAppender), 1000 chunks × 120 samples", configuration: withSize) { benchmark, set in
        let start = ContinuousClock.now
        var bytes = 0
        for samples in set.series {
            bytes += ChunkSet.encodeXOR(samples).bytes.count
        }
        report(benchmark, samples: set.sampleCount, since: start)
        benchmark.measurement(milliBytesPerSample, bytes * 1000 / set.sampleCount)
        blackHole(bytes)
    } setup: {
        ChunkSet.make()
    }

    Benchmark("Decode best (ChunkIterator), 1000 chunks × 120 samples", configuration: configuration) { benchmark, set in
        let start = ContinuousClock.now
        var sum = 0.0
        var count = 0
        var iterator = ChunkIterator(set.best[0])
        for chunk in set.best {
            iterator.reset(chunk)
            while let s = iterator.next() {
                sum += s.value
                count += 1
            }
        }
        report(benchmark, samples: count, since: start)
        blackHole(sum)
    } setup: {
        ChunkSet.make()
    }

    Benchmark("Decode xor (ChunkIterator), 1000 chunks × 120 samples", configuration: configuration) { benchmark, set in
        let start = ContinuousClock.now
        var sum = 0.0
        var count = 0
        var iterator = ChunkIterator(set.xor[0])
        for chunk in set.xor {
            iterator.reset(chunk)
            while let s = iterator.next() {
                sum += s.value
                count += 1
            }
        }
        report(benchmark, samples: count, since: start)
        blackHole(sum)
    } setup: {
        ChunkSet.make()
    }
}
