import Dispatch
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

/// Sextant as the Alertmanager of real Alertmanager clients: Debian's `amtool` (0.25) makes,
/// queries and expires silences and lists alerts, and Debian's `prometheus` (2.42) sends its
/// firing alert to Sextant, which routes it to a webhook. Each test is skipped when its
/// binary is missing (`apt-get install prometheus-alertmanager prometheus`).
@Suite(.serialized, .enabled(if: HTTPReceiverProcess.available, "needs python3 for the webhook receiver"))
struct AlertmanagerAPIInteropTests {
    static let amtool = "/usr/bin/amtool"
    static let prometheus = "/usr/bin/prometheus"

    static func configuration(receiver: HTTPReceiverProcess) -> String {
        """
        collector:
          host: false
          self_scrape: false
          builtin_rules: false
        notifications:
          global:
            resolve_timeout: 1m
          route:
            receiver: hook
            group_by: [alertname]
            group_wait: 1s
            group_interval: 1s
            repeat_interval: 1h
          receivers:
            - name: hook
              webhook_configs:
                - url: '\(receiver.url)/hook'

        """
    }

    /// A finished command's exit status and output.
    struct Run {
        var status: Int32
        var output: String
        var errors: String
    }

    // @unchecked: written by one reader thread before the group is left, read after `wait()`.
    final class Collected: @unchecked Sendable { var data = Data() }

    /// Runs a command to completion. Its pipes are read and its exit awaited on a
    /// dispatch thread, never on the cooperative pool; past `timeout` it is SIGKILLed.
    static func run(_ executable: String, _ arguments: [String], timeout: TimeInterval = 30) async throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { if process.isRunning { kill(pid, SIGKILL) } }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Run, Never>) in
            DispatchQueue.global().async {
                // Both pipes drain at once, so a chatty stderr cannot stall the child.
                let errors = Collected()
                let group = DispatchGroup()
                group.enter()
                DispatchQueue.global().async {
                    errors.data = err.fileHandleForReading.readDataToEndOfFile()
                    group.leave()
                }
                let output = out.fileHandleForReading.readDataToEndOfFile()
                group.wait()
                process.waitUntilExit()
                continuation.resume(returning: Run(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
                                                   errors: String(decoding: errors.data, as: UTF8.self)))
            }
        }
    }

    static func startSextant(_ directory: String, config: String) async throws -> (InteropProcess, String) {
        try config.write(toFile: directory + "/sextant.yml", atomically: true, encoding: .utf8)
        let sextant = try InteropProcess(
            name: "sextant", executable: ServeProcessTests.binary,
            arguments: ["serve", "--listen", "127.0.0.1:0", "--data-dir", "data", "--config", "sextant.yml"], directory: directory)
        return (sextant, try await sextant.sextantAddress())
    }

    static func kill9(_ process: InteropProcess) async {
        if process.process.isRunning { kill(process.process.processIdentifier, SIGKILL) }
        _ = await process.waitForExit(timeout: .seconds(5))
    }

    static func post(_ url: String, json: String) async throws -> Int {
        var request = URLRequest(url: URL(string: url)!, timeoutInterval: 30)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(json.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: amtool), "needs Debian's amtool (apt-get install prometheus-alertmanager)"),
          .timeLimit(.minutes(2)))
    func amtoolManagesSilencesAndListsAlerts() async throws {
        let receiver = try await HTTPReceiverProcess()
        let directory = try Interop.temporaryDirectory("amtool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (sextant, address) = try await Self.startSextant(directory, config: Self.configuration(receiver: receiver))
        defer { kill(sextant.process.processIdentifier, SIGKILL) }
        let url = "--alertmanager.url=http://\(address)"

        // An alert from outside, as amtool posts it, and one as a plain client posts it.
        let added = try await Self.run(Self.amtool, [url, "alert", "add", "alertname=AmtoolAlert", "severity=page", "--annotation=summary=from amtool"])
        #expect(added.status == 0, "\(added.errors)\n\(sextant.log)")
        #expect(try await Self.post("http://\(address)/api/v2/alerts", json: #"[{"labels":{"alertname":"X","instance":"a"}}]"#) == 200)

        let silence = try await Self.run(Self.amtool, [url, "silence", "add", "alertname=X", "--comment=c", "--author=a", "--duration=1h"])
        #expect(silence.status == 0, "\(silence.errors)\n\(sextant.log)")
        let id = silence.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(UUID(uuidString: id) != nil, "amtool printed \(silence.output)")

        let query = try await Self.run(Self.amtool, [url, "silence", "query", "-o", "json"])
        #expect(query.status == 0, "\(query.errors)")
        let silences = try #require(try JSONSerialization.jsonObject(with: Data(query.output.utf8)) as? [[String: Any]], "\(query.output)")
        #expect(silences.count == 1)
        #expect(silences.first?["id"] as? String == id)
        #expect(silences.first?["createdBy"] as? String == "a")
        #expect(silences.first?["comment"] as? String == "c")
        let matcher = (silences.first?["matchers"] as? [[String: Any]])?.first
        #expect(matcher?["name"] as? String == "alertname" && matcher?["value"] as? String == "X")
        #expect((silences.first?["status"] as? [String: String])?["state"] == "active")

        let alerts = try await Self.run(Self.amtool, [url, "alert", "query", "-o", "json"])
        #expect(alerts.status == 0, "\(alerts.errors)")
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(alerts.output.utf8)) as? [[String: Any]], "\(alerts.output)")
        // amtool leaves silenced alerts out unless asked.
        #expect(listed.compactMap { ($0["labels"] as? [String: String])?["alertname"] } == ["AmtoolAlert"])
        #expect((listed.first?["annotations"] as? [String: String])?["summary"] == "from amtool")
        let silenced = try await Self.run(Self.amtool, [url, "alert", "query", "-o", "json", "--silenced", "alertname=X"])
        let silencedList = try JSONSerialization.jsonObject(with: Data(silenced.output.utf8)) as? [[String: Any]]
        #expect((silencedList?.first?["status"] as? [String: Any])?["silencedBy"] as? [String] == [id], "\(silenced.output) \(silenced.errors)")

        let expire = try await Self.run(Self.amtool, [url, "silence", "expire", id])
        #expect(expire.status == 0, "\(expire.errors)")
        let after = try await Self.run(Self.amtool, [url, "silence", "query", "-o", "json"])
        #expect(after.output.trimmingCharacters(in: .whitespacesAndNewlines) == "[]", "expired silences are not listed by default: \(after.output)")
        let expired = try await Self.run(Self.amtool, [url, "silence", "query", "-o", "json", "--expired"])
        #expect(expired.output.contains(id))
        let again = try await Self.run(Self.amtool, [url, "alert", "query", "-o", "json"])
        let unsilenced = (try JSONSerialization.jsonObject(with: Data(again.output.utf8)) as? [[String: Any]]) ?? []
        #expect(Set(unsilenced.compactMap { ($0["labels"] as? [String: String])?["alertname"] }) == ["AmtoolAlert", "X"])

        // Both alerts reach the webhook through Sextant's routing.
        try await Interop.waitUntil("both alerts reach the webhook", context: sextant.log) {
            let names = receiver.requests("/hook").flatMap { ($0.json["alerts"] as? [[String: Any]]) ?? [] }
                .compactMap { ($0["labels"] as? [String: String])?["alertname"] }
            return Set(names).isSuperset(of: ["AmtoolAlert", "X"])
        }
        await Self.kill9(sextant)
        receiver.stop()
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: prometheus), "needs Debian's prometheus (apt-get install prometheus)"),
          .timeLimit(.minutes(2)))
    func prometheusSendsItsAlertsToSextant() async throws {
        let receiver = try await HTTPReceiverProcess()
        let directory = try Interop.temporaryDirectory("prom-am")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (sextant, address) = try await Self.startSextant(directory, config: Self.configuration(receiver: receiver))
        defer { kill(sextant.process.processIdentifier, SIGKILL) }

        try """
            global:
              evaluation_interval: 1s
              scrape_interval: 1s
            rule_files: [prometheus-rules.yml]
            alerting:
              alertmanagers:
                - api_version: v2
                  static_configs:
                    - targets: ['\(address)']
            """.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        try """
            groups:
              - name: interop
                interval: 1s
                rules:
                  - alert: FromPrometheus
                    expr: vector(1)
                    for: 0s
                    labels:
                      severity: page
                      team: interop
                    annotations:
                      summary: fired by prometheus
            """.write(toFile: directory + "/prometheus-rules.yml", atomically: true, encoding: .utf8)
        let port = try Interop.freePort()
        let prometheus = try InteropProcess(
            name: "prometheus", executable: Self.prometheus,
            // Prometheus learns its Alertmanagers about 5 s after start and drops alerts
            // until then; a 1 s resend delay (default 1 m) sends the alert again soon after.
            arguments: ["--config.file=prometheus.yml", "--storage.tsdb.path=prom-data", "--web.listen-address=127.0.0.1:\(port)",
                        "--rules.alert.resend-delay=1s"],
            directory: directory)
        defer { kill(prometheus.process.processIdentifier, SIGKILL) }

        try await Interop.waitUntil("Prometheus's alert reaches the webhook through Sextant", timeout: .seconds(60),
                                    context: prometheus.log + "\n" + sextant.log) {
            receiver.requests("/hook").contains { request in
                ((request.json["alerts"] as? [[String: Any]]) ?? []).contains { ($0["labels"] as? [String: String])?["alertname"] == "FromPrometheus" }
            }
        }
        let notification = try #require(receiver.requests("/hook").first?.json)
        #expect(notification["status"] as? String == "firing")
        #expect(notification["receiver"] as? String == "hook")
        let alert = try #require((notification["alerts"] as? [[String: Any]])?.first)
        #expect(alert["labels"] as? [String: String] == ["alertname": "FromPrometheus", "severity": "page", "team": "interop"])
        #expect((alert["annotations"] as? [String: String])?["summary"] == "fired by prometheus")
        #expect((alert["generatorURL"] as? String)?.contains("/graph?g0.expr=") == true, "\(alert)")

        // Sextant lists it as Alertmanager would, with the end Prometheus gave it.
        let (status, body) = try await Interop.get(address, "/api/v2/alerts", [("filter", "alertname=FromPrometheus")])
        #expect(status == 200)
        let listed = try #require(try JSONSerialization.jsonObject(with: body) as? [[String: Any]])
        #expect(listed.count == 1)
        #expect((listed.first?["status"] as? [String: Any])?["state"] as? String == "active")
        #expect(listed.first?["receivers"] as? [[String: String]] == [["name": "hook"]])
        await Self.kill9(prometheus)
        await Self.kill9(sextant)
        receiver.stop()
    }
}
