import Alerting
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TSDB
@testable import Gateway

struct RuleFileLoaderTests {
    static let valid = """
    groups:
      - name: node
        interval: 30s
        rules:
          - record: job:up:sum
            expr: sum by (job) (up)
          - alert: InstanceDown
            expr: up == 0
            for: 5m
            keep_firing_for: 1m
            labels: {severity: page}
            annotations:
              summary: "{{ $labels.instance }} is down"
    """

    @Test func prometheusRuleFilesLoad() throws {
        let definitions = try RuleFileLoader.parse(yaml: Self.valid, source: "node.rules.yml")
        #expect(definitions.first?.interval == 30_000)
        #expect(definitions.first?.rules.map { $0.alert ?? $0.record ?? "" } == ["job:up:sum", "InstanceDown"])
        #expect(definitions.first?.rules.last?.for == 300_000)
        let groups = try RuleFile.groups(from: definitions, file: "node.rules.yml")
        #expect(groups.first?.rules.count == 2)
    }

    @Test(arguments: [
        ("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up ==\n", "could not parse"),
        ("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        severity: page\n", "unknown key"),
        ("groups:\n  - name: g\n    rules:\n      - alert: A\n", "'expr' must be set"),
        ("groups:\n  - rules: []\n", "needs a name"),
        ("groups:\n  - name: g\n    rules:\n      - expr: up\n", "one of 'record' or 'alert' must be set"),
        ("groups:\n  - name: g\n    interval: often\n    rules: []\n", "not a duration"),
    ] as [(String, String)])
    func invalidRuleFilesAreExplained(_ yaml: String, _ fragment: String) throws {
        let directory = FileManager.default.temporaryDirectory.path + "/sextant-rules-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try yaml.write(toFile: directory + "/bad.yml", atomically: true, encoding: .utf8)
        do {
            _ = try RuleFileLoader.loadFile(directory + "/bad.yml", defaultInterval: 60_000)
            Issue.record("accepted:\n\(yaml)")
        } catch {
            #expect(error.description.contains(fragment), "\(error)")
            #expect(error.description.contains("bad.yml"))
        }
    }

    /// The built-in rules load through the real YAML reader, with the configured interval.
    @Test func builtinRulesLoad() throws {
        let groups = try RuleFileLoader.builtin(defaultInterval: 30_000)
        #expect(groups.map(\.name) == ["sextant-host", "sextant-targets", "sextant-vms", "sextant-jobs"])
        #expect(groups.allSatisfy { $0.file == "<builtin>" && $0.interval == 30_000 })
        #expect(groups.reduce(0) { $0 + $1.rules.count } == 7)
    }

    /// A rule file in the configuration, evaluated by the running server: the alert fires
    /// and shows in /api/v1/alerts and /api/v1/rules, ALERTS lands in the store.
    @Test func rulesAreEvaluatedAndServed() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/sextant-rules-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
        groups:
          - name: test
            interval: 1s
            rules:
              - alert: AlwaysOn
                expr: vector(1)
                labels: {severity: info}
                annotations: {summary: "value {{ $value }}"}
        """.write(toFile: directory + "/r.yml", atomically: true, encoding: .utf8)
        let server = try TestServer(configure: { config in
            config.ruleFiles = ["r.yml"]
            config.baseDirectory = directory
            config.collector.selfScrape = false
            config.collector.host = false
        })
        let app = try server.server.makeApplication()
        try await app.test(.live) { client in
            var firing = false
            for _ in 0..<40 where !firing {
                try await Task.sleep(for: .milliseconds(250))
                firing = try await client.execute(uri: "/api/v1/alerts", method: .get) { String(buffer: $0.body) }.contains(#""state":"firing""#)
            }
            #expect(firing)
            let rules = try await client.execute(uri: "/api/v1/rules", method: .get) { String(buffer: $0.body) }
            #expect(rules.contains(#""name":"AlwaysOn""#))
            #expect(rules.contains(#""health":"ok""#))
            #expect(rules.contains(#""summary":"value 1""#))
            // collector.builtin_rules is on by default: the built-in groups are there too.
            #expect(rules.contains(#""name":"sextant-host","file":"<builtin>""#))
            // ALERTS is written from the evaluation after the restore pass on.
            var written = false
            for _ in 0..<40 where !written {
                try await Task.sleep(for: .milliseconds(250))
                written = try await client.execute(uri: "/api/v1/query?query=ALERTS", method: .get) { String(buffer: $0.body) }
                    .contains(#""alertname":"AlwaysOn""#)
            }
            #expect(written)
        }
    }
}
