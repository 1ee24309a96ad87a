// datagen: writes a node-exporter-like data set as OpenMetrics text with timestamps.
//
//   swift run -c release datagen --targets 50 --hours 24 --out /tmp/node.om
//
// The last line printed is machine-readable (key=value pairs) for scripts.
import DataGenerator
import Foundation

let usage = """
    usage: datagen --out FILE [--targets N] [--series M] [--cpus C] [--hours H]
                   [--interval SECONDS] [--jitter MS] [--start UNIX_MS] [--seed S]

      --out FILE          OpenMetrics file to write (ends with "# EOF")
      --targets N         scrape targets (hosts), default 50
      --series M          series per target, default 100
      --cpus C            CPUs per target (8 node_cpu_seconds_total series each), default 2
      --hours H           hours of data, default 24
      --interval SECONDS  scrape interval, default 15
      --jitter MS         a scrape lands up to this many ms early or late, default 3
      --start UNIX_MS     first scrape time, default 1767225600000 (2026-01-01T00:00:00Z)
      --seed S            random seed, default \(GeneratorOptions().seed)
    """

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("datagen: \(message)\n\(usage)\n".utf8))
    exit(2)
}

var options = GeneratorOptions()
var hours = 24.0
var out: String?
var arguments = CommandLine.arguments.dropFirst()
@MainActor func value(_ flag: String) -> String {
    guard let v = arguments.popFirst() else { fail("\(flag) needs a value") }
    return v
}
@MainActor func number<T: LosslessStringConvertible>(_ flag: String, _ type: T.Type) -> T {
    let text = value(flag)
    guard let v = T(text) else { fail("\(flag): invalid value \(text)") }
    return v
}
var interval = 15.0
var jitter = options.jitter
while let flag = arguments.popFirst() {
    switch flag {
    case "--out": out = value(flag)
    case "--targets": options.targets = number(flag, Int.self)
    case "--series": options.seriesPerTarget = number(flag, Int.self)
    case "--cpus": options.cpusPerTarget = number(flag, Int.self)
    case "--hours": hours = number(flag, Double.self)
    case "--interval": interval = number(flag, Double.self)
    case "--jitter": jitter = number(flag, Int64.self)
    case "--start": options.start = number(flag, Int64.self)
    case "--seed": options.seed = number(flag, UInt64.self)
    case "-h", "--help":
        print(usage)
        exit(0)
    default: fail("unknown argument \(flag)")
    }
}
guard let out else { fail("--out is required") }
guard options.targets > 0, options.seriesPerTarget > 0, options.cpusPerTarget >= 0, hours > 0, interval > 0 else {
    fail("sizes must be positive")
}
options.scrapeInterval = Int64(interval * 1000)
options.jitter = jitter
guard jitter >= 0, jitter * 2 < options.scrapeInterval else { fail("--jitter must be under half the interval") }

let scrapes = options.scrapes(hours: hours)
var generator = NodeExporterGenerator(options)
let clock = ContinuousClock()
let began = clock.now
var minTime = Int64.max, maxTime = Int64.min
do {
    var writer = try OpenMetricsWriter(path: out)
    var values: [Double] = []
    for _ in 0..<scrapes {
        for target in 0..<options.targets {
            let t = generator.scrape(target: target, into: &values)
            minTime = min(minTime, t)
            maxTime = max(maxTime, t)
            try writer.write(generator.series(of: target), values, at: t)
        }
    }
    try writer.finish()
    let elapsed = clock.now - began
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    FileHandle.standardError.write(Data("""
        datagen: \(options.targets) targets × \(options.seriesPerTarget) series × \(scrapes) scrapes \
        = \(writer.samples) samples, \(writer.bytes) bytes, in \(String(format: "%.1f", seconds)) s\n
        """.utf8))
    print("targets=\(options.targets) series=\(options.totalSeries) scrapes=\(scrapes) samples=\(writer.samples) bytes=\(writer.bytes) min_ms=\(minTime) max_ms=\(maxTime) cpu_series=\(options.targets * min(options.cpusPerTarget * 8, max(0, options.seriesPerTarget - 21)))")
} catch {
    fail("\(out): \(error)")
}
