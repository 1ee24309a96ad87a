import AsyncHTTPClient
import Alerting
public import Collector
public import Fleet
import Foundation
public import Hummingbird
public import Logging
import NIOCore
import HTTPTypes
public import Prometheus
import Query
import ServiceLifecycle
import Synchronization
public import TSDB
import NIOHTTPCompression
import UnixSignals

/// Every part of a running Sextant, built from a configuration: the store, the catalog,
/// the scrapers, the metrics registry and the router. `sextant serve` runs it; tests
/// build it on a temporary directory and call its router or run it on port 0.
public final class SextantServer: Sendable {
    public let config: SextantConfig
    public let store: Store
    public let catalog: Catalog
    public let scrapes: ScrapeManager
    /// Where the Fleet's provider drivers report VM stats (see ``VMStatsService``).
    let vmStats: VMStatsService
    public let readiness = Readiness()
    public let registry = PrometheusCollectorRegistry()
    public let routes = RouteTable()
    let rangeCache = QueryRangeCache()
    let pushConcurrency: PushConcurrency
    let logger: Logger
    let selfMetrics: SelfMetrics
    let rules: RuleManager
    let notifications: NotificationService
    let startedAt: Date
    let now: @Sendable () -> Int64
    private let boundAddress = Mutex<String?>(nil)

    /// Opens the store (replaying its WAL) and the catalog (migrating it).
    /// Reads the configuration again, for `POST /-/reload` and SIGHUP; nil: reload is refused.
    let loadConfiguration: (@Sendable () throws -> SextantConfig)?
    private let running: Mutex<SextantConfig>

    public init(
        config: SextantConfig, logger: Logger, now: @escaping @Sendable () -> Int64 = SextantServer.wallClock,
        reload: (@Sendable () throws -> SextantConfig)? = nil
    ) throws(ServeError) {
        self.config = config
        loadConfiguration = reload
        running = Mutex(config)
        self.logger = logger
        self.now = now
        startedAt = Date()
        do {
            store = try Store(options: config.storeOptions, logger: logger)
        } catch {
            throw .store(error)
        }
        do {
            catalog = try Catalog(path: config.catalogPath)
        } catch {
            throw .catalog(error)
        }
        var clientConfig = HTTPClient.Configuration()
        clientConfig.decompression = .enabled(limit: .ratio(50))
        clientConfig.redirectConfiguration = .follow(max: 5, allowCycles: false)
        scrapes = ScrapeManager(store: store, clientConfiguration: clientConfig, logger: logger, now: now)
        vmStats = VMStatsService(store: store, scrapes: scrapes, interval: config.collector.vmInterval, logger: logger, now: now)
        selfMetrics = SelfMetrics(registry: registry, startTime: startedAt.timeIntervalSince1970)
        pushConcurrency = PushConcurrency(limit: config.server.maxConcurrentPushes)
        let groups: [RuleGroup]
        do {
            groups = try Self.ruleGroups(config)
        } catch {
            throw .rules(error)
        }
        let secrets: SecretBox
        do {
            secrets = try SecretBox.load(environment: ProcessInfo.processInfo.environment, keyFile: config.storage.path + "/secret.key")
            try catalog.verify(secrets)
        } catch {
            throw .secrets(error)
        }
        do {
            notifications = try NotificationService(
                config: config.notifications ?? NotificationConfig(), forwarding: config.alertmanagers, store: AlertingStore(catalog: catalog),
                secrets: secrets,
                retention: NotificationService.Retention(notifications: config.catalog.notificationRetention, history: config.storage.retentionTime),
                logger: logger, now: now)
        } catch {
            throw .catalog(error)
        }
        rules = RuleManager(
            groups: groups, engine: Self.engine(config), externalLabels: Labels(config.global.externalLabels),
            store: store, logger: logger, now: now,
            onEvaluation: { [notifications] evaluation, group in await notifications.receive(evaluation, group: group) }
        )
    }

    static func ruleGroups(_ config: SextantConfig) throws(ConfigError) -> [RuleGroup] {
        var groups: [RuleGroup] = []
        if config.collector.builtinRules {
            groups = try RuleFileLoader.builtin(defaultInterval: config.global.evaluationInterval)
        }
        groups += try RuleFileLoader.load(config.ruleFiles, relativeTo: config.baseDirectory, defaultInterval: config.global.evaluationInterval)
        return groups
    }

    /// Reads the configuration and rule files again and applies what can change while
    /// running: rule groups, notification routing, receivers and forwarding, scrape
    /// targets. A configuration that fails to load changes nothing. Settings that need a
    /// restart (listen address, storage, catalog) are reported in the log.
    public func reload() async throws(ReloadError) {
        guard let loadConfiguration else { throw .unavailable }
        let next: SextantConfig
        let groups: [RuleGroup]
        do {
            next = try loadConfiguration()
            groups = try Self.ruleGroups(next)
        } catch {
            logger.error("reload failed; the running configuration stays", metadata: ["error": "\(error)"])
            throw .invalid("\(error)")
        }
        let previous = running.withLock { current in
            defer { current = next }
            return current
        }
        if next.server != previous.server || next.storage != previous.storage || next.catalog != previous.catalog {
            logger.warning("server, storage and catalog settings changed on reload take effect after a restart")
        }
        rules.replace(groups)
        do {
            try await notifications.reconfigure(next.notifications ?? NotificationConfig())
        } catch {
            throw .invalid("\(error)")
        }
        var scrapeConfigs = next.effectiveScrapeConfigs
        if let address = listeningAddress, let index = scrapeConfigs.firstIndex(where: { $0.jobName == "sextant" }), next.collector.selfScrape {
            scrapeConfigs[index].staticConfigs = [.init(targets: [address])]
        }
        scrapes.apply(scrapeConfigs)
        try? catalog.recordAudit(AuditEvent(at: Date().timeIntervalSince1970, actor: "system", action: "config.reload", target: "sextant"))
        logger.info("configuration reloaded", metadata: ["rule_groups": "\(groups.count)"])
    }

    static func engine(_ config: SextantConfig) -> Engine {
        Engine(options: EngineOptions(
            lookbackDelta: config.query.lookbackDelta, maxSamples: config.query.maxSamples, timeout: .milliseconds(config.query.timeout),
            defaultSubqueryStep: config.global.evaluationInterval
        ))
    }

    public static let wallClock: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// The address the server is listening on once it runs (`host:port`).
    public var listeningAddress: String? { boundAddress.withLock { $0 } }

    public func makeRouter() -> Router<SextantContext> {
        let router = Router(context: SextantContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: HTTPMetricsMiddleware(factory: PrometheusMetricsFactory(registry: registry)))
        router.add(middleware: AccessLogMiddleware())
        router.add(middleware: CORSPolicyMiddleware(origins: config.server.corsOrigins))
        router.add(middleware: GzipMiddleware())
        router.add(middleware: ErrorEnvelopeMiddleware(routes: routes))
        router.add(middleware: BodyLimitMiddleware(limit: config.server.maxBodySize))
        StatusRoutes(
            store: store, catalog: catalog, scrapes: scrapes, readiness: readiness, selfMetrics: selfMetrics,
            startedAt: startedAt, rules: rules, notifications: notifications
        ).register(on: router, table: routes)
        PrometheusAPIRoutes(
            store: store, scrapes: scrapes, engine: Self.engine(config), cache: rangeCache,
            cacheFreshness: config.query.lookbackDelta + config.storage.outOfOrderWindow, now: now
        )
            .register(on: router, table: routes)
        PushRoutes(store: store, now: now, inFlight: pushConcurrency).register(on: router, table: routes)
        AlertingRoutes(rules: rules).register(on: router, table: routes)
        let silences = SilenceBook(service: notifications)
        NotificationRoutes(service: notifications, silences: silences, now: now).register(on: router, table: routes)
        AlertmanagerAPIRoutes(service: notifications, silences: silences, startedAt: startedAt, now: now).register(on: router, table: routes)
        ChannelRoutes(service: notifications, now: now).register(on: router, table: routes)
        for method in [HTTPRequest.Method.post, .put] {
            router.on("/-/reload", method: method, table: routes) { [self] _, _ in
                do {
                    try await reload()
                    return text("")
                } catch {
                    // Prometheus answers a failed reload with 500 and the reason.
                    throw APIError(.internalServerError, code: "reload_failed", message: "failed to reload config: \(error)")
                }
            }
        }
        return router
    }

    /// The Hummingbird application with Sextant's services attached. Shutdown runs in
    /// reverse: the server stops taking requests and drains, then scrapes stop, then the
    /// catalog and finally the store close.
    public func makeApplication() throws(ServeError) -> some ApplicationProtocol {
        let (host, port) = try Self.split(config.server.listen)
        var services: [any Service] = [
            StoreService(store: store, logger: logger, now: now),
            CatalogService(close: { [catalog] in try catalog.close() }, logger: logger),
            scrapes,
            vmStats,
            notifications,
            rules,
            ReloadSignalService(reload: { [self] in try? await reload() }),
        ]
        if config.collector.host {
            services.append(HostCollectorService(store: store, interval: config.collector.hostInterval, logger: logger, now: now))
        }
        return Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(host, port: port), serverName: "Sextant/\(BuildInfo.version)"),
            services: services,
            onServerRunning: { [self] channel in
                let port = channel.localAddress?.port ?? port
                let address = "\(host):\(port)"
                boundAddress.withLock { $0 = address }
                var scrapeConfigs = config.effectiveScrapeConfigs
                if let index = scrapeConfigs.firstIndex(where: { $0.jobName == "sextant" }), config.collector.selfScrape {
                    scrapeConfigs[index].staticConfigs = [.init(targets: [address])]
                }
                scrapes.apply(scrapeConfigs)
                readiness.markReady()
                try? catalog.recordAudit(AuditEvent(at: Date().timeIntervalSince1970, actor: "system", action: "server.start", target: address))
                logger.info("Sextant is listening", metadata: ["address": "\(address)", "version": "\(BuildInfo.version)"])
            },
            logger: logger
        )
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully within
    /// `server.shutdown_timeout`.
    public func run() async throws(ServeError) {
        let app = try makeApplication()
        let group = ServiceGroup(configuration: .init(
            services: [app],
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger
        ).withShutdownTimeout(config.server.shutdownTimeout))
        do {
            try await group.run()
        } catch {
            if listeningAddress == nil {
                throw .listen(address: config.server.listen, reason: Self.describe(error))
            }
            throw .failed(Self.describe(error))
        }
        logger.info("Sextant stopped")
    }

    static func describe(_ error: any Error) -> String {
        if let lifecycle = error as? ServiceGroupError {
            return "\(lifecycle)"
        }
        return "\(error)"
    }

    static func split(_ listen: String) throws(ServeError) -> (String, Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            throw .listen(address: listen, reason: "not host:port")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }
}

extension ServiceGroupConfiguration {
    func withShutdownTimeout(_ ms: Int64) -> ServiceGroupConfiguration {
        var copy = self
        copy.maximumGracefulShutdownDuration = .milliseconds(ms)
        copy.maximumCancellationDuration = .seconds(5)
        return copy
    }
}

public enum ReloadError: Error, CustomStringConvertible {
    case unavailable
    case invalid(String)

    public var description: String {
        switch self {
        case .unavailable: "this server was started without a configuration loader"
        case .invalid(let reason): reason
        }
    }
}

/// Why `sextant serve` could not start or stopped abnormally.
public enum ServeError: Error, CustomStringConvertible {
    case store(StorageError)
    case catalog(CatalogError)
    case rules(ConfigError)
    case secrets(SecretError)
    case listen(address: String, reason: String)
    case failed(String)

    public var description: String {
        switch self {
        case .store(let e): "cannot open the store: \(e)"
        case .catalog(let e): "\(e)"
        case .rules(let e): "invalid rule files: \(e.reason)"
        case .secrets(let e): "\(e)"
        case .listen(let address, let reason): "cannot listen on \(address): \(reason)"
        case .failed(let reason): "server failed: \(reason)"
        }
    }
}
