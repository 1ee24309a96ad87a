import Collector
import Logging
import ServiceLifecycle
import Synchronization
import TSDB

/// Collects every provider's VM stats as `sextant_vm_*{vm, vm_id, provider, host}` series on
/// `collector.vm_interval`, and hands the VMs found to the scrape manager for the jobs with
/// `vm_sd_configs`. The Fleet's provider drivers register through ``setSources(_:)`` as
/// providers are configured; with none registered a pass writes nothing.
final class VMStatsService: Service, Sendable {
    let store: Store
    let scrapes: ScrapeManager
    let interval: Int64
    let logger: Logger
    let now: @Sendable () -> Int64
    private let collector = Mutex(VMStatsCollector(sources: []))
    /// Providers whose failure was already logged, until they answer again.
    private let failing = Mutex<Set<String>>([])

    init(store: Store, scrapes: ScrapeManager, interval: Int64, logger: Logger, now: @escaping @Sendable () -> Int64) {
        self.store = store
        self.scrapes = scrapes
        self.interval = interval
        self.logger = logger
        self.now = now
    }

    /// Replaces the providers asked on each pass; series of VMs the new set no longer
    /// reports get stale markers on the next pass.
    func setSources(_ sources: [any VMStatsSource]) {
        collector.withLock { $0 = $0.replacing(sources: sources) }
    }

    /// One pass: asks every provider, stores what they answer, updates discovery.
    @discardableResult
    func collect(at timestamp: Int64) async -> VMStatsCollector.Report {
        var pass = collector.withLock { $0 }
        var appender = store.appender()
        var report = await pass.collect(at: timestamp, into: &appender)
        do {
            try appender.commit()
        } catch {
            logger.error("storing VM stats failed", metadata: ["error": "\(error)"])
            report.appended = 0
        }
        // Keep the memory of this pass, with whatever sources were set meanwhile.
        collector.withLock { $0 = pass.replacing(sources: $0.sources) }
        scrapes.updateVMs(pass.inventory)
        let newlyFailing = failing.withLock { failing in
            let fresh = report.failures.filter { !failing.contains($0.key) }
            failing = Set(report.failures.keys)
            return fresh
        }
        for (provider, error) in newlyFailing {
            logger.warning("VM stats provider failed", metadata: ["provider": "\(provider)", "error": "\(error)"])
        }
        return report
    }

    func run() async throws {
        await AlignedTicker(interval: interval, now: now).run { time in await collect(at: time) }
    }
}
