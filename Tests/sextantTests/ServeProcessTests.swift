import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TSDB

/// Runs the built `sextant` binary as a user would: as a child process with flags and
/// signals. The binary comes from `SEXTANT_BINARY` (set by `make test`) or sits beside the
/// test bundle in the build directory.
struct ServeProcessTests {
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["SEXTANT_BINARY"], FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        let testBundle = URL(fileURLWithPath: CommandLine.arguments[0])
        var directory = testBundle.deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("sextant").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return "sextant"
    }

    /// A running `sextant serve` on a free port of its own choosing.
    // @unchecked: `output` is only touched under `lock`; the rest is set in init.
    final class Child: @unchecked Sendable {
        let process = Process()
        let stderr = Pipe()
        let stdout = Pipe()
        let directory: String
        private(set) var output = ""
        private(set) var standardOutput = ""
        let lock = NSLock()

        init(arguments: [String], directory: String? = nil, captureStdout: Bool = false) throws {
            self.directory = directory ?? FileManager.default.temporaryDirectory.path + "/sextant-bin-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
            process.executableURL = URL(fileURLWithPath: ServeProcessTests.binary)
            // A server outlives a test process that crashes; told to, it stops once that is gone.
            process.arguments = arguments.first == "serve" ? arguments + ["--exit-with-parent"] : arguments
            process.currentDirectoryURL = URL(fileURLWithPath: self.directory)
            process.standardError = stderr
            process.standardOutput = captureStdout ? stdout : FileHandle.nullDevice
            if captureStdout {
                stdout.fileHandleForReading.readabilityHandler = { [weak self] handle in
                    let data = handle.availableData
                    guard let self, !data.isEmpty else { return }
                    self.lock.withLock { self.standardOutput += String(decoding: data, as: UTF8.self) }
                }
            }
            stderr.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let data = handle.availableData
                guard let self, !data.isEmpty else { return }
                self.lock.withLock { self.output += String(decoding: data, as: UTF8.self) }
            }
            try process.run()
        }

        var log: String { lock.withLock { output } }
        var printed: String { lock.withLock { standardOutput } }

        /// Waits for the "listening" log line and returns the address it names.
        func address(timeout: Duration = .seconds(20)) async throws -> String {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if let range = log.range(of: #"address=(127\.0\.0\.1:\d+)"#, options: .regularExpression) {
                    return String(log[range].dropFirst("address=".count))
                }
                if !process.isRunning { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            // A starved test task may wake after the deadline: look once more before failing.
            if let range = log.range(of: #"address=(127\.0\.0\.1:\d+)"#, options: .regularExpression) {
                return String(log[range].dropFirst("address=".count))
            }
            throw ChildError.noAddress(log)
        }

        func waitForExit(timeout: Duration = .seconds(20)) async throws -> Int32 {
            let deadline = ContinuousClock.now + timeout
            while process.isRunning {
                guard ContinuousClock.now < deadline else {
                    process.interrupt()
                    throw ChildError.stillRunning(log)
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            // Let the pipe drain.
            try await Task.sleep(for: .milliseconds(100))
            return process.terminationStatus
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            stderr.fileHandleForReading.readabilityHandler = nil
            stdout.fileHandleForReading.readabilityHandler = nil
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    enum ChildError: Error { case noAddress(String), stillRunning(String) }

    static func get(_ url: String) async throws -> (Int, String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// `--exit-with-parent`: started by a shell that exits once the server listens, the server
    /// notices within seconds that its parent is gone and shuts down as on SIGTERM.
    @Test func aServerToldToExitWithItsParentStopsWhenTheParentIsGone() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/sextant-orphan-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", #""$0" serve --listen 127.0.0.1:0 --data-dir data --exit-with-parent >/dev/null 2>server.log & echo $!; "#
            + #"i=0; until grep -q "Sextant is listening" server.log || [ $i -ge 600 ]; do sleep 0.1; i=$((i+1)); done"#, Self.binary]
        shell.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe()
        shell.standardOutput = out
        try shell.run()
        shell.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let pid = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), "no pid from the shell: \(text)")
        // Gone, or a zombie waiting for a parent that does not reap it.
        func exited() -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while !exited() && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(200)) }
        let log = (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? ""
        if !exited() { kill(pid, SIGKILL) }
        #expect(exited(), "the server outlived its parent by 30 s; log:\n\(log)")
        #expect(log.contains("has exited: shutting down"), "log:\n\(log)")
        #expect(log.contains("store closed"), "log:\n\(log)")
    }

    @Test func serveScrapesItselfAndFlushesTheStoreOnSIGTERM() async throws {
        let child = try Child(arguments: ["serve", "--listen", "127.0.0.1:0", "--data-dir", "data"])
        let address = try await child.address()
        let started = ContinuousClock.now
        let (status, body) = try await Self.get("http://\(address)/health")
        #expect(status == 200)
        #expect(body.contains(#""status":"ok""#))
        #expect(ContinuousClock.now - started < .seconds(5))
        let (readyStatus, _) = try await Self.get("http://\(address)/-/ready")
        #expect(readyStatus == 200)

        // The self-scrape of the embedded defaults runs every 15 s; wait for the first one.
        var scraped = false
        for _ in 0..<40 where !scraped {
            try await Task.sleep(for: .milliseconds(500))
            let (_, detail) = try await Self.get("http://\(address)/health/detailed")
            scraped = detail.contains(#""up":"1""#)
        }
        #expect(scraped, "the self-scrape target never came up:\n\(child.log)")

        kill(child.process.processIdentifier, SIGTERM)
        #expect(try await child.waitForExit() == 0, "log:\n\(child.log)")
        #expect(child.log.contains("store closed"))

        // The store the server flushed holds its own series, read back through the Querier.
        let store = try Store(options: StoreOptions(path: child.directory + "/data"))
        let up = try store.querier().select(
            [.equal("__name__", "up"), .equal("job", "sextant")], mint: 0, maxt: .max, hints: .init()
        )
        var cursor = try #require(up.first).samples
        #expect(cursor.next()?.value == 1)
        let memory = try store.querier().select([.equal("__name__", "process_resident_memory_bytes"), .equal("job", "sextant")], mint: 0, maxt: .max, hints: .init())
        var rss = try #require(memory.first).samples
        #expect((rss.next()?.value ?? 0) > 1_000_000, "its own resident memory, scraped from /metrics")
        try store.close()
    }

    @Test func hostCollectorWritesNodeExporterSeries() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/sextant-host-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "collector:\n  host_interval: 1s\n  self_scrape_interval: 1s\n".write(toFile: directory + "/s.yml", atomically: true, encoding: .utf8)
        let child = try Child(arguments: ["serve", "--config", "s.yml", "--listen", "127.0.0.1:0", "--data-dir", "data"], directory: directory)
        _ = try await child.address()
        try await Task.sleep(for: .seconds(3))
        kill(child.process.processIdentifier, SIGTERM)
        #expect(try await child.waitForExit() == 0, "log:\n\(child.log)")
        let store = try Store(options: StoreOptions(path: directory + "/data"))
        let cpu = try store.querier().select([.equal("__name__", "node_cpu_seconds_total"), .equal("job", "node"), .equal("mode", "user")],
                                             mint: 0, maxt: .max, hints: .init())
        #expect(!cpu.isEmpty, "log:\n\(child.log)")
        #expect(cpu.first?.labels["cpu"] == "0")
        let memory = try store.querier().select([.equal("__name__", "node_memory_MemTotal_bytes")], mint: 0, maxt: .max, hints: .init())
        var cursor = try #require(memory.first).samples
        #expect((cursor.next()?.value ?? 0) > 0)
        try store.close()
    }

    @Test func aTakenPortFailsWithTheAddressInTheMessage() async throws {
        let first = try Child(arguments: ["serve", "--listen", "127.0.0.1:0", "--data-dir", "data"])
        let address = try await first.address()
        let second = try Child(arguments: ["serve", "--listen", address, "--data-dir", "data"])
        let code = try await second.waitForExit()
        #expect(code != 0)
        #expect(second.log.contains("cannot listen on \(address)"), "log:\n\(second.log)")
        kill(first.process.processIdentifier, SIGTERM)
        #expect(try await first.waitForExit() == 0)
    }

    @Test func configCheckNamesLineAndKey() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/sextant-cfg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bad = directory + "/bad.yml"
        try "server:\n  listen: 127.0.0.1:8090\nstorage:\n  retention_tme: 15d\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let check = try Child(arguments: ["config", "check", bad])
        #expect(try await check.waitForExit() == 1)
        #expect(check.log.contains("\(bad):4:"), "log: \(check.log)")
        #expect(check.log.contains("storage.retention_tme: unknown key"))

        let serve = try Child(arguments: ["serve", "--config", bad, "--listen", "127.0.0.1:0"])
        #expect(try await serve.waitForExit() == 2)
        #expect(serve.log.contains("storage.retention_tme: unknown key"))

        let good = directory + "/good.yml"
        try "scrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ['127.0.0.1:9100']\n".write(toFile: good, atomically: true, encoding: .utf8)
        let ok = try Child(arguments: ["config", "check", good])
        #expect(try await ok.waitForExit() == 0)
    }
}
