public import TSDB

/// One generated series: its identity and how its values are printed.
public struct GeneratedSeries: Sendable {
    public let labels: Labels
    public let format: ValueFormat
    /// `name{label="value",…} ` as an OpenMetrics line starts.
    let linePrefix: [UInt8]
}

/// Deterministic node-exporter-like scrapes of many targets.
///
/// Each target is a host (or VM) with its own size and load; its series move together the
/// way a real host's do (load drives CPU time, I/O and traffic). Series of one scrape share
/// its timestamp: `start + offset + k·interval ± jitter`, the offset fixed per target as
/// Prometheus spreads its targets over the interval.
///
/// ```swift
/// var generator = NodeExporterGenerator(GeneratorOptions(targets: 10))
/// var values: [Double] = []
/// for _ in 0..<240 {
///     for target in 0..<generator.options.targets {
///         let t = generator.scrape(target: target, into: &values)
///         // generator.series(of: target)[i] has value values[i] at t
///     }
/// }
/// ```
///
/// The same options give the same samples, on every run and platform: each target draws from
/// its own stream seeded by `seed` and its index, so targets can be scraped in any
/// interleaving.
public struct NodeExporterGenerator: Sendable {
    public let options: GeneratorOptions
    private var targets: [TargetState]

    public init(_ options: GeneratorOptions) {
        self.options = options
        targets = (0..<options.targets).map { TargetState(index: $0, options: options) }
    }

    /// The series of `target`, in the order ``scrape(target:into:)`` writes their values.
    public func series(of target: Int) -> [GeneratedSeries] { targets[target].series }

    /// Scrapes taken of `target` so far.
    public func scrapes(of target: Int) -> Int { targets[target].scrapeIndex }

    /// Advances `target` by one scrape: writes its series' values into `values` (resized to
    /// `seriesPerTarget`) and returns the scrape's timestamp (ms).
    @discardableResult
    public mutating func scrape(target: Int, into values: inout [Double]) -> Int64 {
        targets[target].scrape(options: options, into: &values)
    }

    /// `scrapes` scrapes of every target as per-series sample arrays, target by target:
    /// handy for chunk and block benchmarks. Memory is 16 bytes a sample.
    public static func samples(_ options: GeneratorOptions, scrapes: Int) -> [(labels: Labels, samples: [Sample])] {
        var generator = NodeExporterGenerator(options)
        var out: [(labels: Labels, samples: [Sample])] = []
        out.reserveCapacity(options.totalSeries)
        var values: [Double] = []
        for target in 0..<options.targets {
            let series = generator.series(of: target)
            var columns = series.map { _ in [Sample]() }
            for i in columns.indices { columns[i].reserveCapacity(scrapes) }
            for _ in 0..<scrapes {
                let t = generator.scrape(target: target, into: &values)
                for i in columns.indices { columns[i].append(Sample(t, values[i])) }
            }
            for (s, column) in zip(series, columns) { out.append((s.labels, column)) }
        }
        return out
    }
}

/// One target's series and the state its values evolve from.
struct TargetState: Sendable {
    let series: [GeneratedSeries]
    private var groups: [any SeriesGroup & Sendable]
    private var rng: SeededRandom
    private let offset: Int64
    private var utilization: Wander
    private var buffer: [Double]
    private(set) var scrapeIndex = 0

    init(index: Int, options: GeneratorOptions) {
        var rng = SeededRandom(seed: options.seed ^ (UInt64(index) &+ 1) &* 0x9E37_79B9_7F4A_7C15)
        offset = options.jitter + rng.integer(0...(options.scrapeInterval - 2 * options.jitter - 1))
        let busy = rng.logNormal(median: 0.15, sigma: 0.8)
        utilization = Wander(value: min(busy, 0.9), mean: min(busy, 0.9), reversion: 0.03, noise: 0.01 + busy * 0.03)
        let uptime = Double(rng.integer(86_400...60 * 86_400))

        var groups: [any SeriesGroup & Sendable] = [
            HostGroup(&rng, seriesPerTarget: options.seriesPerTarget, start: options.start, cpus: options.cpusPerTarget, utilization: utilization.value)
        ]
        var count = groups[0].specs.count
        for cpu in 0..<options.cpusPerTarget where count < options.seriesPerTarget {
            groups.append(CPUGroup(&rng, cpu: cpu, uptimeSeconds: uptime))
            count += 8
        }
        var round = 0
        while count < options.seriesPerTarget {
            let next: [any SeriesGroup & Sendable] = [
                FilesystemGroup(&rng, index: round),
                DiskGroup(&rng, index: round, uptimeSeconds: uptime),
                NetworkGroup(&rng, index: round, uptimeSeconds: uptime),
                HistogramGroup(&rng, index: round),
                CollectorGroup(&rng, index: 2 * round),
                CollectorGroup(&rng, index: 2 * round + 1),
            ]
            for group in next where count < options.seriesPerTarget {
                groups.append(group)
                count += group.specs.count
            }
            round += 1
        }
        self.groups = groups
        self.rng = rng
        buffer = [Double](repeating: 0, count: count)

        let base = [
            Label("instance", GeneratorOptions.instance(index)),
            Label("job", options.jobs[index % options.jobs.count]),
        ]
        var series: [GeneratedSeries] = []
        series.reserveCapacity(options.seriesPerTarget)
        for spec in groups.flatMap(\.specs).prefix(options.seriesPerTarget) {
            let extra = spec.labels.map { Label($0.0, $0.1) }
            let labels = Labels(base + extra + [Label(Labels.metricName, spec.name)])
            var prefix = Array(spec.name.utf8)
            prefix.append(UInt8(ascii: "{"))
            var first = true
            for label in labels where label.name != Labels.metricName {
                if !first { prefix.append(UInt8(ascii: ",")) }
                first = false
                prefix.append(contentsOf: label.name.utf8)
                prefix.append(contentsOf: "=\"".utf8)
                prefix.append(contentsOf: LabelValueEscaping.escape(label.value).utf8)
                prefix.append(UInt8(ascii: "\""))
            }
            prefix.append(contentsOf: "} ".utf8)
            series.append(GeneratedSeries(labels: labels, format: spec.format, linePrefix: prefix))
        }
        self.series = series
    }

    mutating func scrape(options: GeneratorOptions, into values: inout [Double]) -> Int64 {
        let jitter = options.jitter == 0 ? 0 : rng.integer(-options.jitter...options.jitter)
        let timestamp = options.start + offset + Int64(scrapeIndex) * options.scrapeInterval + jitter
        let busy = min(max(utilization.step(&rng), 0.005), 0.98)
        let context = ScrapeContext(
            timestamp: timestamp, intervalSeconds: Double(options.scrapeInterval) / 1000,
            utilization: busy, cpus: options.cpusPerTarget)
        var offset = 0
        for i in groups.indices {
            groups[i].scrape(&rng, context, into: &buffer, at: offset)
            offset += groups[i].specs.count
        }
        if values.count != series.count { values = [Double](repeating: 0, count: series.count) }
        for i in 0..<series.count { values[i] = buffer[i] }
        scrapeIndex += 1
        return timestamp
    }
}
