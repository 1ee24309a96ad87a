import AsyncHTTPClient
import Alerting
public import Collector
public import Fleet
import Foundation
public import Hummingbird
public import Logging
import NIOCore
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
    public init(config: SextantConfig, logger: Logger, now: @escaping @Sendable () -> Int64 = SextantServer.wallClock) throws(ServeError) {
        self.config = config
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
        selfMetrics = SelfMetrics(registry: registry, startTime: startedAt.timeIntervalSince1970)
        pushConcurrency = PushConcurrency(limit: config.server.maxConcurrentPushes)
        var groups: [RuleGroup] = []
        do {
            if config.collector.builtinRules {
                groups = try RuleFileLoader.builtin(defaultInterval: config.global.evaluationInterval)
            }
            groups += try RuleFileLoader.load(config.ruleFiles, relativeTo: config.baseDirectory, defaultInterval: config.global.evaluationInterval)
        } catch {
            throw .rules(error)
        }
        do {
            notifications = try NotificationService(
                config: config.notifications ?? NotificationConfig(), forwarding: config.alertmanagers, store: AlertingStore(catalog: catalog), logger: logger, now: now)
        } catch {
            throw .catalog(error)
        }
        rules = RuleManager(
            groups: groups, engine: Self.engine(config), externalLabels: Labels(config.global.externalLabels),
            store: store, logger: logger, now: now,
            onEvaluation: { [notifications] evaluation, group in await notifications.receive(evaluation, group: group) }
        )
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
            startedAt: startedAt, rules: rules
        ).register(on: router, table: routes)
        PrometheusAPIRoutes(
            store: store, scrapes: scrapes, engine: Self.engine(config), cache: rangeCache,
            cacheFreshness: config.query.lookbackDelta + config.storage.outOfOrderWindow, now: now
        )
            .register(on: router, table: routes)
        PushRoutes(store: store, now: now, inFlight: pushConcurrency).register(on: router, table: routes)
        AlertingRoutes(rules: rules).register(on: router, table: routes)
        NotificationRoutes(service: notifications, now: now).register(on: router, table: routes)
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
            notifications,
            rules,
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

/// Why `sextant serve` could not start or stopped abnormally.
public enum ServeError: Error, CustomStringConvertible {
    case store(StorageError)
    case catalog(CatalogError)
    case rules(ConfigError)
    case listen(address: String, reason: String)
    case failed(String)

    public var description: String {
        switch self {
        case .store(let e): "cannot open the store: \(e)"
        case .catalog(let e): "\(e)"
        case .rules(let e): "invalid rule files: \(e.reason)"
        case .listen(let address, let reason): "cannot listen on \(address): \(reason)"
        case .failed(let reason): "server failed: \(reason)"
        }
    }
}
