import Collector
import Foundation
import Testing
import TSDB
@testable import Gateway

/// A provider answering from a table the test controls, at the seam the Fleet's drivers
/// (libvirt, AWS) implement; their own tests talk to the real hypervisors.
private struct TableSource: VMStatsSource {
    let providerName: String
    var table: [VMIdentity: VMStats]
    var failure: String?

    struct Unreachable: Error, CustomStringConvertible { let description: String }

    func listVMs() async throws -> [VMIdentity] {
        if let failure { throw Unreachable(description: failure) }
        return Array(table.keys)
    }

    func stats(for vms: [VMIdentity]) async throws -> [VMIdentity: VMStats] { table.filter { vms.contains($0.key) } }
}

/// The server's VM stats pass: provider stats become stored series, and the VMs become
/// scrape targets for `vm_sd_configs` jobs, relabeled from their meta labels.
struct VMStatsServiceTests {
    let web = VMIdentity(name: "web-1", id: "6f1c", provider: "lab", host: "hv1", addresses: ["192.0.2.10"])
    let db = VMIdentity(name: "db-1", id: "9a2e", provider: "lab", host: "hv1", addresses: [])

    func server() throws -> TestServer {
        try TestServer(configure: {
            $0.collector.selfScrape = false
            $0.scrapeConfigs = [ScrapeConfig(
                jobName: "vms", vmSDPorts: [9100],
                relabelConfigs: [RelabelConfig(sourceLabels: ["__meta_sextant_vm_name"], targetLabel: "vm")])]
        })
    }

    @Test func statsAreStoredAndVMsWithAnAddressBecomeTargets() async throws {
        let test = try server()
        let sextant = test.server
        sextant.scrapes.apply(sextant.config.effectiveScrapeConfigs)
        #expect(sextant.scrapes.targets.filter { $0.target.job == "vms" }.isEmpty)

        sextant.vmStats.setSources([TableSource(providerName: "lab", table: [
            web: VMStats(cpuSeconds: 12.5, memoryUsedBytes: 2_048, running: true), db: VMStats(cpuSeconds: 3, running: false),
        ])])
        let report = await sextant.vmStats.collect(at: 60_000)
        #expect(report.vms == 2)
        #expect(report.failures.isEmpty)

        let cpu = try sextant.store.querier().select([.equal("__name__", "sextant_vm_cpu_seconds_total")], mint: 0, maxt: 60_000, hints: .init())
        #expect(Set(cpu.map { $0.labels["vm"] ?? "" }) == ["web-1", "db-1"])
        #expect(cpu.first { $0.labels["vm"] == "web-1" }?.labels == Labels([
            "__name__": "sextant_vm_cpu_seconds_total", "vm": "web-1", "vm_id": "6f1c", "provider": "lab", "host": "hv1"]))
        let up = try sextant.store.querier().select([.equal("__name__", "sextant_vm_up"), .equal("vm", "db-1")], mint: 0, maxt: 60_000, hints: .init())
        var cursor = try #require(up.first).samples
        #expect(cursor.next()?.value == 0, "a stopped VM reads as down")

        let targets = sextant.scrapes.targets.filter { $0.target.job == "vms" }
        #expect(targets.map(\.target.url) == ["http://192.0.2.10:9100/metrics"], "db-1 has no address")
        #expect(targets.first?.target.labels["vm"] == "web-1")
    }

    @Test func anUnreachableProviderKeepsItsSeriesAndItsTargets() async throws {
        let test = try server()
        let sextant = test.server
        sextant.scrapes.apply(sextant.config.effectiveScrapeConfigs)
        var source = TableSource(providerName: "lab", table: [web: VMStats(cpuSeconds: 1, running: true)])
        sextant.vmStats.setSources([source])
        await sextant.vmStats.collect(at: 60_000)
        source.failure = "connection refused"
        sextant.vmStats.setSources([source])
        let report = await sextant.vmStats.collect(at: 75_000)
        #expect(report.failures["lab"] == "connection refused")
        let cpu = try sextant.store.querier().select([.equal("__name__", "sextant_vm_cpu_seconds_total")], mint: 0, maxt: 75_000, hints: .init())
        var cursor = try #require(cpu.first).samples
        #expect(cursor.collect().map(\.value) == [1], "no stale marker: unknown is not gone")
        #expect(sextant.scrapes.targets.filter { $0.target.job == "vms" }.count == 1)
    }
}
