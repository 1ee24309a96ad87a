public import Alerting
public import Collector
public import TSDB

/// Everything `sextant serve` runs with. A `prometheus.yml` is a valid file: `global`,
/// `scrape_configs`, `rule_files` and `alerting` mean what they mean there, and `notifications`
/// holds an `alertmanager.yml`; Sextant's own settings live
/// under `server`, `storage`, `catalog` and `collector`. See `sextant.example.yml`.
public struct SextantConfig: Sendable, Equatable {
    public var global = Global()
    public var scrapeConfigs: [ScrapeConfig] = []
    public var ruleFiles: [String] = []
    public var server = Server()
    public var storage = Storage()
    public var catalog = Catalog()
    public var collector = CollectorSettings()
    public var query = QuerySettings()
    /// Where alerts go (`notifications:`, an `alertmanager.yml`); nil: no routing configured.
    public var notifications: NotificationConfig?
    /// External Alertmanagers that also get every alert (`alerting:`, as in `prometheus.yml`).
    public var alertmanagers = AlertmanagerForwarding()
    /// Things the file says that this version reads but does not act on yet.
    public var warnings: [String] = []
    /// The configuration file's directory: relative `rule_files` are found from here.
    public var baseDirectory = "."

    public init() {}

    public struct Global: Sendable, Equatable {
        public var scrapeInterval: Int64 = 60_000
        public var scrapeTimeout: Int64 = 10_000
        public var evaluationInterval: Int64 = 60_000
        public var externalLabels: [String: String] = [:]
    }

    public struct Server: Sendable, Equatable {
        public var listen = "127.0.0.1:8090"
        public var logLevel = "info"
        /// Origins allowed by CORS; `*` allows any. Empty disables CORS headers.
        public var corsOrigins: [String] = ["*"]
        public var maxBodySize = 32 << 20
        /// How long (ms) shutdown waits for in-flight requests.
        public var shutdownTimeout: Int64 = 10_000
        /// Push requests (remote write, Influx) handled at once; more get 429.
        public var maxConcurrentPushes = 32
    }

    public struct Storage: Sendable, Equatable {
        public var path = "./data"
        public var retentionTime: Int64 = 15 * 86_400_000
        /// Bytes; 0 means no size limit.
        public var retentionSize = 0
        public var walSync: WALSyncPolicy = .default
        public var outOfOrderWindow: Int64 = 0
        /// Shorter retention for the series a selector matches.
        public var retentionRules: [RetentionRule] = []
        /// Rollups of old blocks (`storage.downsampling`).
        public var downsampling = DownsamplingLevel.defaults
    }

    public struct Catalog: Sendable, Equatable {
        /// The SQLite file; empty means `<storage.path>/sextant.sqlite`.
        public var path = ""
        /// How long expired silences, the notification log and delivered or failed
        /// notifications are kept (Alertmanager's `--data.retention`, 120 h). Alert history
        /// is kept as long as the series (`storage.retention_time`).
        public var notificationRetention: Int64 = 120 * 3_600_000
    }

    /// PromQL limits, as Prometheus's `--query.*` flags.
    public struct QuerySettings: Sendable, Equatable {
        public var lookbackDelta: Int64 = 5 * 60_000
        public var maxSamples = 50_000_000
        public var timeout: Int64 = 120_000
    }

    public struct CollectorSettings: Sendable, Equatable {
        /// Scrape Sextant's own `/metrics` into the store.
        public var selfScrape = true
        public var selfScrapeInterval: Int64 = 15_000
        /// Collect this host's CPU, memory, disk, filesystem and network figures.
        public var host = true
        public var hostInterval: Int64 = 15_000
        /// How often every provider's VM stats are collected as `sextant_vm_*` series.
        public var vmInterval: Int64 = 15_000
        /// Evaluate Sextant's built-in alerting rules (Alerting's `BuiltinRules`) beside `rule_files`.
        public var builtinRules = true
    }

    public var catalogPath: String { catalog.path.isEmpty ? storage.path + "/sextant.sqlite" : catalog.path }

    public var storeOptions: StoreOptions {
        var options = StoreOptions(path: storage.path, walSync: storage.walSync, outOfOrderWindow: storage.outOfOrderWindow,
                                   retention: storage.retentionTime, retentionSize: storage.retentionSize)
        options.retentionRules = storage.retentionRules
        options.downsampling = storage.downsampling
        return options
    }

    /// The scrape jobs to run: the configured ones plus the self-scrape.
    public var effectiveScrapeConfigs: [ScrapeConfig] {
        guard collector.selfScrape, !scrapeConfigs.contains(where: { $0.jobName == "sextant" }) else { return scrapeConfigs }
        let interval = collector.selfScrapeInterval
        return scrapeConfigs + [ScrapeConfig(
            jobName: "sextant", interval: interval, timeout: min(interval, 10_000),
            staticConfigs: [.init(targets: [server.listen])]
        )]
    }
}
