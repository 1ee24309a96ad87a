import Foundation
import Prometheus
import Synchronization
import TSDB
import Alerting

/// Sextant's own process and store metrics, refreshed into the registry each time
/// `/metrics` is rendered. Counters are advanced by the delta since the last render.
final class SelfMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let startTime: Double
    private let last = Mutex<[String: Double]>([:])

    private let cpuSeconds: Counter
    private let residentBytes: Gauge
    private let virtualBytes: Gauge
    private let openFDs: Gauge
    private let startTimeGauge: Gauge
    private let headSeries: Gauge
    private let headSamples: Gauge
    private let walBytes: Gauge
    private let appended: Counter
    private let outOfOrderRejected: Counter
    private let outOfOrderAccepted: Counter
    private let duplicates: Counter
    private let invalidLabels: Counter
    private let walCorruptions: Counter
    private let seriesCreated: Counter
    private let seriesRemoved: Counter
    private let compactionDuration: ValueHistogram
    /// Sequence number of the next compaction pass whose duration is not yet recorded.
    private let lastCompactionRecorded = Mutex(0)

    init(registry: PrometheusCollectorRegistry, startTime: Double) {
        self.registry = registry
        self.startTime = startTime
        cpuSeconds = registry.makeCounter(descriptor: Self.describe("process_cpu_seconds_total", "Total user and system CPU time spent in seconds."))
        residentBytes = registry.makeGauge(descriptor: Self.describe("process_resident_memory_bytes", "Resident memory size in bytes."))
        virtualBytes = registry.makeGauge(descriptor: Self.describe("process_virtual_memory_bytes", "Virtual memory size in bytes."))
        openFDs = registry.makeGauge(descriptor: Self.describe("process_open_fds", "Number of open file descriptors."))
        startTimeGauge = registry.makeGauge(descriptor: Self.describe("process_start_time_seconds", "Start time of the process since unix epoch in seconds."))
        headSeries = registry.makeGauge(descriptor: Self.describe("sextant_tsdb_head_series", "Series in the head block."))
        headSamples = registry.makeGauge(descriptor: Self.describe("sextant_tsdb_head_samples", "Samples held in the head block."))
        walBytes = registry.makeGauge(descriptor: Self.describe("sextant_tsdb_wal_size_bytes", "Bytes of all WAL segments."))
        appended = registry.makeCounter(descriptor: Self.describe("sextant_tsdb_head_samples_appended_total", "Samples appended to the head."))
        outOfOrderRejected = registry.makeCounter(descriptor: Self.describe("sextant_tsdb_out_of_order_samples_rejected_total", "Samples refused as out of order or too old."))
        outOfOrderAccepted = registry.makeCounter(descriptor: Self.describe("sextant_tsdb_out_of_order_samples_accepted_total", "Out-of-order samples accepted inside the window."))
        duplicates = registry.makeCounter(descriptor: Self.describe("sextant_tsdb_duplicate_samples_rejected_total", "Samples refused for a different value at an existing timestamp."))
        invalidLabels = registry.makeCounter(descriptor: Self.describe("sextant_tsdb_invalid_series_rejected_total", "Samples refused for invalid labels."))
        walCorruptions = registry.makeCounter(descriptor: Self.describe("sextant_wal_corruptions_total", "Damaged WAL records found and cut off at startup."))
        seriesCreated = registry.makeCounter(descriptor: Self.describe("sextant_tsdb_head_series_created_total", "Series created in the head."))
        seriesRemoved = registry.makeCounter(descriptor: Self.describe(
            "sextant_tsdb_head_series_removed_total", "Series removed from the head after all their samples went to blocks."))
        compactionDuration = registry.makeValueHistogram(
            descriptor: Self.describe("sextant_tsdb_compaction_duration_seconds", "Duration of compaction passes that did work or failed."),
            buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300])
        startTimeGauge.set(startTime)
    }

    /// A full metric name with its help; the unit is part of the name already.
    static func describe(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    func refresh(store: Store) {
        let stats = store.stats
        headSeries.set(Double(stats.series))
        headSamples.set(Double(stats.headSamples))
        walBytes.set(Double(stats.walBytes))
        advance(appended, "appended", Double(stats.counters.samplesAppended))
        advance(outOfOrderRejected, "oooRejected", Double(stats.counters.outOfOrderRejected))
        advance(outOfOrderAccepted, "oooAccepted", Double(stats.counters.outOfOrderAccepted))
        advance(duplicates, "duplicates", Double(stats.counters.duplicateRejected))
        advance(invalidLabels, "invalid", Double(stats.counters.invalidLabelsRejected))
        advance(walCorruptions, "walCorruptions", Double(stats.walCorruptions))
        advance(seriesCreated, "seriesCreated", Double(stats.counters.seriesCreated))
        advance(seriesRemoved, "seriesRemoved", Double(stats.counters.seriesRemoved))
        refresh(compaction: stats.compaction)
        for (name, help, value) in [
            ("sextant_tsdb_blocks_loaded", "Raw blocks open for queries.", stats.blocks),
            ("sextant_tsdb_rollup_blocks_loaded", "Downsampled blocks open for queries.", stats.rollupBlocks),
            ("sextant_tsdb_storage_blocks_bytes", "Bytes on disk of raw and downsampled blocks.", stats.blockBytes),
            ("sextant_tsdb_blocks_samples", "Samples in raw blocks.", stats.blockSamples),
            ("sextant_tsdb_corrupt_blocks", "Blocks found damaged at startup and moved to <data>/corrupted.", stats.corruptBlocks),
        ] {
            registry.makeGauge(descriptor: Self.describe(name, help)).set(Double(value))
        }

        let process = ProcessStats.read()
        if let cpu = process.cpuSeconds { advance(cpuSeconds, "cpu", cpu) }
        if let rss = process.residentBytes { residentBytes.set(rss) }
        if let vsize = process.virtualBytes { virtualBytes.set(vsize) }
        if let fds = process.openFDs { openFDs.set(Double(fds)) }
    }

    /// Per-integration delivery figures from the outbox: what Alertmanager's
    /// `alertmanager_notifications_total` / `_failed_total` tell, per integration.
    func refresh(deliveries: [IntegrationDeliveryStats]) {
        for stats in deliveries {
            let labels = [("integration", stats.integration), ("receiver", stats.receiver)]
            advance(registry.makeCounter(name: "sextant_notifications_delivered_total", labels: labels,
                                         help: "Notifications delivered, per integration."),
                    "delivered|" + stats.integration, Double(stats.delivered))
            advance(registry.makeCounter(name: "sextant_notifications_failed_total", labels: labels,
                                         help: "Notifications given up on (permanent error or too old), per integration."),
                    "failed|" + stats.integration, Double(stats.failed))
            advance(registry.makeCounter(name: "sextant_notification_attempts_total", labels: labels,
                                         help: "Delivery attempts, successful or not, per integration."),
                    "attempts|" + stats.integration, Double(stats.attempts))
            registry.makeGauge(name: "sextant_notifications_pending", labels: labels,
                               help: "Notifications in the outbox waiting for delivery or a retry.").set(Double(stats.pending))
        }
    }

    /// Compaction totals as counters, and each pass's duration recorded once into the
    /// histogram (the store keeps the latest passes with sequence numbers).
    private func refresh(compaction: CompactionStatistics) {
        for (name, help, value) in [
            ("sextant_tsdb_compactions_total", "Compaction passes that wrote or removed blocks.", compaction.passes),
            ("sextant_tsdb_compactions_failed_total", "Compaction passes stopped by an error.", compaction.failed),
            ("sextant_tsdb_head_cuts_total", "Blocks cut from the head.", compaction.totals.headBlocksCut),
            ("sextant_tsdb_blocks_merged_total", "Blocks merged into larger ranges.", compaction.totals.blocksMerged),
            ("sextant_tsdb_retention_deleted_blocks_total", "Blocks deleted by time or size retention.", compaction.totals.blocksDeletedByRetention),
            ("sextant_tsdb_retention_rule_deleted_samples_total", "Samples deleted by per-series retention rules.",
             compaction.totals.samplesDeletedByRetentionRules),
            ("sextant_tsdb_rollups_written_total", "Downsampled blocks written.", compaction.totals.rollupsWritten),
            ("sextant_tsdb_wal_segments_folded_total", "WAL segments folded into a checkpoint.", compaction.totals.walSegmentsFolded),
        ] {
            advance(registry.makeCounter(descriptor: Self.describe(name, help)), name, Double(value))
        }
        let fresh = lastCompactionRecorded.withLock { last -> [CompactionStatistics.TimedPass] in
            let fresh = compaction.recentDurations.filter { $0.sequence >= last }
            last = compaction.nextSequence
            return fresh
        }
        for pass in fresh { compactionDuration.record(pass.seconds) }
    }

    private func advance(_ counter: Counter, _ key: String, _ total: Double) {
        let delta = last.withLock { last -> Double in
            let previous = last[key] ?? 0
            last[key] = total
            return total - previous
        }
        if delta > 0 { counter.increment(by: delta) }
    }
}

/// What /proc says about this process.
struct ProcessStats {
    var cpuSeconds: Double?
    var residentBytes: Double?
    var virtualBytes: Double?
    var openFDs: Int?

    static func read() -> ProcessStats {
        var stats = ProcessStats()
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")") {
            // Fields after the command name: state is field 3; utime 14, stime 15, vsize 23, rss 24.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 22, let utime = Double(fields[11]), let stime = Double(fields[12]),
               let vsize = Double(fields[20]), let rss = Double(fields[21]) {
                stats.cpuSeconds = (utime + stime) / ticksPerSecond
                stats.virtualBytes = vsize
                stats.residentBytes = rss * pageSize
            }
        }
        stats.openFDs = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.count
        return stats
    }
}
