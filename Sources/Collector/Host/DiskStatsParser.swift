import TSDB

/// One device line of `/proc/diskstats`.
struct DiskStats: Equatable, Sendable {
    var major: UInt64
    var minor: UInt64
    var device: String
    /// The counters after the name, in the kernel's order (Documentation/admin-guide/iostats.rst):
    /// 11 since 2.6, 15 with discards since 4.18, 17 with flushes since 5.5.
    var counters: [UInt64]
}

/// Parses `/proc/diskstats`: `major minor name` and at least 11 counters per line.
struct DiskStatsParser {
    static let file = "/proc/diskstats"
    static let minimumCounters = 11

    static func parse(_ text: some StringProtocol) throws(HostCollectorError) -> [DiskStats] {
        var disks: [DiskStats] = []
        for (number, line) in ProcText.lines(text) {
            let fields = ProcText.fields(line)
            if fields.isEmpty { continue }
            guard fields.count >= 3 + minimumCounters else {
                throw HostCollectorError(
                    file: file, line: number,
                    reason: "\(fields.count) fields, expected major, minor, name and at least \(minimumCounters) counters")
            }
            let device = String(fields[2])
            var counters: [UInt64] = []
            counters.reserveCapacity(fields.count - 3)
            for (index, field) in fields.dropFirst(3).enumerated() {
                counters.append(try ProcText.counter(field, "\(device) counter \(index + 1)", file: file, line: number))
            }
            disks.append(DiskStats(
                major: try ProcText.counter(fields[0], "major number", file: file, line: number),
                minor: try ProcText.counter(fields[1], "minor number", file: file, line: number),
                device: device,
                counters: counters
            ))
        }
        return disks
    }
}

extension DiskStats {
    /// What a counter counts, and so how it becomes node-exporter's unit.
    enum Unit: Sendable {
        case count
        /// Always 512 bytes here, whatever the device's block size (iostats.rst).
        case sectors
        case milliseconds

        /// Division, not multiplication by 0.001, so `53472` ms is exactly `53.472`.
        func apply(_ value: UInt64) -> Double {
            switch self {
            case .count: Double(value)
            case .sectors: Double(value) * 512
            case .milliseconds: Double(value) / 1000
            }
        }
    }

    /// node-exporter's name and unit for each counter, in the kernel's order. Discarded
    /// sectors stay sectors, as node-exporter leaves them.
    static let metrics: [(name: String, unit: Unit)] = [
        ("node_disk_reads_completed_total", .count),
        ("node_disk_reads_merged_total", .count),
        ("node_disk_read_bytes_total", .sectors),
        ("node_disk_read_time_seconds_total", .milliseconds),
        ("node_disk_writes_completed_total", .count),
        ("node_disk_writes_merged_total", .count),
        ("node_disk_written_bytes_total", .sectors),
        ("node_disk_write_time_seconds_total", .milliseconds),
        ("node_disk_io_now", .count),
        ("node_disk_io_time_seconds_total", .milliseconds),
        ("node_disk_io_time_weighted_seconds_total", .milliseconds),
        ("node_disk_discards_completed_total", .count),
        ("node_disk_discards_merged_total", .count),
        ("node_disk_discarded_sectors_total", .count),
        ("node_disk_discard_time_seconds_total", .milliseconds),
        ("node_disk_flush_requests_total", .count),
        ("node_disk_flush_requests_time_seconds_total", .milliseconds),
    ]

    /// `node_disk_info{device,major,minor}` and one series per counter the kernel reports.
    func appendSamples(to samples: inout [HostSample]) {
        samples.append(HostSample(
            "node_disk_info",
            [Label("device", device), Label("major", String(major)), Label("minor", String(minor))],
            1))
        let label = [Label("device", device)]
        for (metric, counter) in zip(Self.metrics, counters) {
            samples.append(HostSample(metric.name, label, metric.unit.apply(counter)))
        }
    }
}
