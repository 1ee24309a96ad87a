public import AsyncHTTPClient
public import Logging
public import ServiceLifecycle
import Synchronization
public import TSDB

/// Runs one scrape loop per target, each on its own interval with a fixed offset derived
/// from the target (so targets spread over the interval instead of firing together), and
/// keeps their health for `/api/v1/targets`.
public final class ScrapeManager: Service, Sendable {
    private let store: Store
    private let clientConfiguration: HTTPClient.Configuration
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let state = Mutex<State>(State())
    /// TYPE, HELP and UNIT from every target's latest scrape.
    public let metadata = MetricMetadataStore()

    struct State {
        var configs: [ScrapeConfig] = []
        /// Target groups from `file_sd_configs`, by job.
        var fileGroups: [String: [ScrapeConfig.StaticConfig]] = [:]
        /// The VMs the providers reported last, for `vm_sd_configs`.
        var vms: [VMIdentity] = []
        var health: [String: TargetHealth] = [:]
        /// Wakes `run` when targets change.
        var changed: AsyncStream<Void>.Continuation?
    }

    /// - Parameter now: the clock, in ms since the epoch (injected for tests).
    /// The HTTP client lives as long as ``run()``: it is created there and shut down when
    /// the service stops.
    public init(store: Store, clientConfiguration: HTTPClient.Configuration, logger: Logger, now: @escaping @Sendable () -> Int64) {
        self.store = store
        self.clientConfiguration = clientConfiguration
        self.logger = logger
        self.now = now
    }

    /// Replaces the scrape configuration; loops of removed targets stop, new ones start.
    public func apply(_ configs: [ScrapeConfig]) {
        state.withLock { state in
            state.configs = configs
            state.fileGroups = state.fileGroups.filter { job in configs.contains { $0.jobName == job.key } }
            Self.reconcileHealth(&state)
        }
        refreshFileSD()
    }

    /// Every target to scrape: static and file-discovered, after relabeling.
    static func targets(_ state: State) -> [ScrapeTarget] {
        state.configs.flatMap { config in
            let vmGroups = config.vmSDPorts.flatMap { VMIdentity.targetGroups(state.vms, port: $0) }
            return config.targets(from: config.staticConfigs + (state.fileGroups[config.jobName] ?? []) + vmGroups)
        }
    }

    /// Keeps the health of targets that remain, starts new ones as unknown, wakes `run`.
    private static func reconcileHealth(_ state: inout State) {
        var health: [String: TargetHealth] = [:]
        for target in Self.targets(state) { health[target.url] = state.health[target.url] ?? TargetHealth(target: target) }
        state.health = health
        state.changed?.yield()
    }

    /// Re-reads every job's `file_sd_configs`. A file that fails keeps the job's previous
    /// targets, as Prometheus does, and is logged.
    public func refreshFileSD() {
        let jobs = state.withLock { $0.configs.filter { !$0.fileSDFiles.isEmpty } }
        guard !jobs.isEmpty else { return }
        var updates: [String: [ScrapeConfig.StaticConfig]] = [:]
        for job in jobs {
            let (groups, failures) = FileSD.read(job.fileSDFiles)
            for failure in failures { logger.warning("file_sd: \(failure)", metadata: ["job": "\(job.jobName)"]) }
            if failures.isEmpty || !groups.isEmpty { updates[job.jobName] = groups }
        }
        state.withLock { state in
            for (job, groups) in updates { state.fileGroups[job] = groups }
            Self.reconcileHealth(&state)
        }
    }

    /// Replaces the VMs `vm_sd_configs` jobs discover targets from (the VM stats
    /// collector's inventory after each collection). Loops start and stop only when it changed.
    public func updateVMs(_ vms: [VMIdentity]) {
        state.withLock { state in
            let sorted = vms.sorted { ($0.provider, $0.id) < ($1.provider, $1.id) }
            guard sorted != state.vms else { return }
            state.vms = sorted
            if state.configs.contains(where: { !$0.vmSDPorts.isEmpty }) { Self.reconcileHealth(&state) }
        }
    }

    /// Every target's last known health, sorted by job then URL.
    public var targets: [TargetHealth] {
        state.withLock { Array($0.health.values) }.sorted { ($0.target.job, $0.target.url) < ($1.target.job, $1.target.url) }
    }

    public func run() async throws {
        let (changes, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        state.withLock { $0.changed = continuation }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        await withGracefulShutdownHandler {
            var running: [String: Task<Void, Never>] = [:]
            func reconcile() {
                let targets = state.withLock { Self.targets($0) }
                let wanted = Dictionary(targets.map { ($0.url, $0) }, uniquingKeysWith: { first, _ in first })
                for (url, task) in running where wanted[url] == nil {
                    task.cancel()
                    running[url] = nil
                }
                for (url, target) in wanted where running[url] == nil {
                    running[url] = Task { await self.loop(target, client: client) }
                }
            }
            reconcile()
            let refresher = Task {
                while !Task.isCancelled {
                    let interval = state.withLock { $0.configs.filter { !$0.fileSDFiles.isEmpty }.map(\.fileSDRefresh).min() } ?? 30_000
                    do { try await Task.sleep(for: .milliseconds(interval)) } catch { return }
                    refreshFileSD()
                }
            }
            for await _ in changes { reconcile() }
            refresher.cancel()
            for task in running.values { task.cancel() }
            for task in running.values { await task.value }
        } onGracefulShutdown: {
            continuation.finish()
        }
        do {
            try await client.shutdown()
        } catch {
            logger.warning("shutting down the scrape HTTP client failed", metadata: ["error": "\(error)"])
        }
    }

    private func loop(_ target: ScrapeTarget, client: HTTPClient) async {
        var loop = ScrapeLoop(target: target, store: store, client: client, metadata: metadata)
        defer { metadata.remove(target: target.url) }
        let interval = target.interval
        // A stable offset within the interval from the target's URL.
        var hasher = FNV1a()
        hasher.combine(target.url)
        let offset = Int64(hasher.value % UInt64(max(interval, 1)))
        var next = (now() / interval) * interval + offset
        if next < now() { next += interval }
        while !Task.isCancelled {
            let wait = next - now()
            if wait > 0 {
                do { try await Task.sleep(for: .milliseconds(wait)) } catch { return }
            }
            let health = state.withLock { $0.health[target.url] } ?? TargetHealth(target: target)
            let updated = await loop.scrape(at: next, health: health)
            if updated.state == .down && health.state != .down {
                logger.warning("scrape target down", metadata: ["target": "\(target.url)", "error": "\(updated.lastError)"])
            }
            state.withLock { state in
                if state.health[target.url] != nil { state.health[target.url] = updated }
            }
            next += interval
            // Skip ticks missed while the process was stalled instead of bursting.
            while next + interval <= now() { next += interval }
        }
    }
}

/// 64-bit FNV-1a: stable across runs, unlike `Hasher`.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func combine(_ s: String) {
        for byte in s.utf8 {
            value ^= UInt64(byte)
            value &*= 0x100_0000_01b3
        }
    }
}
