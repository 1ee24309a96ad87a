import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

/// The whole path with real parts: `sextant serve` scrapes a value from a real HTTP
/// endpoint, a rule fires on it, and the webhook and Slack payloads arrive at a real
/// receiver that fails for a while — exactly one copy each once it recovers, the
/// resolution too, and a restart of Sextant mid-retry neither loses nor repeats anything.
@Suite(.enabled(if: HTTPReceiverProcess.available && SMTPSink.isAvailable, "needs python3 with aiosmtpd"))
struct NotificationEndToEndTests {
    static func configuration(receiver: HTTPReceiverProcess, smtp: SMTPSink?) -> String {
        """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: e2e
            static_configs:
              - targets: ['127.0.0.1:\(receiver.port)']
        rule_files: [rules.yml]
        collector:
          host: false
          self_scrape: false
          builtin_rules: false
        notifications:
          route:
            receiver: ops
            group_by: [alertname]
            group_wait: 1s
            group_interval: 1s
            repeat_interval: 1h
          receivers:
            - name: ops
              webhook_configs:
                - url: '\(receiver.url)/hook'
              slack_configs:
                - api_url: '\(receiver.url)/slack'
                  channel: '#ops'
                  send_resolved: true
        """ + (smtp.map { smtp in
            "\n      email_configs:\n        - to: 'oncall@example.com, lead@example.com'\n          from: 'sextant@example.com'\n"
                + "          smarthost: '127.0.0.1:\(smtp.port)'\n          require_tls: false\n          send_resolved: true\n"
        } ?? "")
    }

    static let rules = """
        groups:
          - name: e2e
            interval: 1s
            rules:
              - alert: E2EHigh
                expr: e2e_value > 0.5
                labels:
                  severity: page
                annotations:
                  summary: 'e2e value is {{ $value }}'
        """

    /// Polls until `condition` holds or `limit` passes; returns whether it held.
    static func eventually(_ limit: Duration = .seconds(60), _ condition: () throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return try condition()
    }

    static func status(_ request: HTTPReceiverProcess.Request) -> String? { request.json["status"] as? String }

    /// A Slack message says its status in the attachment's title: `[FIRING:1] …`, `[RESOLVED] …`.
    static func slackStatus(_ request: HTTPReceiverProcess.Request) -> String? {
        guard let title = (request.json["attachments"] as? [[String: Any]])?.first?["title"] as? String else { return nil }
        return title.hasPrefix("[RESOLVED]") ? "resolved" : title.hasPrefix("[FIRING") ? "firing" : nil
    }

    @Test func firingAndResolvedArriveOnceThroughFailuresAndARestart() async throws {
        let receiver = try await HTTPReceiverProcess(script: ["/hook": ["500", "503"]])
        let smtp = try await SMTPSink()
        let directory = FileManager.default.temporaryDirectory.path + "/sextant-e2e-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.configuration(receiver: receiver, smtp: smtp).write(toFile: directory + "/sextant.yml", atomically: true, encoding: .utf8)
        try Self.rules.write(toFile: directory + "/rules.yml", atomically: true, encoding: .utf8)
        let arguments = ["serve", "--config", directory + "/sextant.yml", "--listen", "127.0.0.1:0", "--data-dir", directory + "/data"]

        var child: ServeProcessTests.Child? = try ServeProcessTests.Child(arguments: arguments)
        let address = try await child!.address()
        try await receiver.control(value: 1)

        // Firing: the webhook fails twice, then takes it; Slack takes it at once.
        #expect(try await Self.eventually { receiver.requests("/hook").contains { $0.status == 200 } && !receiver.requests("/slack").isEmpty },
                "log:\n\(child!.log)")
        let firing = try #require(receiver.requests("/hook").first { $0.status == 200 })
        #expect(Self.status(firing) == "firing")
        let alert = try #require((firing.json["alerts"] as? [[String: Any]])?.first)
        #expect((alert["labels"] as? [String: String])?["alertname"] == "E2EHigh")
        #expect((alert["labels"] as? [String: String])?["severity"] == "page")
        #expect((alert["annotations"] as? [String: String])?["summary"] == "e2e value is 1")
        #expect(receiver.requests("/hook").map(\.status).prefix(3) == [500, 503, 200])
        let slack = try #require(receiver.requests("/slack").first?.json)
        #expect(slack["channel"] as? String == "#ops")
        let title = (slack["attachments"] as? [[String: Any]])?.first?["title"] as? String
        #expect(title?.hasPrefix("[FIRING:1] E2EHigh") == true, "title: \(title ?? "none")")

        // One email to both recipients, text and HTML.
        #expect(try await Self.eventually { try !smtp.received().isEmpty })
        let mail = try #require(try smtp.received().first)
        #expect(Set(mail.rcptTos) == ["oncall@example.com", "lead@example.com"])
        #expect(mail.header("Subject")?.hasPrefix("[FIRING:1] E2EHigh") == true, "\(mail.header("Subject") ?? "no subject")")
        #expect(mail.text?.contains("e2e value is 1") == true)
        #expect(mail.html?.contains("e2e value is 1") == true)

        // The API shows the alert and the deliveries.
        let (_, alerts) = try await ServeProcessTests.get("http://\(address)/api/v1/resources/alerts")
        #expect(alerts.contains("\"E2EHigh\""))
        let (_, deliveries) = try await ServeProcessTests.get("http://\(address)/api/v1/notifications")
        #expect(deliveries.contains("\"ops/webhook/0\""))
        let (_, metrics) = try await ServeProcessTests.get("http://\(address)/metrics")
        let deliveredLine = metrics.split(separator: "\n").first { $0.hasPrefix("sextant_notifications_delivered_total{") && $0.contains("ops/webhook/0") }
        #expect(deliveredLine.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) } == 1, "\(deliveredLine ?? "no delivered counter in /metrics")")

        // Resolution while the webhook is down; Sextant restarts in the middle of the retries.
        try await receiver.control(value: 0, script: ["/hook": Array(repeating: "500", count: 1000)])
        #expect(try await Self.eventually { receiver.requests("/hook").contains { Self.status($0) == "resolved" } },
                "the resolution was never attempted:\n\(child!.log)")
        #expect(try await Self.eventually { receiver.requests("/slack").contains { Self.slackStatus($0) == "resolved" } })
        kill(child!.process.processIdentifier, SIGTERM)
        #expect(try await child!.waitForExit() == 0)
        child = nil

        try await receiver.control(script: ["/hook": []])
        let restarted = try ServeProcessTests.Child(arguments: arguments)
        let newAddress = try await restarted.address()
        #expect(try await Self.eventually { receiver.requests("/hook").contains { $0.status == 200 && Self.status($0) == "resolved" } },
                "the resolution was lost in the restart:\n\(restarted.log)")
        // Give a duplicate every chance to show up.
        try await Task.sleep(for: .seconds(4))
        let delivered = receiver.requests("/hook").filter { $0.status == 200 }.compactMap(Self.status)
        #expect(delivered == ["firing", "resolved"], "exactly one copy of each")
        #expect(receiver.requests("/slack").compactMap(Self.slackStatus) == ["firing", "resolved"])
        // Email has its own retry schedule: the resolution may still be on its way.
        #expect(try await Self.eventually { try smtp.received().count >= 2 })
        let subjects = try smtp.received().compactMap { $0.header("Subject") }
        #expect(subjects.count == 2 && subjects.last?.hasPrefix("[RESOLVED] E2EHigh") == true, "\(subjects)")

        let (_, history) = try await ServeProcessTests.get("http://\(newAddress)/api/v1/resources/alerts/history?alertname=E2EHigh")
        #expect(history.contains("\"firing\"") && history.contains("\"resolved\""), "\(history)")
        kill(restarted.process.processIdentifier, SIGTERM)
        #expect(try await restarted.waitForExit() == 0)
    }

    static let alertmanagerBinary = "/usr/bin/prometheus-alertmanager"

    /// Prometheus's `alerting:` block: Sextant forwards its alerts to Debian's Alertmanager,
    /// which routes them on to a webhook — the chain Prometheus users run today.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: alertmanagerBinary), "needs Debian's prometheus-alertmanager"))
    func alertsAreForwardedToARealAlertmanager() async throws {
        let receiver = try await HTTPReceiverProcess()
        let probe = try await HTTPReceiverProcess()
        let alertmanagerPort = probe.port
        probe.stop()
        let directory = FileManager.default.temporaryDirectory.path + "/sextant-am-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            route:
              receiver: sink
              group_wait: 1s
              group_interval: 1s
            receivers:
              - name: sink
                webhook_configs:
                  - url: '\(receiver.url)/from-alertmanager'
            """.write(toFile: directory + "/alertmanager.yml", atomically: true, encoding: .utf8)
        let alertmanager = Process()
        alertmanager.executableURL = URL(fileURLWithPath: Self.alertmanagerBinary)
        alertmanager.arguments = [
            "--config.file=\(directory)/alertmanager.yml", "--storage.path=\(directory)/am", "--web.listen-address=127.0.0.1:\(alertmanagerPort)",
            "--cluster.listen-address=",
        ]
        alertmanager.standardOutput = FileHandle.nullDevice
        alertmanager.standardError = FileHandle.nullDevice
        try alertmanager.run()
        defer { kill(alertmanager.processIdentifier, SIGKILL) }

        var config = Self.configuration(receiver: receiver, smtp: nil)
        config += """

            alerting:
              alertmanagers:
                - static_configs:
                    - targets: ['127.0.0.1:\(alertmanagerPort)']
            """
        try config.write(toFile: directory + "/sextant.yml", atomically: true, encoding: .utf8)
        try Self.rules.write(toFile: directory + "/rules.yml", atomically: true, encoding: .utf8)
        let child = try ServeProcessTests.Child(arguments: ["serve", "--config", directory + "/sextant.yml", "--listen", "127.0.0.1:0", "--data-dir", directory + "/data"])
        _ = try await child.address()
        try await receiver.control(value: 1)

        #expect(try await Self.eventually { !receiver.requests("/from-alertmanager").isEmpty }, "log:\n\(child.log)")
        let payload = try #require(receiver.requests("/from-alertmanager").first?.json)
        #expect(payload["status"] as? String == "firing")
        let labels = (payload["alerts"] as? [[String: Any]])?.first?["labels"] as? [String: String]
        #expect(labels?["alertname"] == "E2EHigh")
        #expect(labels?["severity"] == "page")
        let (_, listed) = try await ServeProcessTests.get("http://127.0.0.1:\(alertmanagerPort)/api/v2/alerts")
        #expect(listed.contains("E2EHigh"))
        kill(child.process.processIdentifier, SIGTERM)
        #expect(try await child.waitForExit() == 0)
    }
}
