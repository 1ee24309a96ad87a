public import TSDB

/// Turns every provider's VM stats into `sextant_vm_*` series on each collection, with
/// stale markers for series of VMs that went away, and keeps the VM list for discovery.
public struct VMStatsCollector: Sendable {
    public let sources: [any VMStatsSource]
    /// Series written by the last collection, for staleness.
    private var previous: Set<Labels> = []
    /// Every VM seen by the last collection, for `vm_sd_configs`.
    public private(set) var inventory: [VMIdentity] = []

    public init(sources: [any VMStatsSource]) {
        self.sources = sources
    }

    /// The same collector (its staleness memory and inventory) over another set of sources,
    /// for when providers are added or removed.
    public func replacing(sources: [any VMStatsSource]) -> VMStatsCollector {
        var copy = VMStatsCollector(sources: sources)
        copy.previous = previous
        copy.inventory = inventory
        return copy
    }

    /// What one collection did.
    public struct Report: Sendable {
        public var appended = 0
        public var vms = 0
        /// Provider name → its error, for providers that failed this round.
        public var failures: [String: String] = [:]
        public var refused: [AppendError] = []
    }

    /// Series name and value of each stat, in a fixed order.
    static func series(_ s: VMStats) -> [(String, Double?)] {
        [
            ("sextant_vm_cpu_seconds_total", s.cpuSeconds),
            ("sextant_vm_memory_used_bytes", s.memoryUsedBytes),
            ("sextant_vm_memory_available_bytes", s.memoryAvailableBytes),
            ("sextant_vm_disk_read_bytes_total", s.diskReadBytes),
            ("sextant_vm_disk_written_bytes_total", s.diskWrittenBytes),
            ("sextant_vm_disk_reads_completed_total", s.diskReads),
            ("sextant_vm_disk_writes_completed_total", s.diskWrites),
            ("sextant_vm_network_receive_bytes_total", s.networkReceiveBytes),
            ("sextant_vm_network_transmit_bytes_total", s.networkTransmitBytes),
        ]
    }

    /// Asks every source, appends at `timestamp`. The caller commits.
    public mutating func collect(at timestamp: Int64, into appender: inout some Appender & ~Copyable) async -> Report {
        var report = Report()
        var seen: Set<Labels> = []
        var inventory: [VMIdentity] = []
        for source in sources {
            let stats: [VMIdentity: VMStats]
            do {
                let vms = try await source.listVMs()
                inventory += vms
                stats = try await source.stats(for: vms)
            } catch {
                report.failures[source.providerName] = "\(error)"
                // A provider that failed keeps its series (no stale markers for what is merely
                // unknown) and its VMs' scrape targets, as Prometheus's discoveries keep theirs.
                seen.formUnion(previous.filter { $0["provider"] == source.providerName })
                inventory += self.inventory.filter { $0.provider == source.providerName }
                continue
            }
            for (vm, s) in stats {
                report.vms += 1
                let base = vm.labels
                var samples: [(String, Double)] = [("sextant_vm_up", s.running ? 1 : 0)]
                for (name, value) in Self.series(s) { if let value { samples.append((name, value)) } }
                for (name, value) in samples {
                    let labels = Labels(base + [Label(Labels.metricName, name)])
                    do throws(AppendError) {
                        try appender.append(.unknown, labels, timestamp, value)
                        report.appended += 1
                        seen.insert(labels)
                    } catch {
                        report.refused.append(error)
                    }
                }
            }
        }
        for gone in previous.subtracting(seen) {
            _ = try? appender.append(.unknown, gone, timestamp, StaleMarker.value)
        }
        previous = seen
        self.inventory = inventory
        return report
    }

    /// Scrape target groups for the VMs of the last collection; see ``VMIdentity/targetGroups(_:port:)``.
    public func targetGroups(port: Int) -> [ScrapeConfig.StaticConfig] {
        VMIdentity.targetGroups(inventory, port: port)
    }
}

extension VMIdentity {
    /// Scrape target groups for the VMs that have an address: `address:port`, with
    /// `__meta_sextant_vm_{name,id,provider,host}` labels for relabeling, as Prometheus's
    /// service discoveries label their targets.
    public static func targetGroups(_ vms: [VMIdentity], port: Int) -> [ScrapeConfig.StaticConfig] {
        vms.compactMap { vm in
            guard let address = vm.addresses.first else { return nil }
            let host = address.contains(":") ? "[\(address)]" : address
            return ScrapeConfig.StaticConfig(targets: ["\(host):\(port)"], labels: [
                "__meta_sextant_vm_name": vm.name, "__meta_sextant_vm_id": vm.id,
                "__meta_sextant_vm_provider": vm.provider, "__meta_sextant_vm_host": vm.host,
            ])
        }
    }
}
