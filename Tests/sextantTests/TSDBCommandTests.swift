import Foundation
import Testing
import TSDB

/// `sextant tsdb import | compact | analyze` on a data directory, run as a user runs them.
struct TSDBCommandTests {
    func run(_ arguments: [String]) async throws -> (code: Int32, output: String) {
        let child = try ServeProcessTests.Child(arguments: arguments, captureStdout: true)
        let code = try await child.waitForExit()
        return (code, child.printed + child.log)
    }

    @Test func importCompactAnalyze() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/sextant-tsdbcmd-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Five hours of two series at 60 s, OpenMetrics with timestamps in seconds.
        var text = "# TYPE backfill_total counter\n"
        for minute in 0..<300 {
            let t = 1_700_000_000 + minute * 60
            text += "backfill_total{host=\"a\"} \(minute * 2) \(t)\n"
            text += "backfill_total{host=\"b\"} \(Double(minute) * 0.5) \(t).5\n"
        }
        text += "# EOF\n"
        let file = directory + "/backfill.om"
        try text.write(toFile: file, atomically: true, encoding: .utf8)

        let imported = try await run(["tsdb", "import", "--data-dir", directory + "/data", file])
        #expect(imported.code == 0, "\(imported.output)")
        #expect(imported.output.contains("imported 600 samples"))

        let store = try Store(options: StoreOptions(path: directory + "/data"))
        let series = try store.querier().select([.equal("__name__", "backfill_total")], mint: 0, maxt: .max, hints: .init())
        #expect(series.map { $0.labels["host"] } == ["a", "b"])
        var b = series[1].samples
        let samplesB = b.collect()
        #expect(samplesB.count == 300)
        #expect(samplesB.first == Sample(1_700_000_000_500, 0))
        #expect(samplesB.last == Sample(1_700_000_000_500 + 299 * 60_000, 149.5))
        try store.close()

        let compacted = try await run(["tsdb", "compact", "--data-dir", directory + "/data"])
        #expect(compacted.code == 0, "\(compacted.output)")

        let analyzed = try await run(["tsdb", "analyze", "--data-dir", directory + "/data", "--json"])
        #expect(analyzed.code == 0)
        let child = try ServeProcessTests.Child(arguments: ["tsdb", "analyze", "--data-dir", directory + "/data", "--json"], captureStdout: true)
        #expect(try await child.waitForExit() == 0)
        let json = try JSONSerialization.jsonObject(with: Data(child.printed.utf8)) as? [String: Any]
        #expect(json?["blockSamples"] as? Int == 600)
        #expect((json?["blockBytesPerSample"] as? Double ?? 99) < 2)
        let text2 = try await run(["tsdb", "analyze", "--data-dir", directory + "/data"])
        #expect(text2.output.contains("bytes/sample"))

        let backup = try await run(["backup", "--data-dir", directory + "/data", "--to", directory + "/backup"])
        #expect(backup.code == 0, "\(backup.output)")
        let restored = try Store(options: StoreOptions(path: directory + "/backup"))
        let copied = try restored.querier().select([.equal("__name__", "backfill_total")], mint: 0, maxt: .max, hints: .init())
        var cursor = try #require(copied.last).samples
        #expect(cursor.collect() == samplesB)
        let again = try await run(["backup", "--data-dir", directory + "/data", "--to", directory + "/backup"])
        #expect(again.code == 1, "an existing target is refused")
    }

    @Test func importRefusesSamplesWithoutTimestampsAndGarbage() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/sextant-tsdbcmd-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let noTime = directory + "/a.om"
        try "x 1\n# EOF\n".write(toFile: noTime, atomically: true, encoding: .utf8)
        let first = try await run(["tsdb", "import", "--data-dir", directory + "/data", noTime])
        #expect(first.code == 1)
        #expect(first.output.contains("has no timestamp"))
        let garbage = directory + "/b.om"
        try "x{a=\"unterminated 1 2\n# EOF\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        let second = try await run(["tsdb", "import", "--data-dir", directory + "/data", garbage])
        #expect(second.code == 1)
        #expect(second.output.contains("line 1"))
    }
}
