import TestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Sextant beside the real thing: Debian's `prometheus` 2.42 (and `promtool`) and
/// `prometheus-node-exporter` 1.5, run as child processes on loopback ports.
///
/// - node-exporter is scraped by Sextant;
/// - Prometheus remote-writes its own metrics into Sextant, and both then hold the same samples;
/// - both load the same generated OpenMetrics backfill and answer every query of
///   `testdata/interop-queries.txt` identically.
///
/// Each test is skipped when its peer is not installed
/// (`apt-get install prometheus prometheus-node-exporter`). Serialized: two Prometheus
/// servers at once are a lot for a small CI machine.
@Suite(.serialized)
struct PrometheusInteropTests {
    static let prometheus = "/usr/bin/prometheus"
    static let promtool = "/usr/bin/promtool"
    static let nodeExporter = "/usr/bin/prometheus-node-exporter"
    static let hasPrometheus = FileManager.default.isExecutableFile(atPath: prometheus)
        && FileManager.default.isExecutableFile(atPath: promtool)
    static let hasNodeExporter = FileManager.default.isExecutableFile(atPath: nodeExporter)

    /// Sextant's own collectors off, so every series comes from the peer under test.
    static let quietSextant = "collector:\n  self_scrape: false\n  host: false\n"

    // MARK: - node-exporter

    @Test(.enabled(if: PrometheusInteropTests.hasNodeExporter,
                   "needs /usr/bin/prometheus-node-exporter (apt-get install prometheus-node-exporter)"),
          .timeLimit(.minutes(2)))
    func sextantScrapesNodeExporter() async throws {
        let directory = try Interop.temporaryDirectory("node")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let exporterPort = try Interop.freePort()
        let exporter = try InteropProcess(
            name: "node-exporter", executable: Self.nodeExporter,
            arguments: ["--web.listen-address=127.0.0.1:\(exporterPort)", "--collector.disable-defaults",
                        "--collector.cpu", "--collector.meminfo", "--collector.loadavg", "--collector.time"],
            directory: directory)
        let exporterAddress = "127.0.0.1:\(exporterPort)"
        try await Interop.waitUntil("node-exporter serves /metrics", context: exporter.log) {
            try await Interop.get(exporterAddress, "/metrics").status == 200
        }

        try (Self.quietSextant + """
            scrape_configs:
              - job_name: node
                scrape_interval: 1s
                scrape_timeout: 1s
                static_configs:
                  - targets: ['\(exporterAddress)']

            """).write(toFile: directory + "/sextant.yml", atomically: true, encoding: .utf8)
        let sextant = try InteropProcess(
            name: "sextant", executable: ServeProcessTests.binary,
            arguments: ["serve", "--listen", "127.0.0.1:0", "--data-dir", "data", "--config", "sextant.yml"],
            directory: directory)
        let address = try await sextant.sextantAddress()

        // A few scrapes, then up{job="node"} is 1.
        try await Interop.waitUntil("three scrapes of node-exporter", context: sextant.log) {
            let body = try await Interop.json(address, "/api/v1/query", [("query", #"count_over_time(up{job="node"}[1m])"#)])
            return Interop.vectorValues(body).first.map { $0 >= 3 } ?? false
        }
        let up = try await Interop.json(address, "/api/v1/query", [("query", #"up{job="node"}"#)])
        #expect(Interop.vectorValues(up) == [1], "\(up)")

        // Every CPU-mode series node-exporter exposes is in Sextant, labelled with the target.
        let metrics = String(decoding: try await Interop.get(exporterAddress, "/metrics").body, as: UTF8.self)
        let exposedCPU = metrics.split(separator: "\n").filter { $0.hasPrefix("node_cpu_seconds_total{") }.count
        let series = try await Interop.json(address, "/api/v1/series", [("match[]", "node_cpu_seconds_total")])
        let cpu = series["data"] as? [[String: String]] ?? []
        #expect(exposedCPU > 0)
        #expect(cpu.count == exposedCPU, "\(series)")
        #expect(cpu.allSatisfy { $0["job"] == "node" && $0["instance"] == exporterAddress && $0["mode"] != nil })
        #expect(cpu.contains { $0["mode"] == "idle" })

        // A constant reads back exactly as exposed.
        let memTotal = metrics.split(separator: "\n").first { $0.hasPrefix("node_memory_MemTotal_bytes ") }
            .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
        let stored = try await Interop.json(address, "/api/v1/query", [("query", "node_memory_MemTotal_bytes")])
        #expect(memTotal != nil && Interop.vectorValues(stored) == [memTotal!], "\(stored)")

        await exporter.stop()
        #expect(await sextant.stop() == 0, "\(sextant.log)")
    }

    // MARK: - Prometheus remote write

    @Test(.enabled(if: PrometheusInteropTests.hasPrometheus,
                   "needs /usr/bin/prometheus and /usr/bin/promtool (apt-get install prometheus)"),
          .timeLimit(.minutes(3)))
    func prometheusRemoteWritesIntoSextant() async throws {
        let directory = try Interop.temporaryDirectory("rw")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.quietSextant.write(toFile: directory + "/sextant.yml", atomically: true, encoding: .utf8)
        let sextant = try InteropProcess(
            name: "sextant", executable: ServeProcessTests.binary,
            arguments: ["serve", "--listen", "127.0.0.1:0", "--data-dir", "sextant-data", "--config", "sextant.yml"],
            directory: directory)
        let address = try await sextant.sextantAddress()

        let prometheusAddress = "127.0.0.1:\(try Interop.freePort())"
        try """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: prometheus
                static_configs:
                  - targets: ['\(prometheusAddress)']
            remote_write:
              - url: http://\(address)/api/v1/write
                queue_config:
                  batch_send_deadline: 1s
                  min_backoff: 100ms
                  max_backoff: 1s

            """.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        let prometheus = try InteropProcess(
            name: "prometheus", executable: Self.prometheus,
            arguments: ["--config.file=prometheus.yml", "--storage.tsdb.path=prometheus-data",
                        "--web.listen-address=\(prometheusAddress)"],
            directory: directory)

        try await Interop.waitUntil("Prometheus's samples arrive in Sextant", timeout: .seconds(60),
                                    context: prometheus.log + sextant.log) {
            let body = try await Interop.json(address, "/api/v1/query",
                                              [("query", #"count_over_time(up{job="prometheus"}[1m])"#)])
            return Interop.vectorValues(body).first.map { $0 >= 5 } ?? false
        }

        // Remote write is asynchronous: compare a window that ended a few seconds ago, and
        // look again a few times before calling a difference a failure.
        let stable = ["up", "prometheus_build_info", "prometheus_tsdb_head_series", "scrape_samples_scraped",
                      "go_goroutines", "prometheus_http_requests_total"]
        var differences: [String] = []
        var comparedSeries = 0
        for attempt in 0..<5 {
            if attempt > 0 { try await Task.sleep(for: .seconds(2)) }
            differences = []
            comparedSeries = 0
            let at = Interop.unixSeconds(Int64(Date().timeIntervalSince1970 * 1000) - 5_000)
            let from = Interop.unixSeconds(Int64(Date().timeIntervalSince1970 * 1000) - 35_000)
            for name in stable {
                let series = [("match[]", name), ("start", from), ("end", at)]
                let ours = try await Interop.json(address, "/api/v1/series", series)
                let theirs = try await Interop.json(prometheusAddress, "/api/v1/series", series)
                if let diff = PromResponseComparison.compareData(ours, theirs) { differences.append("series \(name): \(diff)") }
            }
            // Raw samples, every series the scrape produced: equal timestamps, equal values.
            for selector in stable.map({ "\($0)[20s]" }) + [#"{job="prometheus"}[20s]"#] {
                let query = [("query", selector), ("time", at)]
                let ours = try await Interop.json(address, "/api/v1/query", query)
                let theirs = try await Interop.json(prometheusAddress, "/api/v1/query", query)
                let count = ((theirs["data"] as? [String: Any])?["result"] as? [Any])?.count ?? 0
                if count == 0 { differences.append("\(selector): Prometheus has no samples") }
                comparedSeries = max(comparedSeries, count)
                if let diff = PromResponseComparison.compare(query: selector, ours, theirs, tolerance: 0) {
                    differences.append("\(selector) @ \(at): \(diff)")
                }
            }
            if differences.isEmpty { break }
        }
        print("interop remote write: \(comparedSeries) series compared sample by sample, \(differences.count) differences")
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
        #expect(comparedSeries > 50)

        // Prometheus first: it flushes its queue to a Sextant that is still listening.
        await prometheus.stop()
        #expect(await sextant.stop() == 0, "\(sextant.log)")
    }

    // MARK: - PromQL corpus

    @Test(.enabled(if: PrometheusInteropTests.hasPrometheus,
                   "needs /usr/bin/prometheus and /usr/bin/promtool (apt-get install prometheus)"),
          .timeLimit(.minutes(5)))
    func promqlCorpusMatchesPrometheus() async throws {
        let directory = try Interop.temporaryDirectory("promql")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let data = directory + "/backfill.om"
        try Data(InteropFixture.openMetrics().utf8).write(to: URL(fileURLWithPath: data))

        // The same file into both stores.
        let promtool = try InteropProcess(
            name: "promtool", executable: Self.promtool,
            arguments: ["tsdb", "create-blocks-from", "openmetrics", data, directory + "/prometheus-data"],
            directory: directory)
        try #require(await promtool.waitForExit(timeout: .seconds(60)) == 0, "\(promtool.log)")
        let importer = try InteropProcess(
            name: "sextant tsdb import", executable: ServeProcessTests.binary,
            arguments: ["tsdb", "import", "--data-dir", directory + "/sextant-data", data],
            directory: directory)
        try #require(await importer.waitForExit(timeout: .seconds(60)) == 0, "\(importer.log)")
        #expect(importer.log.contains("imported \(InteropFixture.sampleCount) samples"), "\(importer.log)")

        try (Self.quietSextant + "storage:\n  retention_time: 100y\n")
            .write(toFile: directory + "/sextant.yml", atomically: true, encoding: .utf8)
        let sextant = try InteropProcess(
            name: "sextant", executable: ServeProcessTests.binary,
            arguments: ["serve", "--listen", "127.0.0.1:0", "--data-dir", "sextant-data", "--config", "sextant.yml"],
            directory: directory)
        try "global:\n  scrape_interval: 1m\nscrape_configs: []\n"
            .write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        let prometheusAddress = "127.0.0.1:\(try Interop.freePort())"
        let prometheus = try InteropProcess(
            name: "prometheus", executable: Self.prometheus,
            arguments: ["--config.file=prometheus.yml", "--storage.tsdb.path=prometheus-data",
                        "--storage.tsdb.retention.time=100y", "--web.listen-address=\(prometheusAddress)"],
            directory: directory)
        let address = try await sextant.sextantAddress()

        // Both ready, both answering from the loaded blocks.
        let probe = [("query", "count(build_info)"), ("time", Interop.unixSeconds(InteropFixture.start * 1000 + 3_600_000))]
        for (server, process) in [(address, sextant), (prometheusAddress, prometheus)] {
            try await Interop.waitUntil("\(process.name) is ready", context: process.log) {
                try await Interop.get(server, "/-/ready").status == 200
            }
            try await Interop.waitUntil("\(process.name) has loaded the blocks", context: process.log) {
                Interop.vectorValues(try await Interop.json(server, "/api/v1/query", probe)) == [1]
            }
        }

        let corpus = try QueryCorpus.load()
        var failures: [(query: CorpusQuery, diff: String)] = []
        for query in corpus {
            let ours = try await Interop.json(address, query.path, query.parameters)
            let theirs = try await Interop.json(prometheusAddress, query.path, query.parameters)
            if let diff = PromResponseComparison.compare(query: query.expression, ours, theirs) {
                failures.append((query, diff))
            }
        }

        // The metadata endpoints over the whole data, compared as sets.
        let window = [("start", Interop.unixSeconds(InteropFixture.start * 1000)),
                      ("end", Interop.unixSeconds(InteropFixture.start * 1000 + 3 * 3_600_000))]
        let metadata: [(String, [(String, String)])] = [
            ("/api/v1/labels", window),
            ("/api/v1/label/job/values", window),
            ("/api/v1/label/le/values", window),
            ("/api/v1/label/value/values", window),
            ("/api/v1/series", [("match[]", #"{job="api"}"#)] + window),
            ("/api/v1/series", [("match[]", "unicode_twins"), ("match[]", #"label_edge_cases{value=~".*"}"#)] + window),
        ]
        var metadataFailures: [String] = []
        for (path, parameters) in metadata {
            let ours = try await Interop.json(address, path, parameters)
            let theirs = try await Interop.json(prometheusAddress, path, parameters)
            if let diff = PromResponseComparison.compareData(ours, theirs) {
                metadataFailures.append("\(path) \(parameters.map { "\($0.0)=\($0.1)" }.joined(separator: "&")): \(diff)")
            }
        }

        print("interop: \(corpus.count) queries, \(corpus.count - failures.count) identical, \(failures.count) differ")
        for (query, diff) in failures {
            print("  line \(query.line): \(query.source)\n    \(diff.replacingOccurrences(of: "\n", with: "\n    "))")
        }
        print("interop metadata: \(metadata.count) requests, \(metadataFailures.count) differ")
        for failure in metadataFailures { print("  \(failure)") }

        #expect(corpus.count >= 200)
        for (query, diff) in failures {
            Issue.record("interop-queries.txt:\(query.line): \(query.source)\n\(diff)")
        }
        for failure in metadataFailures { Issue.record("\(failure)") }

        await prometheus.stop()
        #expect(await sextant.stop() == 0, "\(sextant.log)")
    }
}

// MARK: - The backfill both servers load

/// Deterministic OpenMetrics text with timestamps (SplitMix64, fixed seed): three hours at
/// 15 s from ``start``, ending in `# EOF`, as `promtool tsdb create-blocks-from openmetrics`
/// and `sextant tsdb import` read it. The corpus's header describes the series.
enum InteropFixture {
    static let start: Int64 = 1_700_000_000
    static let steps = 720
    /// 12 counters, 6 + 2 gauges, 16 histogram series and build_info at every step; the gap
    /// series misses 160 of them; the 18 label-edge series are written every fourth step.
    static let sampleCount = (12 + 6 + 2 + 16 + 1 + 1) * 720 - 160 + 18 * 180

    static func openMetrics() -> String {
        var random = SplitMix64(state: 20_240_611)
        var out: [String] = []
        func at(_ step: Int) -> Int64 { (start + Int64(step) * 15) * 1000 }

        // Counters with resets; instance 2 scrapes with up to a second of jitter.
        out.append("# TYPE http_requests counter")
        let counters = ["0", "1", "2"].flatMap { i in ["GET", "POST"].flatMap { m in ["200", "500"].map { c in (i, m, c) } } }
        var counts = [Int](repeating: 0, count: counters.count)
        for step in 0..<steps {
            for (k, (instance, method, code)) in counters.enumerated() {
                let increment = random.below(code == "200" ? 20 : 3)
                if random.below(200) == 0 { counts[k] = increment } else { counts[k] += increment }
                var t = at(step)
                if instance == "2" { t += Int64(random.below(1000)) }
                out.append("http_requests_total\(labels([("code", code), ("instance", instance), ("job", "api"), ("method", method)])) \(counts[k]) \(seconds(t))")
            }
        }

        // Random walks in thousandths; one pair crosses zero.
        out.append("# TYPE node_temperature_celsius gauge")
        let sensors = ["0", "1", "2"].flatMap { i in ["cpu", "disk"].map { (i, $0) } }
        var temperatures = sensors.indices.map { 40_000 + 1_000 * $0 }
        for step in 0..<steps {
            for (k, (instance, sensor)) in sensors.enumerated() {
                temperatures[k] += random.below(2001) - 1000
                out.append("node_temperature_celsius\(labels([("instance", instance), ("job", "node"), ("sensor", sensor)])) \(thousandths(temperatures[k])) \(seconds(at(step)))")
            }
        }
        out.append("# TYPE account_balance gauge")
        var balances = [500, -1500]
        for step in 0..<steps {
            for (k, account) in ["x", "y"].enumerated() {
                balances[k] += random.below(401) - 200
                out.append("account_balance\(labels([("account", account), ("job", "bank")])) \(thousandths(balances[k])) \(seconds(at(step)))")
            }
        }

        // A classic histogram: cumulative buckets, _sum and _count.
        out.append("# TYPE request_duration_seconds histogram")
        let bounds = ["0.05", "0.1", "0.25", "0.5", "1", "+Inf"]
        let boundMilliseconds = [50, 100, 250, 500, 1000, Int.max]
        var buckets = [[Int]](repeating: [Int](repeating: 0, count: bounds.count), count: 2)
        var sums = [0, 0]
        for step in 0..<steps {
            for instance in 0..<2 {
                for _ in 0..<random.below(8) {
                    let duration = random.below(1500)
                    sums[instance] += duration
                    for b in bounds.indices where duration <= boundMilliseconds[b] { buckets[instance][b] += 1 }
                }
                let t = seconds(at(step))
                for b in bounds.indices {
                    out.append("request_duration_seconds_bucket\(labels([("instance", "\(instance)"), ("job", "api"), ("le", bounds[b])])) \(buckets[instance][b]) \(t)")
                }
                out.append("request_duration_seconds_sum\(labels([("instance", "\(instance)"), ("job", "api")])) \(thousandths(sums[instance])) \(t)")
                out.append("request_duration_seconds_count\(labels([("instance", "\(instance)"), ("job", "api")])) \(buckets[instance][bounds.count - 1]) \(t)")
            }
        }

        // A gauge with a 40-minute gap, from 1 h to 1 h 40 m: longer than the lookback.
        out.append("# TYPE intermittent_value gauge")
        var value = 0
        for step in 0..<steps {
            value += random.below(11) - 5
            if (240..<400).contains(step) { continue }
            out.append("intermittent_value\(labels([("instance", "0"), ("job", "batch")])) \(value) \(seconds(at(step)))")
        }
        out.append("# TYPE build_info gauge")
        for step in 0..<steps {
            out.append("build_info\(labels([("job", "api"), ("version", "1.2.3-rc.1")])) 1 \(seconds(at(step)))")
        }

        // Label values that tell bytes, runes and Unicode-aware matching apart. Built from
        // scalars, never normalized: "e\u{301}" stays two runes, as in Go.
        out.append("# TYPE label_edge_cases gauge")
        let edges = ["caf\u{E9}", "Z\u{FC}rich", "line\nbreak", "a\u{2028}b", "\u{663}", "stra\u{DF}e", "\u{1F642}x",
                     "quote\"back\\slash", "tab\there", "\u{212A}", "e\u{301}", "MiXeD"]
        for step in stride(from: 0, to: steps, by: 4) {
            for (k, edge) in edges.enumerated() {
                out.append("label_edge_cases\(labels([("job", "edge"), ("value", edge)])) \(k) \(seconds(at(step)))")
            }
        }
        // Canonically equivalent, different strings: different series in Prometheus.
        out.append("# TYPE unicode_twins gauge")
        let twins = ["caf\u{E9}", "cafe\u{301}", "K", "\u{212A}", "\u{C5}", "\u{212B}"]
        for step in stride(from: 0, to: steps, by: 4) {
            for (k, twin) in twins.enumerated() {
                out.append("unicode_twins\(labels([("job", "edge"), ("value", twin)])) \(k) \(seconds(at(step)))")
            }
        }
        out.append("# EOF")
        return out.joined(separator: "\n") + "\n"
    }

    static func labels(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
    }

    /// OpenMetrics label-value escapes, scalar by scalar.
    static func escape(_ value: String) -> String {
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// Milliseconds as seconds with three decimals: `1700000015.123`.
    static func seconds(_ milliseconds: Int64) -> String { Interop.unixSeconds(milliseconds) }

    static func thousandths(_ value: Int) -> String {
        (value < 0 ? "-" : "") + "\(abs(value) / 1000)." + Interop.pad3(abs(value) % 1000)
    }
}

// MARK: - The query corpus

/// One line of `testdata/interop-queries.txt`, ready to send.
struct CorpusQuery {
    let line: Int
    let source: String
    let expression: String
    let path: String
    let parameters: [(String, String)]
}

/// `instant OFFSET QUERY` and `range START END STEP QUERY`; offsets are seconds (fractions
/// allowed) or durations such as `1h30m`, after ``InteropFixture/start``, and may be negative.
/// The step goes to both servers as written.
enum QueryCorpus {
    static func load() throws -> [CorpusQuery] {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("testdata/interop-queries.txt")
        let text = try String(contentsOf: file, encoding: .utf8)
        var queries: [CorpusQuery] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let query = try parse(line, number: index + 1) else {
                throw InteropError("interop-queries.txt:\(index + 1): expected `instant OFFSET QUERY` or `range START END STEP QUERY`: \(line)")
            }
            queries.append(query)
        }
        return queries
    }

    static func parse(_ line: String, number: Int) throws -> CorpusQuery? {
        let (kind, rest) = splitWord(Substring(line))
        switch kind {
        case "instant":
            let (offset, expression) = splitWord(rest)
            guard !expression.isEmpty else { return nil }
            let time = Interop.unixSeconds(InteropFixture.start * 1000 + (try milliseconds(offset)))
            return CorpusQuery(line: number, source: line, expression: String(expression), path: "/api/v1/query",
                               parameters: [("query", String(expression)), ("time", time)])
        case "range":
            let (start, afterStart) = splitWord(rest)
            let (end, afterEnd) = splitWord(afterStart)
            let (step, expression) = splitWord(afterEnd)
            guard !expression.isEmpty else { return nil }
            return CorpusQuery(line: number, source: line, expression: String(expression), path: "/api/v1/query_range",
                               parameters: [("query", String(expression)),
                                            ("start", Interop.unixSeconds(InteropFixture.start * 1000 + (try milliseconds(start)))),
                                            ("end", Interop.unixSeconds(InteropFixture.start * 1000 + (try milliseconds(end)))),
                                            ("step", String(step))])
        default:
            return nil
        }
    }

    static func splitWord(_ text: Substring) -> (Substring, Substring) {
        let trimmed = text.drop(while: { $0 == " " || $0 == "\t" })
        guard let space = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return (trimmed, "") }
        return (trimmed[..<space], trimmed[space...].drop(while: { $0 == " " || $0 == "\t" }))
    }

    /// `90`, `2.5`, `-1m`, `1h30m15s` as milliseconds.
    static func milliseconds(_ text: Substring) throws -> Int64 {
        var rest = text
        var sign: Int64 = 1
        if rest.first == "-" { sign = -1; rest = rest.dropFirst() }
        if let seconds = Double(rest) { return sign * Int64((seconds * 1000).rounded()) }
        var total: Int64 = 0
        var digits = ""
        for character in rest {
            if character.isASCII, character.isNumber { digits.append(character); continue }
            let unit: Int64? = switch character { case "h": 3_600_000; case "m": 60_000; case "s": 1000; default: nil }
            guard let unit, let amount = Int64(digits) else { throw InteropError("bad offset \(text)") }
            total += amount * unit
            digits = ""
        }
        guard digits.isEmpty, !rest.isEmpty else { throw InteropError("bad offset \(text)") }
        return sign * total
    }
}

// MARK: - Comparing API responses

/// Compares a Sextant response with Prometheus's for the same request: the same status, the
/// same `errorType` on errors, the same result type, the same series (label sets compared
/// byte for byte), the same timestamps, values within a relative `tolerance` (NaN equals NaN,
/// infinities their own sign). Vectors are sets keyed by labels, except that the order of
/// `sort` and `sort_desc` results must agree. Returns nil when they agree, else a short diff.
enum PromResponseComparison {
    static func compare(query: String, _ ours: [String: Any], _ theirs: [String: Any], tolerance: Double = 1e-9) -> String? {
        let status = (ours["status"] as? String, theirs["status"] as? String)
        guard status == ("success", "success") else {
            if status == ("error", "error") {
                let types = (ours["errorType"] as? String, theirs["errorType"] as? String)
                if types.0 == types.1 { return nil }
                return "errorType \(types.0 ?? "-") (\(ours["error"] as? String ?? "")) vs Prometheus \(types.1 ?? "-") (\(theirs["error"] as? String ?? ""))"
            }
            return "Sextant: \(brief(ours))\nPrometheus: \(brief(theirs))"
        }
        guard let a = ours["data"] as? [String: Any], let b = theirs["data"] as? [String: Any],
              let type = b["resultType"] as? String else {
            return "malformed data\nSextant: \(brief(ours))\nPrometheus: \(brief(theirs))"
        }
        guard a["resultType"] as? String == type else { return "resultType \(a["resultType"] ?? "-") vs Prometheus \(type)" }
        switch type {
        case "scalar", "string":
            let (x, y) = (a["result"] as? [Any] ?? [], b["result"] as? [Any] ?? [])
            guard x.count == 2, y.count == 2, Interop.number(x[0]) == Interop.number(y[0]) else { return "\(x) vs Prometheus \(y)" }
            if type == "string" { return x[1] as? String == y[1] as? String ? nil : "\(x) vs Prometheus \(y)" }
            return same(x[1], y[1], tolerance) ? nil : "\(x) vs Prometheus \(y)"
        case "vector", "matrix":
            let x = a["result"] as? [[String: Any]] ?? [], y = b["result"] as? [[String: Any]] ?? []
            var diffs: [String] = []
            let mine = keyed(x), theirs = keyed(y)
            if mine.count != x.count { diffs.append("Sextant returned a label set twice") }
            for key in mine.keys.sorted() where theirs[key] == nil {
                diffs.append("only Sextant: \(key) \(points(mine[key]!, type))")
            }
            for key in theirs.keys.sorted() where mine[key] == nil {
                diffs.append("only Prometheus: \(key) \(points(theirs[key]!, type))")
            }
            for key in mine.keys.sorted() {
                guard let other = theirs[key], let diff = compareSeries(mine[key]!, other, type, tolerance) else { continue }
                diffs.append("\(key): \(diff)")
            }
            if type == "vector", diffs.isEmpty, query.range(of: #"^\s*sort(_desc)?\s*\("#, options: .regularExpression) != nil {
                let order = (x.map { (($0["value"] as? [Any])?.last as? String) ?? "" }, y.map { (($0["value"] as? [Any])?.last as? String) ?? "" })
                if !zip(order.0, order.1).allSatisfy({ same($0, $1, tolerance) }) {
                    diffs.append("order: \(order.0) vs Prometheus \(order.1)")
                }
            }
            return diffs.isEmpty ? nil : clip(diffs.joined(separator: "\n"))
        default:
            return "unknown resultType \(type)"
        }
    }

    /// `data` of the metadata endpoints: lists of strings or of label sets, as sets.
    static func compareData(_ ours: [String: Any], _ theirs: [String: Any]) -> String? {
        guard ours["status"] as? String == "success", theirs["status"] as? String == "success" else {
            return "Sextant: \(brief(ours))\nPrometheus: \(brief(theirs))"
        }
        func members(_ data: Any?) -> Set<String> {
            if let strings = data as? [String] { return Set(strings.map(Interop.quoted)) }
            if let sets = data as? [[String: String]] { return Set(sets.map(Interop.render)) }
            return []
        }
        let (a, b) = (members(ours["data"]), members(theirs["data"]))
        if a == b { return nil }
        return clip("only Sextant: \(a.subtracting(b).sorted())\nonly Prometheus: \(b.subtracting(a).sorted())")
    }

    static func keyed(_ result: [[String: Any]]) -> [String: [String: Any]] {
        var byLabels: [String: [String: Any]] = [:]
        for series in result { byLabels[Interop.render(series["metric"] as? [String: String] ?? [:])] = series }
        return byLabels
    }

    static func compareSeries(_ a: [String: Any], _ b: [String: Any], _ type: String, _ tolerance: Double) -> String? {
        if type == "vector" {
            let (x, y) = (a["value"] as? [Any] ?? [], b["value"] as? [Any] ?? [])
            guard x.count == 2, y.count == 2, Interop.number(x[0]) == Interop.number(y[0]), same(x[1], y[1], tolerance) else {
                return "\(x) vs Prometheus \(y)"
            }
            return nil
        }
        let (x, y) = (a["values"] as? [[Any]] ?? [], b["values"] as? [[Any]] ?? [])
        let (tx, ty) = (x.map { $0.first.flatMap(Interop.number) ?? .nan }, y.map { $0.first.flatMap(Interop.number) ?? .nan })
        if tx != ty {
            let (sx, sy) = (Set(tx), Set(ty))
            return "\(x.count) vs Prometheus \(y.count) points; only Sextant at \(sx.subtracting(sy).sorted().prefix(5).map { $0 }), only Prometheus at \(sy.subtracting(sx).sorted().prefix(5).map { $0 })"
        }
        let wrong = zip(x, y).filter { !same($0.0.last ?? "", $0.1.last ?? "", tolerance) }
        guard let first = wrong.first else { return nil }
        return "\(wrong.count) of \(x.count) values differ, first at \(first.0.first ?? "-"): \(first.0.last ?? "-") vs Prometheus \(first.1.last ?? "-")"
    }

    /// Prometheus renders sample values as strings: numbers, `NaN`, `+Inf`, `-Inf`.
    static func same(_ a: Any, _ b: Any, _ tolerance: Double) -> Bool {
        guard let x = value(a), let y = value(b) else { return false }
        if x.isNaN || y.isNaN { return x.isNaN && y.isNaN }
        if x.isInfinite || y.isInfinite || x == y { return x == y }
        return abs(x - y) <= tolerance * max(abs(x), abs(y))
    }

    static func value(_ any: Any) -> Double? {
        guard let text = any as? String else { return nil }
        switch text {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default: return Double(text)
        }
    }

    static func points(_ series: [String: Any], _ type: String) -> String {
        if type == "vector" { return "\(series["value"] as? [Any] ?? [])" }
        let values = series["values"] as? [[Any]] ?? []
        return "\(values.count) points, first \(values.first.map { "\($0)" } ?? "-")"
    }

    static func brief(_ response: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: response, options: [.sortedKeys]) else { return "\(response)" }
        return clip(String(decoding: data, as: UTF8.self), to: 400)
    }

    static func clip(_ text: String, to limit: Int = 2000) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }
}

// MARK: - Processes, ports, HTTP

struct InteropError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A child process of a test: a peer (Prometheus, promtool, node-exporter) or Sextant.
/// Its stdout and stderr are kept for failure messages; it is killed if the test ends
/// without stopping it.
// @unchecked Sendable: `output` is only read and written under `lock`; everything else is
// set in init and only read afterwards.
final class InteropProcess: @unchecked Sendable {
    let name: String
    let process = Process()
    private let pipe = Pipe()
    private let lock = NSLock()
    private var output = ""

    init(name: String, executable: String, arguments: [String], directory: String) throws {
        self.name = name
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.output += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    /// The last part of what the process printed, for failure messages.
    var log: String {
        let all = lock.withLock { output }
        return "--- \(name) ---\n" + (all.count > 6000 ? "…" + String(all.suffix(6000)) : all)
    }

    /// The address from Sextant's "listening" log line.
    func sextantAddress(timeout: Duration = .seconds(30)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = lock.withLock { output }
            if let range = text.range(of: #"address=127\.0\.0\.1:\d+"#, options: .regularExpression) {
                return String(text[range].dropFirst("address=".count))
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw InteropError("\(name) did not report its address\n\(log)")
    }

    /// The exit status, or nil if the process still runs after `timeout`.
    func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationStatus
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`. Returns the exit status
    /// (nil if it had to be killed).
    @discardableResult
    func stop(grace: Duration = .seconds(20)) async -> Int32? {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        if let status = await waitForExit(timeout: grace) { return status }
        kill(process.processIdentifier, SIGKILL)
        _ = await waitForExit(timeout: .seconds(5))
        return nil
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        pipe.fileHandleForReading.readabilityHandler = nil
    }
}

enum Interop {
    static func temporaryDirectory(_ purpose: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/sextant-interop-\(purpose)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A port nobody listens on right now: bound on 127.0.0.1:0, read and let go.
    static func freePort() throws -> Int {
        let held = try HeldPort()
        held.release()
        return held.port
    }

    /// Polls `condition` until it holds; a hung or broken peer fails the test with
    /// `context` (its log) instead of hanging CI. Errors while polling count as "not yet".
    static func waitUntil(_ what: String, timeout: Duration = .seconds(30), context: @autoclosure () -> String = "",
                          _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw InteropError("timed out after \(timeout) waiting until \(what)\n\(context())")
    }

    static func get(_ address: String, _ path: String, _ parameters: [(String, String)] = []) async throws -> (status: Int, body: Data) {
        var text = "http://\(address)\(path)"
        if !parameters.isEmpty {
            text += "?" + parameters.map { "\(formEncoded($0.0))=\(formEncoded($0.1))" }.joined(separator: "&")
        }
        guard let url = URL(string: text) else { throw InteropError("bad URL \(text)") }
        let (data, response) = try await URLSession.shared.data(for: URLRequest(url: url, timeoutInterval: 30))
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    /// The JSON body of a Prometheus API call, whatever its status code.
    static func json(_ address: String, _ path: String, _ parameters: [(String, String)] = []) async throws -> [String: Any] {
        let (status, body) = try await get(address, path, parameters)
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            return ["status": "unparseable", "code": status, "body": String(decoding: body.prefix(300), as: UTF8.self)]
        }
        return object
    }

    /// Every byte but the unreserved ones percent-encoded, so `+` and `&` in PromQL survive.
    static func formEncoded(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return encoded
    }

    /// The values of an instant vector result, in response order.
    static func vectorValues(_ response: [String: Any]) -> [Double] {
        let result = (response["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
        return result.compactMap { (($0["value"] as? [Any])?.last as? String).flatMap(Double.init) }
    }

    static func number(_ any: Any) -> Double? {
        if let number = any as? NSNumber { return number.doubleValue }
        if let double = any as? Double { return double }
        if let int = any as? Int { return Double(int) }
        return nil
    }

    /// `{a="x", b="y"}` sorted by name, every non-ASCII scalar escaped: a key that tells
    /// "caf\u{E9}" from "cafe\u{301}", which Swift's `String ==` would not.
    static func render(_ labels: [String: String]) -> String {
        let pairs = labels.map { (name: quoted($0.key), value: quoted($0.value)) }
            .sorted { $0.name < $1.name }
        return "{" + pairs.map { "\($0.name.dropFirst().dropLast())=\($0.value)" }.joined(separator: ", ") + "}"
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case " "..."~": out.unicodeScalars.append(scalar)
            default: out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return out + "\""
    }

    static func unixSeconds(_ milliseconds: Int64) -> String {
        let sign = milliseconds < 0 ? "-" : ""
        let magnitude = milliseconds.magnitude
        return "\(sign)\(magnitude / 1000)." + pad3(Int(magnitude % 1000))
    }

    static func pad3(_ value: Int) -> String { String(value).leftPadded(to: 3) }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

extension SplitMix64 {
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
