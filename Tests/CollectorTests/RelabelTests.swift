import Foundation
import Testing
import TSDB
@testable import Collector

struct RelabelTests {
    func config(_ action: RelabelConfig.Action, source: [String] = [], target: String = "", regex: String = "(.*)",
                replacement: String = "$1", modulus: UInt64 = 0) throws -> RelabelConfig {
        RelabelConfig(sourceLabels: source, targetLabel: target, regex: try RelabelRegex(regex), modulus: modulus,
                      replacement: replacement, action: action)
    }

    let base = ["__address__": "10.0.0.1:9100", "job": "node", "env": "Prod", "__meta_dc": "eu-1"]

    @Test func replaceWithGroupsAndDefaults() throws {
        let r = try Relabeler.apply([
            config(.replace, source: ["__address__"], target: "host", regex: "(.+):(\\d+)", replacement: "$1"),
            config(.replace, source: ["job", "env"], target: "combo", replacement: "${1}x"),
            config(.replace, source: ["__meta_dc"], target: "dc"),
        ], to: base)
        #expect(r?["host"] == "10.0.0.1")
        #expect(r?["combo"] == "node;Prodx")
        #expect(r?["dc"] == "eu-1")
    }

    @Test func replaceOnlyWhenTheWholeValueMatches() throws {
        let r = try Relabeler.apply([config(.replace, source: ["job"], target: "x", regex: "no", replacement: "y")], to: base)
        #expect(r?["x"] == nil)
        // An empty result removes the label, as in Prometheus.
        let removed = try Relabeler.apply([config(.replace, source: ["missing"], target: "env", regex: "(.*)", replacement: "$1")], to: base)
        #expect(removed?["env"] == nil)
    }

    @Test func keepAndDrop() throws {
        #expect(try Relabeler.apply([config(.keep, source: ["job"], regex: "node|db")], to: base) != nil)
        #expect(try Relabeler.apply([config(.keep, source: ["job"], regex: "db")], to: base) == nil)
        #expect(try Relabeler.apply([config(.drop, source: ["env"], regex: "Prod")], to: base) == nil)
        #expect(try Relabeler.apply([config(.drop, source: ["env"], regex: "prod")], to: base) != nil, "regexes are case-sensitive")
    }

    @Test func labelmapLabeldropLabelkeep() throws {
        let mapped = try Relabeler.apply([config(.labelmap, regex: "__meta_(.+)")], to: base)
        #expect(mapped?["dc"] == "eu-1")
        let dropped = Relabeler.apply([RelabelConfig(regex: try RelabelRegex("env|job"), action: .labeldrop)], to: base)
        #expect(dropped?.keys.sorted() == ["__address__", "__meta_dc"])
        let kept = Relabeler.apply([RelabelConfig(regex: try RelabelRegex("__.*"), action: .labelkeep)], to: base)
        #expect(kept?.keys.sorted() == ["__address__", "__meta_dc"])
    }

    @Test(arguments: [("abc", UInt64(10), "8"), ("127.0.0.1:9100", 3, "1"), ("", 10, "8")])
    func hashmodPicksPrometheusShards(_ value: String, _ modulus: UInt64, _ shard: String) throws {
        let r = try Relabeler.apply([config(.hashmod, source: ["v"], target: "shard", modulus: modulus)], to: ["v": value])
        #expect(r?["shard"] == shard)
    }

    @Test func caseActionsAndEquality() throws {
        let r = try Relabeler.apply([config(.lowercase, source: ["env"], target: "env_lower")], to: base)
        #expect(r?["env_lower"] == "prod")
        #expect(try Relabeler.apply([config(.keepequal, source: ["job"], target: "job")], to: base) != nil)
        #expect(try Relabeler.apply([config(.dropequal, source: ["job"], target: "job")], to: base) == nil)
    }

    @Test func md5MatchesKnownDigests() {
        func hex(_ s: String) -> String { MD5.digest(Array(s.utf8)).map { String(format: "%02x", $0) }.joined() }
        #expect(hex("") == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(hex("abc") == "900150983cd24fb0d6963f7d28e17f72")
        #expect(hex(String(repeating: "a", count: 1000)) == "cabe45dcc9ae5b66ba86600cca6b8ba8")
    }

    @Test func targetsAreRelabeledAndDroppedAndAddressChanges() throws {
        var job = ScrapeConfig(jobName: "node", staticConfigs: [.init(targets: ["a:9100", "b:9100", "c:9100"], labels: ["zone": "x"])])
        job.relabelConfigs = [
            try config(.drop, source: ["__address__"], regex: "b:.*"),
            try config(.replace, source: ["__address__"], target: "__address__", regex: "(.+):9100", replacement: "$1:9200"),
            try config(.replace, source: ["zone"], target: "__param_zone"),
        ]
        let targets = job.targets
        #expect(targets.map(\.address) == ["a:9200", "c:9200"])
        #expect(targets[0].url == "http://a:9200/metrics?zone=x")
        #expect(targets[0].labels == Labels(["job": "node", "instance": "a:9200", "zone": "x"]))
    }

    @Test func invalidConfigsAreExplained() throws {
        #expect(RelabelConfig(action: .hashmod).validationError() != nil)
        #expect(RelabelConfig(targetLabel: "x", action: .hashmod).validationError()?.contains("modulus") == true)
        #expect(RelabelConfig(targetLabel: "x", action: .labeldrop).validationError() != nil)
        #expect(throws: RelabelRegexError.self) { try RelabelRegex("a(") }
    }
}
