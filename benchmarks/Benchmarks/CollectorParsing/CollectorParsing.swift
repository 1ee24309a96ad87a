// Collector parsing throughput, in process, one core.
//
// Expositions: `ExpositionParser.next()` until the end over
//   - a real capture of Debian's `prometheus-node-exporter` 1.5.0 on the 2-core development
//     VM (`benchmarks/data/node-exporter-1.5.0.prom`, text 0.0.4: 507 samples, 283 families
//     with HELP and TYPE, 57.6 KB), and the same data rewritten as OpenMetrics (counter
//     families without `_total`, `untyped` as `unknown`, `# EOF`);
//   - a generated big host (`DataGenerator`: 1 target × 2 000 series, 16 CPUs) written by
//     `ExpositionText` in both formats, HELP and TYPE per family.
// Each iteration parses the capture 20 times and the generated host 5 times; every entry
// is materialised (labels included) as a scrape does. Reported: MB/s of exposition text and
// samples/s.
//
// Remote write: one `WriteRequest` of 2 000 series × 5 samples (20 node-exporter-like
// targets × 100 series, 5 scrapes) encoded with `RemoteWriteEncoder` once; each iteration
// decodes it with `RemoteWriteDecoder` (snappy + protobuf, every series' `Labels` and
// samples built), and, to split the cost, from the uncompressed protobuf alone.
import Benchmark
import BenchSupport
import Collector
import DataGenerator
import Foundation
import TSDB

let samplesPerSecond = BenchmarkMetric.custom("samples/s", polarity: .prefersLarger, useScalingFactor: false)
let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)

/// An exposition body and what parsing it yields, checked once in setup.
struct Exposition: Sendable {
    let bytes: [UInt8]
    let format: ExpositionFormat
    let samples: Int
    let repeats: Int

    init(_ name: String, _ bytes: [UInt8], _ format: ExpositionFormat, repeats: Int) {
        self.bytes = bytes
        self.format = format
        self.repeats = repeats
        do {
            samples = try Self.parse(bytes, format)
        } catch {
            fatalError("\(name) does not parse: \(error)")
        }
        note("CollectorParsing: \(name): \(bytes.count) bytes, \(samples) samples, parsed \(repeats)× per iteration")
    }

    /// Parses the whole body, returning the number of samples.
    @inline(never)
    static func parse(_ bytes: [UInt8], _ format: ExpositionFormat) throws(ExpositionError) -> Int {
        var parser = ExpositionParser(bytes, format: format)
        var samples = 0
        var checksum = 0
        while let entry = try parser.next() {
            if case .sample(let labels, _, let value) = entry {
                samples += 1
                checksum &+= labels.count &+ Int(value.bitPattern & 1)
            }
        }
        blackHole(checksum)
        return samples
    }
}

enum Inputs {
    static let dataDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("data")

    static func capture() -> [UInt8] {
        let path = dataDirectory.appendingPathComponent("node-exporter-1.5.0.prom").path
        guard let data = FileManager.default.contents(atPath: path) else { fatalError("missing \(path)") }
        return Array(data)
    }

    /// The text-format capture as OpenMetrics: what node exporter would serve if it offered it.
    static func openMetrics(fromText text: [UInt8]) -> [UInt8] {
        let lines = String(decoding: text, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        var counters: Set<Substring> = []
        for line in lines where line.hasPrefix("# TYPE ") && line.hasSuffix(" counter") {
            counters.insert(line.split(separator: " ")[2])
        }
        var out = ""
        out.reserveCapacity(text.count + 64)
        for line in lines {
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                var name = parts[2]
                if counters.contains(name) && name.hasSuffix("_total") { name = name.dropLast(6) }
                var rest = parts.count > 3 ? String(parts[3]) : ""
                if line.hasPrefix("# TYPE ") && rest == "untyped" { rest = "unknown" }
                if line.hasPrefix("# HELP ") { rest = rest.replacingOccurrences(of: "\"", with: "\\\"") }
                out += "\(parts[0]) \(parts[1]) \(name) \(rest)\n"
            } else {
                out += line
                out += "\n"
            }
        }
        out += "# EOF\n"
        return Array(out.utf8)
    }

    static func generatedHost(openMetrics: Bool) -> [UInt8] {
        var generator = NodeExporterGenerator(GeneratorOptions(targets: 1, seriesPerTarget: 2_000, cpusPerTarget: 16))
        var values: [Double] = []
        for _ in 0..<40 { generator.scrape(target: 0, into: &values) } // counters well past zero
        return ExpositionText.scrape(generator.series(of: 0), values, openMetrics: openMetrics)
    }

    /// 2 000 series × 5 samples: (snappy body, uncompressed protobuf, samples).
    static func remoteWrite() -> (compressed: [UInt8], protobuf: [UInt8], samples: Int) {
        let options = GeneratorOptions(targets: 20, seriesPerTarget: 100, start: 1_767_225_600_000)
        let series = NodeExporterGenerator.samples(options, scrapes: 5).map { RemoteWriteSeries(labels: $0.labels, samples: $0.samples) }
        var protobuf: [UInt8] = []
        RemoteWriteEncoder.encodeProtobuf(series, into: &protobuf)
        let compressed = RemoteWriteEncoder.encode(series)
        let samples = series.reduce(0) { $0 + $1.samples.count }
        note("CollectorParsing: remote write: \(series.count) series, \(samples) samples, \(protobuf.count) bytes protobuf, \(compressed.count) bytes snappy")
        return (compressed, protobuf, samples)
    }
}

func report(_ benchmark: Benchmark, samples: Int, bytes: Int, since start: ContinuousClock.Instant) {
    let elapsed = seconds(since: start)
    benchmark.measurement(samplesPerSecond, Int(Double(samples) / elapsed))
    if bytes > 0 { benchmark.measurement(megabytesPerSecond, Int(Double(bytes) / elapsed / 1e6)) }
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, samplesPerSecond, megabytesPerSecond],
        warmupIterations: 5,
        maxDuration: .seconds(5),
        maxIterations: 1_000
    )

    func parsing(_ title: String, _ make: @escaping @Sendable () -> Exposition) {
        Benchmark(title, configuration: configuration) { benchmark, input in
            let start = ContinuousClock.now
            var samples = 0
            for _ in 0..<input.repeats {
                samples += try Exposition.parse(input.bytes, input.format)
            }
            report(benchmark, samples: samples, bytes: input.bytes.count * input.repeats, since: start)
        } setup: {
            make()
        }
    }

    parsing("Parse text 0.0.4, node-exporter 1.5.0 capture (507 samples) ×20") {
        Exposition("capture, text", Inputs.capture(), .prometheusText, repeats: 20)
    }
    parsing("Parse OpenMetrics, node-exporter 1.5.0 capture (507 samples) ×20") {
        Exposition("capture, OpenMetrics", Inputs.openMetrics(fromText: Inputs.capture()), .openMetrics, repeats: 20)
    }
    parsing("Parse text 0.0.4, generated host (2 000 series) ×5") {
        Exposition("generated host, text", Inputs.generatedHost(openMetrics: false), .prometheusText, repeats: 5)
    }
    parsing("Parse OpenMetrics, generated host (2 000 series) ×5") {
        Exposition("generated host, OpenMetrics", Inputs.generatedHost(openMetrics: true), .openMetrics, repeats: 5)
    }

    Benchmark("Remote-write decode (snappy + protobuf), 2 000 series × 5 samples", configuration: configuration) { benchmark, input in
        let start = ContinuousClock.now
        var decoder = try RemoteWriteDecoder(compressed: input.compressed)
        var samples = 0
        while let series = try decoder.next() {
            samples += series.samples.count
            blackHole(series)
        }
        precondition(samples == input.samples && decoder.rejectedSeries == 0)
        report(benchmark, samples: samples, bytes: input.compressed.count, since: start)
    } setup: {
        Inputs.remoteWrite()
    }

    Benchmark("Remote-write decode (protobuf only), 2 000 series × 5 samples", configuration: configuration) { benchmark, input in
        let start = ContinuousClock.now
        var decoder = try RemoteWriteDecoder(protobuf: input.protobuf)
        var samples = 0
        while let series = try decoder.next() {
            samples += series.samples.count
            blackHole(series)
        }
        precondition(samples == input.samples && decoder.rejectedSeries == 0)
        report(benchmark, samples: samples, bytes: input.protobuf.count, since: start)
    } setup: {
        Inputs.remoteWrite()
    }
}
