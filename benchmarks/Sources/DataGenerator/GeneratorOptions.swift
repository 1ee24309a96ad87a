/// The shape of a generated data set: `targets` scrape targets of `seriesPerTarget` series
/// each, scraped every `scrapeInterval` ms from `start`.
public struct GeneratorOptions: Sendable, Equatable {
    public var targets: Int
    /// Series per target. A target's series are built from node-exporter-like groups (host,
    /// CPUs, then filesystems, disks, network devices, an HTTP histogram and collector
    /// timings in turn) and cut at exactly this many.
    public var seriesPerTarget: Int
    /// Each CPU adds the 8 `node_cpu_seconds_total` modes.
    public var cpusPerTarget: Int
    /// First scrape time, ms since the epoch (default 2026-01-01T00:00:00Z).
    public var start: Int64
    public var scrapeInterval: Int64
    /// Each scrape of a target lands up to this many ms early or late; all series of the
    /// scrape share the timestamp, as they do in Prometheus.
    public var jitter: Int64
    public var seed: UInt64
    /// Target `i` gets `job = jobs[i % jobs.count]`.
    public var jobs: [String]

    public init(
        targets: Int = 50,
        seriesPerTarget: Int = 100,
        cpusPerTarget: Int = 2,
        start: Int64 = 1_767_225_600_000,
        scrapeInterval: Int64 = 15_000,
        jitter: Int64 = 3,
        seed: UInt64 = 0x5E47_A475,
        jobs: [String] = ["node", "vm", "kvm-host", "db"]
    ) {
        precondition(targets > 0 && seriesPerTarget > 0 && cpusPerTarget >= 0 && !jobs.isEmpty)
        precondition(jitter >= 0 && jitter * 2 < scrapeInterval, "jitter must keep scrapes in order")
        self.targets = targets
        self.seriesPerTarget = seriesPerTarget
        self.cpusPerTarget = cpusPerTarget
        self.start = start
        self.scrapeInterval = scrapeInterval
        self.jitter = jitter
        self.seed = seed
        self.jobs = jobs
    }

    /// Scrapes in `hours` hours.
    public func scrapes(hours: Double) -> Int { Int(hours * 3_600_000 / Double(scrapeInterval)) }

    public var totalSeries: Int { targets * seriesPerTarget }

    /// `host-0007:9100` for target 7.
    public static func instance(_ target: Int) -> String {
        var digits = String(target)
        if digits.count < 4 { digits = String(repeating: "0", count: 4 - digits.count) + digits }
        return "host-\(digits):9100"
    }
}
