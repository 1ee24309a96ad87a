import Testing
import TSDB
@testable import Collector

/// A provider answering from a table the test controls, standing in for a real driver
/// at the seam the Fleet's libvirt and AWS drivers implement.
private struct TableSource: VMStatsSource {
    let providerName: String
    let table: [VMIdentity: VMStats]
    var failure: String?

    struct Unreachable: Error, CustomStringConvertible { let description: String }

    func listVMs() async throws -> [VMIdentity] {
        if let failure { throw Unreachable(description: failure) }
        return Array(table.keys)
    }

    func stats(for vms: [VMIdentity]) async throws -> [VMIdentity: VMStats] {
        table.filter { vms.contains($0.key) }
    }
}

/// Records appended samples.
private struct RecordingAppender: Appender {
    var samples: [Labels: [Sample]] = [:]
    mutating func append(_ ref: SeriesRef, _ labels: Labels, _ timestamp: Int64, _ value: Double) throws(AppendError) -> SeriesRef {
        samples[labels, default: []].append(Sample(timestamp, value))
        return .unknown
    }
    mutating func commit() throws(StorageError) -> Int { samples.count }
    mutating func rollback() { samples = [:] }
}

struct VMStatsCollectorTests {
    let web = VMIdentity(name: "web-1", id: "6f1c", provider: "libvirt-lab", host: "hv1", addresses: ["192.0.2.10"])
    let db = VMIdentity(name: "db-1", id: "9a2e", provider: "libvirt-lab", host: "hv1", addresses: [])

    @Test func statsBecomeLabelledSeries() async {
        var collector = VMStatsCollector(sources: [TableSource(providerName: "libvirt-lab", table: [
            web: VMStats(cpuSeconds: 12.5, memoryUsedBytes: 1_073_741_824, networkReceiveBytes: 4096, running: true),
        ])])
        var appender = RecordingAppender()
        let report = await collector.collect(at: 1000, into: &appender)
        #expect(report.vms == 1)
        #expect(report.appended == 4)
        let cpu = Labels(["__name__": "sextant_vm_cpu_seconds_total", "vm": "web-1", "vm_id": "6f1c", "provider": "libvirt-lab", "host": "hv1"])
        #expect(appender.samples[cpu] == [Sample(1000, 12.5)])
        #expect(appender.samples[cpu.setting("__name__", to: "sextant_vm_up")] == [Sample(1000, 1)])
        #expect(appender.samples[cpu.setting("__name__", to: "sextant_vm_disk_read_bytes_total")] == nil, "unknown values are left out")
    }

    @Test func vanishedVMsGetStaleMarkersButFailedProvidersDoNot() async {
        var collector = VMStatsCollector(sources: [TableSource(providerName: "libvirt-lab", table: [
            web: VMStats(cpuSeconds: 1, running: true), db: VMStats(cpuSeconds: 2, running: true),
        ])])
        var first = RecordingAppender()
        _ = await collector.collect(at: 1000, into: &first)

        collector = collector.replacing(sources: [TableSource(providerName: "libvirt-lab", table: [web: VMStats(cpuSeconds: 3, running: true)])])
        var second = RecordingAppender()
        _ = await collector.collect(at: 2000, into: &second)
        let dbCPU = Labels(["__name__": "sextant_vm_cpu_seconds_total", "vm": "db-1", "vm_id": "9a2e", "provider": "libvirt-lab", "host": "hv1"])
        #expect(second.samples[dbCPU].map { $0.map { StaleMarker.isStale($0.value) } } == [true])

        collector = collector.replacing(sources: [TableSource(providerName: "libvirt-lab", table: [:], failure: "connection refused")])
        var third = RecordingAppender()
        let report = await collector.collect(at: 3000, into: &third)
        #expect(report.failures["libvirt-lab"] == "connection refused")
        #expect(third.samples.isEmpty, "an unreachable provider is unknown, not gone")
    }

    @Test func discoveryTargetsCarryMetaLabels() async {
        var collector = VMStatsCollector(sources: [TableSource(providerName: "libvirt-lab", table: [
            web: VMStats(running: true), db: VMStats(running: true),
        ])])
        var appender = RecordingAppender()
        _ = await collector.collect(at: 1000, into: &appender)
        let groups = collector.targetGroups(port: 9100)
        #expect(groups.count == 1, "db-1 has no address")
        #expect(groups.first?.targets == ["192.0.2.10:9100"])
        let job = ScrapeConfig(jobName: "vms", relabelConfigs: [
            RelabelConfig(sourceLabels: ["__meta_sextant_vm_name"], targetLabel: "vm"),
        ])
        #expect(job.targets(from: groups).first?.labels["vm"] == "web-1")
    }
}
