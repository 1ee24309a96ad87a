import Alerting
import Collector
import Fleet
import Foundation
import Hummingbird
import NIOCore
import Prometheus
import TSDB
import HTTPTypes

/// Liveness, readiness, health, build info and Sextant's own `/metrics`.
struct StatusRoutes {
    let store: Store
    let catalog: Catalog
    let scrapes: ScrapeManager
    let readiness: Readiness
    let selfMetrics: SelfMetrics
    let startedAt: Date
    let rules: RuleManager
    var notifications: NotificationService? = nil

    func register(on router: Router<SextantContext>, table: RouteTable) {
        router.on("/health", method: .get, table: table) { _, _ in
            json(Health(status: readiness.isReady ? "ok" : "starting", version: BuildInfo.version, uptime_seconds: uptime()))
        }
        router.on("/health/detailed", method: .get, table: table) { _, _ in
            let components = [probeStore(), probeCatalog(), probeCollector(), probeAlerting()]
            let status = components.allSatisfy { $0.status != "down" } ? "ok" : "degraded"
            var response = json(DetailedHealth(status: status, version: BuildInfo.version, uptime_seconds: uptime(), components: components))
            if status != "ok" { response.status = .serviceUnavailable }
            return response
        }
        router.on("/-/healthy", method: .get, table: table) { _, _ in
            text("Sextant is Healthy.\n")
        }
        router.on("/-/ready", method: .get, table: table) { _, _ in
            guard readiness.isReady else {
                var response = text("Sextant is not ready.\n")
                response.status = .serviceUnavailable
                return response
            }
            return text("Sextant is Ready.\n")
        }
        router.on("/api/v1/status/buildinfo", method: .get, table: table) { _, _ in
            json(PrometheusEnvelope(data: [
                "version": BuildInfo.compatiblePrometheusVersion,
                "revision": BuildInfo.revision,
                "branch": BuildInfo.branch,
                "buildUser": "sextant",
                "buildDate": "",
                "goVersion": "swift" + BuildInfo.swiftVersion,
                "sextantVersion": BuildInfo.version,
            ]))
        }
        router.on("/metrics", method: .get, table: table) { _, _ in
            selfMetrics.refresh(store: store)
            if let deliveries = try? notifications?.store.deliveryStats() { selfMetrics.refresh(deliveries: deliveries) }
            var buffer: [UInt8] = []
            selfMetrics.registry.emit(into: &buffer)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
    }

    private func uptime() -> Double { Date().timeIntervalSince(startedAt) }

    private func timed(_ name: String, _ body: () throws -> [String: String]) -> ComponentHealth {
        let start = ContinuousClock.now
        do {
            let detail = try body()
            return ComponentHealth(name: name, status: "up", latency_ms: Self.ms(ContinuousClock.now - start), detail: detail)
        } catch {
            return ComponentHealth(name: name, status: "down", latency_ms: Self.ms(ContinuousClock.now - start), detail: ["error": "\(error)"])
        }
    }

    private func probeStore() -> ComponentHealth {
        timed("store") {
            let stats = store.stats
            _ = try store.querier().labelValues(Labels.metricName, matching: [], mint: .min, maxt: .max)
            return ["series": String(stats.series), "head_samples": String(stats.headSamples), "wal_bytes": String(stats.walBytes)]
        }
    }

    private func probeCatalog() -> ComponentHealth {
        timed("catalog") {
            try catalog.probe()
            return ["path": catalog.path]
        }
    }

    private func probeCollector() -> ComponentHealth {
        timed("collector") {
            let targets = scrapes.targets
            let up = targets.filter { $0.state == .up }.count
            let down = targets.filter { $0.state == .down }.count
            return ["targets": String(targets.count), "up": String(up), "down": String(down)]
        }
    }

    private func probeAlerting() -> ComponentHealth {
        timed("alerting") {
            let evaluators = rules.evaluators
            let health = evaluators.flatMap(\.ruleHealth)
            let firing = evaluators.flatMap(\.alerts).filter { $0.state == .firing }.count
            return ["rule_groups": String(evaluators.count), "rules": String(health.count),
                    "rules_failing": String(health.filter { $0.status == .err }.count), "alerts_firing": String(firing)]
        }
    }

    static func ms(_ d: Duration) -> Double {
        let (s, atto) = d.components
        return (Double(s) * 1000 + Double(atto) / 1e15).rounded(toPlaces: 3)
    }
}

struct Health: Encodable {
    let status: String
    let version: String
    let uptime_seconds: Double
}

struct DetailedHealth: Encodable {
    let status: String
    let version: String
    let uptime_seconds: Double
    let components: [ComponentHealth]
}

struct ComponentHealth: Encodable {
    let name: String
    let status: String
    let latency_ms: Double
    let detail: [String: String]
}

/// Prometheus's success envelope: `{"status":"success","data":...}`.
struct PrometheusEnvelope<T: Encodable>: Encodable {
    var status = "success"
    let data: T
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}

func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
    var headers = HTTPFields()
    headers[.contentType] = "application/json; charset=utf-8"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

func text(_ value: String, status: HTTPResponse.Status = .ok) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "text/plain; charset=utf-8"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value)))
}
