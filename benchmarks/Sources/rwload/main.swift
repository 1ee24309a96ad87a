// rwload: a Prometheus remote-write 1.0 load generator for `compare-remote-write.sh`.
//
//   rwload --url http://127.0.0.1:19091/api/v1/write --connections 4 --duration 15 \
//          --payloads 600 --start 1767225600000 [--server-pid PID]
//
// Before any request it encodes every body it will send (`RemoteWriteEncoder` + snappy):
// connection c owns its own `--series` node-exporter-like series (targets c·T ..< (c+1)·T of
// one `DataGenerator` data set, T = series / 100), and its k-th body carries `--samples`
// samples of each, at `start + (k·samples + j)·step`. Bodies of one connection are sent one
// after the other, so no series ever receives a sample out of order or twice, and the same
// options give the same bytes in every run: two servers get identical payloads.
//
// The first `--warmup` bodies of every connection (series creation) are sent untimed. Then
// all connections send until their bodies run out or `--duration` seconds have passed;
// samples/s is the samples of 2xx answers over the timed phase's wall clock. With
// `--server-pid`, the server's CPU time (utime + stime from /proc) over the timed phase is
// reported too, as is this process's. The last line is `result key=value …` for scripts.
import AsyncHTTPClient
import Collector
import DataGenerator
import Foundation
import NIOCore
import NIOPosix
import TSDB

struct Options {
    var url = "http://127.0.0.1:19091/api/v1/write"
    var connections = 4
    var duration = 15.0
    var payloads = 600
    var warmup = 2
    var series = 2_000
    var samples = 5
    var start: Int64 = 1_767_225_600_000
    var step: Int64 = 1_000
    var serverPid: Int32?
    var clientThreads = 1

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var i = 1
        func value() -> String {
            i += 1
            guard i < arguments.count else { fail("missing value for \(arguments[i - 1])") }
            return arguments[i]
        }
        func int(_ text: String) -> Int {
            guard let n = Int(text) else { fail("not an integer: \(text)") }
            return n
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--url": options.url = value()
            case "--connections": options.connections = int(value())
            case "--duration": options.duration = Double(value()) ?? options.duration
            case "--payloads": options.payloads = int(value())
            case "--warmup": options.warmup = int(value())
            case "--series": options.series = int(value())
            case "--samples": options.samples = int(value())
            case "--start": options.start = Int64(int(value()))
            case "--step": options.step = Int64(int(value()))
            case "--server-pid": options.serverPid = Int32(int(value()))
            case "--client-threads": options.clientThreads = int(value())
            default: fail("unknown option \(arguments[i])")
            }
            i += 1
        }
        guard options.series > 0, options.series % 100 == 0 else { fail("--series must be a multiple of 100") }
        guard options.connections > 0, options.payloads > 0, options.warmup >= 0, options.samples > 0 else { fail("counts must be positive") }
        return options
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("rwload: \(message)\n".utf8))
    exit(2)
}

func log(_ message: String) {
    FileHandle.standardError.write(Data("rwload: \(message)\n".utf8))
}

/// The bodies one connection sends, in order.
struct Payloads: Sendable {
    let bodies: [ByteBuffer]
    let samplesPerBody: Int
    let bytes: Int

    static func make(connection: Int, _ options: Options) -> Payloads {
        let targetsPerConnection = options.series / 100
        var generator = NodeExporterGenerator(GeneratorOptions(targets: options.connections * targetsPerConnection, seriesPerTarget: 100))
        let targets = (connection * targetsPerConnection)..<((connection + 1) * targetsPerConnection)
        let labels = targets.flatMap { generator.series(of: $0).map(\.labels) }
        var values: [Double] = []
        var columns = [[Sample]](repeating: [], count: labels.count)
        var bodies: [ByteBuffer] = []
        var bytes = 0
        bodies.reserveCapacity(options.warmup + options.payloads)
        for k in 0..<(options.warmup + options.payloads) {
            for i in columns.indices { columns[i].removeAll(keepingCapacity: true) }
            for j in 0..<options.samples {
                let t = options.start + Int64(k * options.samples + j) * options.step
                var column = 0
                for target in targets {
                    generator.scrape(target: target, into: &values)
                    for v in values {
                        columns[column].append(Sample(t, v))
                        column += 1
                    }
                }
            }
            let body = RemoteWriteEncoder.encode(zip(labels, columns).lazy.map { RemoteWriteSeries(labels: $0.0, samples: $0.1) })
            bytes += body.count
            bodies.append(ByteBuffer(bytes: body))
        }
        return Payloads(bodies: bodies, samplesPerBody: labels.count * options.samples, bytes: bytes)
    }
}

struct Tally: Sendable {
    var requests = 0
    var accepted = 0
    var samples = 0
    var bytes = 0
    var failures: [String] = []

    mutating func add(_ other: Tally) {
        requests += other.requests
        accepted += other.accepted
        samples += other.samples
        bytes += other.bytes
        failures += other.failures.prefix(max(0, 5 - failures.count))
    }
}

/// Sends `bodies[range]` one after the other; stops early at `deadline`.
func send(_ client: HTTPClient, _ url: String, _ payloads: Payloads, _ range: Range<Int>, until deadline: ContinuousClock.Instant?) async -> Tally {
    var tally = Tally()
    for k in range {
        if let deadline, ContinuousClock.now >= deadline { break }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Encoding", value: "snappy")
        request.headers.add(name: "Content-Type", value: "application/x-protobuf")
        request.headers.add(name: "X-Prometheus-Remote-Write-Version", value: "0.1.0")
        request.headers.add(name: "User-Agent", value: "rwload")
        request.body = .bytes(payloads.bodies[k])
        tally.requests += 1
        tally.bytes += payloads.bodies[k].readableBytes
        do {
            let response = try await client.execute(request, timeout: .seconds(60))
            let body = try await response.body.collect(upTo: 1 << 20)
            if (200..<300).contains(response.status.code) {
                tally.accepted += 1
                tally.samples += payloads.samplesPerBody
            } else if tally.failures.count < 5 {
                tally.failures.append("HTTP \(response.status.code): \(String(buffer: body).prefix(300))")
            }
        } catch {
            if tally.failures.count < 5 { tally.failures.append("\(error)") }
        }
    }
    return tally
}

/// utime + stime of `pid` in seconds, from /proc/<pid>/stat.
func cpuSeconds(pid: Int32) -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = text.lastIndex(of: ")") else { return nil }
    // Fields after "(comm)": state is field 3, utime 14, stime 15.
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 12, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
    return (utime + stime) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

func ownCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

func fixed(_ x: Double, _ decimals: Int = 2) -> String { String(format: "%.\(decimals)f", x) }

let options = Options.parse(CommandLine.arguments)
let encodeStart = ContinuousClock.now
let payloads = await withTaskGroup(of: (Int, Payloads).self) { group in
    for c in 0..<options.connections {
        group.addTask { (c, Payloads.make(connection: c, options)) }
    }
    var out = [Payloads?](repeating: nil, count: options.connections)
    for await (c, p) in group { out[c] = p }
    return out.map { $0! }
}
let encodedBytes = payloads.reduce(0) { $0 + $1.bytes }
let bodyCount = options.connections * (options.warmup + options.payloads)
log("encoded \(bodyCount) bodies of \(payloads[0].samplesPerBody) samples, \(encodedBytes / bodyCount) bytes each on average, in \(fixed(seconds(since: encodeStart), 1)) s")

let group = MultiThreadedEventLoopGroup(numberOfThreads: options.clientThreads)
var configuration = HTTPClient.Configuration()
configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: options.connections)
configuration.decompression = .disabled
let client = HTTPClient(eventLoopGroup: group, configuration: configuration)

// Warm-up: the series are created.
var warm = Tally()
if options.warmup > 0 {
    warm = await withTaskGroup(of: Tally.self) { tasks in
        for c in 0..<options.connections {
            tasks.addTask { await send(client, options.url, payloads[c], 0..<options.warmup, until: nil) }
        }
        var total = Tally()
        for await t in tasks { total.add(t) }
        return total
    }
    log("warm-up: \(warm.accepted)/\(warm.requests) requests accepted")
}

// Timed phase.
let serverCPUBefore = options.serverPid.flatMap { cpuSeconds(pid: $0) }
let clientCPUBefore = ownCPUSeconds()
let start = ContinuousClock.now
let deadline = start + .milliseconds(Int64(options.duration * 1000))
let timed = await withTaskGroup(of: Tally.self) { tasks in
    for c in 0..<options.connections {
        tasks.addTask { await send(client, options.url, payloads[c], options.warmup..<(options.warmup + options.payloads), until: deadline) }
    }
    var total = Tally()
    for await t in tasks { total.add(t) }
    return total
}
let elapsed = seconds(since: start)
let clientCPU = ownCPUSeconds() - clientCPUBefore
let serverCPU: Double? = if let before = serverCPUBefore, let pid = options.serverPid, let after = cpuSeconds(pid: pid) { after - before } else { nil }
do { try await client.shutdown().get() } catch { log("client shutdown: \(error)") }

var all = warm
all.add(timed)
for failure in all.failures { log("failure: \(failure)") }
let rate = Double(timed.samples) / elapsed
let exhausted = timed.requests == options.connections * options.payloads
print("timed: \(timed.accepted)/\(timed.requests) requests accepted, \(timed.samples) samples in \(fixed(elapsed, 3)) s = \(Int(rate)) samples/s, \(fixed(Double(timed.bytes) / elapsed / 1e6)) MB/s of bodies\(exhausted ? " (stopped when the bodies ran out)" : "")")
if let serverCPU { print("server CPU: \(fixed(serverCPU)) s = \(fixed(serverCPU / elapsed)) cores; \(fixed(serverCPU * 1e6 / Double(max(timed.samples, 1)), 3)) µs per sample") }
print("client CPU: \(fixed(clientCPU)) s = \(fixed(clientCPU / elapsed)) cores")
print("result samples_per_second=\(Int(rate)) elapsed=\(fixed(elapsed, 3)) timed_requests=\(timed.requests) timed_accepted=\(timed.accepted) timed_samples=\(timed.samples) total_requests=\(all.requests) total_accepted=\(all.accepted) total_samples=\(all.samples) server_cpu=\(serverCPU.map { fixed($0, 3) } ?? "NA") client_cpu=\(fixed(clientCPU, 3)) body_bytes=\(encodedBytes / bodyCount) exhausted=\(exhausted ? 1 : 0) failures=\(all.requests - all.accepted)")
exit(all.requests == all.accepted ? 0 : 1)
