import Collector
import Testing
import TSDB
@testable import Gateway

struct ConfigLoaderTests {
    @Test func embeddedDefaults() throws {
        let config = try ConfigLoader.load(path: nil)
        #expect(config.server.listen == "127.0.0.1:8090")
        #expect(config.storage.path == "./data")
        #expect(config.catalogPath == "./data/sextant.sqlite")
        #expect(config.storage.retentionTime == 15 * 86_400_000)
        #expect(config.storage.walSync == .interval(milliseconds: 1000))
        #expect(config.collector.selfScrape)
        let selfScrape = try #require(config.effectiveScrapeConfigs.first { $0.jobName == "sextant" })
        #expect(selfScrape.interval == 15_000)
        #expect(selfScrape.staticConfigs.first?.targets == ["127.0.0.1:8090"])
    }

    @Test func aPrometheusConfigIsASextantConfig() throws {
        let yaml = """
        global:
          scrape_interval: 30s
          evaluation_interval: 1m
          external_labels:
            cluster: eu-1
        rule_files:
          - rules/*.yml
        scrape_configs:
          - job_name: node
            scrape_interval: 15s
            static_configs:
              - targets: ['localhost:9100', 'db:9100']
                labels: {zone: a}
          - job_name: api
            metrics_path: /internal/metrics
            params:
              format: [prometheus]
            static_configs:
              - targets: ['api:8080']
        """
        let config = try ConfigLoader.parse(yaml: yaml, source: "prometheus.yml")
        #expect(config.global.scrapeInterval == 30_000)
        #expect(config.global.externalLabels == ["cluster": "eu-1"])
        #expect(config.ruleFiles == ["rules/*.yml"])
        #expect(config.scrapeConfigs.map(\.jobName) == ["node", "api"])
        #expect(config.scrapeConfigs[0].interval == 15_000)
        #expect(config.scrapeConfigs[1].interval == 30_000, "jobs inherit the global interval")
        let targets = config.scrapeConfigs[0].targets
        #expect(targets.map(\.url) == ["http://localhost:9100/metrics", "http://db:9100/metrics"])
        #expect(targets[0].labels == Labels(["job": "node", "instance": "localhost:9100", "zone": "a"]))
        #expect(config.scrapeConfigs[1].targets[0].url == "http://api:8080/internal/metrics?format=prometheus")
    }

    @Test(arguments: [
        ("server:\n  listen: 127.0.0.1:8090\n  lisen: x\n", 3, "server.lisen", "unknown key"),
        ("storage:\n  retention_time: forever\n", 2, "storage.retention_time", "not a duration"),
        ("server:\n  listen: nowhere\n", 2, "server.listen", "not host:port"),
        ("scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 10s\n", 4, "scrape_configs[0].scrape_timeout", "longer than scrape_interval"),
        ("scrape_configs:\n  - scrape_interval: 5s\n", 2, "scrape_configs[0].job_name", "needs a job_name"),
        ("storage:\n  wal_sync: sometimes\n", 2, "storage.wal_sync", "always, interval or none"),
        ("server:\n  max_body_size: lots\n", 2, "server.max_body_size", "not a size"),
        ("global:\n  scrape_interval: 1m1h\n", 2, "global.scrape_interval", "not a duration"),
        ("server: [1, 2]\n", 1, "server", "expected a mapping"),
        ("scrape_configs:\n  - job_name: a\n  - job_name: a\n", nil, "scrape_configs[1].job_name", "defined twice"),
    ] as [(String, Int?, String, String)])
    func invalidFilesNameLineKeyAndReason(_ yaml: String, _ line: Int?, _ key: String, _ reason: String) {
        do {
            _ = try ConfigLoader.parse(yaml: yaml, source: "sextant.yml")
            Issue.record("accepted invalid configuration:\n\(yaml)")
        } catch {
            #expect(error.source == "sextant.yml")
            #expect(error.line == line)
            #expect(error.key == key)
            #expect(error.reason.contains(reason), "reason: \(error.reason)")
            #expect(error.description.hasPrefix("sextant.yml:"))
        }
    }

    @Test func relabelingAuthAndFileSD() throws {
        let yaml = """
        scrape_configs:
          - job_name: node
            honor_timestamps: false
            bearer_token: s3cret
            file_sd_configs:
              - files: [/etc/sextant/targets/*.json]
                refresh_interval: 1m
            relabel_configs:
              - source_labels: [__address__]
                regex: '(.+):9100'
                target_label: host
              - action: hashmod
                source_labels: [__address__]
                target_label: __tmp_shard
                modulus: 4
            metric_relabel_configs:
              - action: drop
                source_labels: [__name__]
                regex: go_.*
          - job_name: api
            basic_auth: {username: u, password: p}
        """
        let config = try ConfigLoader.parse(yaml: yaml, source: "s.yml")
        let node = config.scrapeConfigs[0]
        #expect(node.honorTimestamps == false)
        #expect(node.authorization == "Bearer s3cret")
        #expect(node.fileSDFiles == ["/etc/sextant/targets/*.json"])
        #expect(node.fileSDRefresh == 60_000)
        #expect(node.relabelConfigs.map(\.action) == [.replace, .hashmod])
        #expect(node.metricRelabelConfigs.first?.regex.pattern == "go_.*")
        #expect(config.scrapeConfigs[1].authorization == "Basic dTpw")
    }

    @Test(arguments: [
        ("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: explode\n", "unknown relabel action"),
        ("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: hashmod\n        target_label: x\n", "modulus"),
        ("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - regex: 'a('\n        target_label: x\n", "invalid regular expression"),
        ("scrape_configs:\n  - job_name: a\n    bearer_token: x\n    basic_auth: {username: u}\n", "at most one"),
        ("scrape_configs:\n  - job_name: a\n    bearer_token_file: /nonexistent/token\n", "cannot read"),
        ("scrape_configs:\n  - job_name: a\n    file_sd_configs:\n      - refresh_interval: 1m\n", "at least one file"),
        ("scrape_configs:\n  - job_name: a\n    vm_sd_configs:\n      - port: 0\n", "outside 1...65535"),
        ("scrape_configs:\n  - job_name: a\n    vm_sd_configs:\n      - port: 9100\n        provider: x\n", "unknown key"),
        ("scrape_configs:\n  - job_name: a\n    label_value_length_limit: -1\n", "outside 0..."),
        ("scrape_configs:\n  - job_name: a\n    label_name_length_limit: ten\n", "expected a whole number"),
    ] as [(String, String)])
    func badRelabelAndAuthConfigs(_ yaml: String, _ reason: String) {
        do {
            _ = try ConfigLoader.parse(yaml: yaml, source: "s.yml")
            Issue.record("accepted:\n\(yaml)")
        } catch {
            #expect(error.reason.contains(reason), "\(error)")
            #expect(error.line != nil)
        }
    }

    @Test func retentionRules() throws {
        let config = try ConfigLoader.parse(yaml: "storage:\n  retention_rules:\n    - match: '{job=\"debug\"}'\n      retention: 1d\n", source: "s.yml")
        #expect(config.storage.retentionRules.first?.retention == 86_400_000)
        #expect(config.storeOptions.retentionRules.first?.matchers.map(\.description) == [#"job="debug""#])
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(yaml: "storage:\n  retention_rules:\n    - match: 'rate(x[5m])'\n      retention: 1d\n", source: "s.yml") }
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(yaml: "storage:\n  retention_rules:\n    - match: 'x'\n", source: "s.yml") }
    }

    @Test func downsamplingLevels() throws {
        #expect(try ConfigLoader.parse(yaml: "storage:\n  path: d\n", source: "s.yml").storeOptions.downsampling == DownsamplingLevel.defaults)
        let config = try ConfigLoader.parse(yaml: "storage:\n  downsampling:\n    - resolution: 10m\n      after: 2d\n", source: "s.yml")
        #expect(config.storeOptions.downsampling == [DownsamplingLevel(resolution: 600_000, after: 2 * 86_400_000)])
        #expect(try ConfigLoader.parse(yaml: "storage:\n  downsampling: []\n", source: "s.yml").storeOptions.downsampling.isEmpty)
        for (yaml, reason) in [
            ("storage:\n  downsampling:\n    - resolution: 7m\n      after: 2d\n", "divide a day"),
            ("storage:\n  downsampling:\n    - resolution: 30s\n      after: 2d\n", "at least 1m"),
            ("storage:\n  downsampling:\n    - resolution: 5m\n", "needs 'after'"),
            ("storage:\n  downsampling:\n    - resolution: 5m\n      after: 1d\n    - resolution: 5m\n      after: 2d\n", "already"),
            ("storage:\n  downsampling:\n    - resolution: 5m\n      after: 1d\n      keep: max\n", "keep"),
            ("storage:\n  downsampling: 5m\n", "expected a list"),
        ] {
            do {
                _ = try ConfigLoader.parse(yaml: yaml, source: "s.yml")
                Issue.record("accepted:\n\(yaml)")
            } catch {
                #expect(error.description.contains(reason), "\(error)")
                #expect(error.line != nil, "\(error)")
            }
        }
    }

    @Test func invalidYAMLIsRefused() {
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(yaml: "server:\n  listen: [unclosed\n", source: "s.yml") }
        do {
            _ = try ConfigLoader.parse(yaml: "server:\n  listen: a:1\n  listen: b:2\n", source: "s.yml")
            Issue.record("accepted a duplicated key")
        } catch {
            #expect(error.reason.contains("listen"), "the duplicated key is named: \(error.reason)")
        }
    }

    @Test func environmentOverridesTheFileAndFlagsOverrideBoth() throws {
        let yaml = "server:\n  listen: 127.0.0.1:9000\nstorage:\n  path: /file/data\n"
        let env = ["SEXTANT_SERVER_LISTEN": "127.0.0.1:9100", "SEXTANT_STORAGE_RETENTION_TIME": "30d", "PATH": "/bin"]
        var config = try ConfigLoader.parse(yaml: yaml, source: "s.yml", environment: env)
        #expect(config.server.listen == "127.0.0.1:9100")
        #expect(config.storage.retentionTime == 30 * 86_400_000)
        #expect(config.storage.path == "/file/data")
        try ConfigLoader.applyFlags(listen: "127.0.0.1:9200", dataDir: "/flag/data", logLevel: "debug", to: &config)
        #expect(config.server.listen == "127.0.0.1:9200")
        #expect(config.storage.path == "/flag/data")
        #expect(config.server.logLevel == "debug")
    }

    @Test func builtinRulesCanBeTurnedOff() throws {
        #expect(try ConfigLoader.parse(yaml: "", source: "s.yml").collector.builtinRules)
        #expect(try !ConfigLoader.parse(yaml: "collector:\n  builtin_rules: false\n", source: "s.yml").collector.builtinRules)
        let env = ["SEXTANT_COLLECTOR_BUILTIN_RULES": "false"]
        #expect(try !ConfigLoader.parse(yaml: "collector:\n  builtin_rules: true\n", source: "s.yml", environment: env).collector.builtinRules)
    }

    @Test func badEnvironmentValueNamesTheVariable() {
        do {
            _ = try ConfigLoader.parse(yaml: "", source: "s.yml", environment: ["SEXTANT_STORAGE_WAL_SYNC": "maybe"])
            Issue.record("accepted wal_sync=maybe")
        } catch {
            #expect(error.source == "environment variable SEXTANT_STORAGE_WAL_SYNC")
            #expect(error.key == "storage.wal_sync")
        }
    }

    @Test func badFlagsAreRefused() {
        var config = SextantConfig()
        #expect(throws: ConfigError.self) { try ConfigLoader.applyFlags(listen: "8090", dataDir: nil, logLevel: nil, to: &config) }
        #expect(throws: ConfigError.self) { try ConfigLoader.applyFlags(listen: nil, dataDir: nil, logLevel: "loud", to: &config) }
    }

    @Test(arguments: [
        ("15s", 15_000), ("1m30s", 90_000), ("2h", 7_200_000), ("15d", 1_296_000_000), ("1w", 604_800_000),
        ("1y", 31_536_000_000), ("100ms", 100), ("1h1m1s1ms", 3_661_001), ("0", 0), ("0s", 0),
    ] as [(String, Int64)])
    func durations(_ text: String, _ ms: Int64) {
        #expect(ConfigValues.duration(text) == ms)
    }

    @Test(arguments: ["", "s", "15", "1.5s", "1s1m", "1m1m", "-5s", "99999999999999999999y", "5 s"])
    func invalidDurations(_ text: String) {
        #expect(ConfigValues.duration(text) == nil)
    }

    @Test func byteSizes() {
        #expect(ConfigValues.byteSize("0") == 0)
        #expect(ConfigValues.byteSize("512MB") == 512_000_000)
        #expect(ConfigValues.byteSize("32MiB") == 32 << 20)
        #expect(ConfigValues.byteSize("1.5GB") == nil)
        #expect(ConfigValues.byteSize("10XB") == nil)
    }

    @Test func vmDiscoveryPortsAndInterval() throws {
        let yaml = """
        collector:
          vm_interval: 30s
        scrape_configs:
          - job_name: vms
            vm_sd_configs:
              - port: 9182
              - {}
        """
        let config = try ConfigLoader.parse(yaml: yaml, source: "s.yml")
        #expect(config.scrapeConfigs[0].vmSDPorts == [9182, 9100])
        #expect(config.collector.vmInterval == 30_000)
    }

    @Test func scrapeLimits() throws {
        let yaml = """
        scrape_configs:
          - job_name: a
            sample_limit: 5000
            label_limit: 30
            label_name_length_limit: 100
            label_value_length_limit: 2048
        """
        let job = try ConfigLoader.parse(yaml: yaml, source: "s.yml").scrapeConfigs[0]
        #expect([job.sampleLimit, job.labelLimit, job.labelNameLengthLimit, job.labelValueLengthLimit] == [5000, 30, 100, 2048])
        let target = ScrapeConfig(jobName: "a", labelNameLengthLimit: 100, labelValueLengthLimit: 2048,
                                  staticConfigs: [.init(targets: ["127.0.0.1:1"])]).targets[0]
        #expect(target.labelNameLengthLimit == 100 && target.labelValueLengthLimit == 2048)
    }

    @Test func theExampleFileIsValidAndMatchesTheDefaults() throws {
        let root = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        let config = try ConfigLoader.load(path: "/" + root + "/sextant.example.yml")
        var defaults = try ConfigLoader.load(path: nil)
        defaults.warnings = config.warnings
        #expect(config.server == defaults.server)
        #expect(config.storage == defaults.storage)
        #expect(config.collector == defaults.collector)
        #expect(config.catalog == defaults.catalog)
    }
}
