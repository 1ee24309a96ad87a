import Alerting
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import TSDB

/// `/api/v1/rules` and `/api/v1/alerts` in Prometheus's shape.
struct AlertingRoutes {
    let rules: RuleManager

    func register(on router: Router<SextantContext>, table: RouteTable) {
        router.on("/api/v1/rules", method: .get, table: table) { request, _ in
            let type = request.uri.queryParameters.get("type")
            if let type, type != "alert", type != "record" {
                return PrometheusAPIError.badData("invalid parameter \"type\": must be alert or record").response()
            }
            return Self.ok(PrometheusJSON.success(capacity: 4096) { json in rulesBody(&json, type: type) })
        }
        router.on("/api/v1/alerts", method: .get, table: table) { _, _ in
            Self.ok(PrometheusJSON.success(capacity: 1024) { json in
                json.raw(#"{"alerts":["#)
                var first = true
                for evaluator in rules.evaluators {
                    for alert in evaluator.alerts where alert.state != .inactive {
                        if !first { json.raw(",") }
                        first = false
                        Self.alert(alert, into: &json)
                    }
                }
                json.raw("]}")
            })
        }
    }

    private func rulesBody(_ json: inout PrometheusJSON, type: String?) {
        json.raw(#"{"groups":["#)
        for (gi, evaluator) in rules.evaluators.enumerated() {
            if gi > 0 { json.raw(",") }
            let group = evaluator.group
            json.raw(#"{"name":"#); json.string(group.name)
            json.raw(#","file":"#); json.string(group.file)
            json.raw(#","interval":"#); json.bytes += Array(PromQLSeconds.format(group.interval).utf8)
            json.raw(#","limit":"#); json.int(Int64(group.limit))
            json.raw(#","rules":["#)
            let health = evaluator.ruleHealth
            let alerts = evaluator.alerts
            var first = true
            for (ri, rule) in group.rules.enumerated() {
                let isAlert: Bool = if case .alerting = rule { true } else { false }
                if let type, (type == "alert") != isAlert { continue }
                if !first { json.raw(",") }
                first = false
                let h = ri < health.count ? health[ri] : RuleHealth()
                json.raw(#"{"name":"#); json.string(rule.name)
                json.raw(#","query":"#); json.string(rule.query)
                switch rule {
                case .alerting(let a):
                    let mine = alerts.filter { $0.ruleIndex == ri && $0.state != .inactive }
                    let state = mine.contains { $0.state == .firing } ? "firing" : mine.isEmpty ? "inactive" : "pending"
                    json.raw(#","state":"#); json.string(state)
                    json.raw(#","duration":"#); json.bytes += Array(PromQLSeconds.format(a.holdDuration).utf8)
                    json.raw(#","keepFiringFor":"#); json.bytes += Array(PromQLSeconds.format(a.keepFiringFor).utf8)
                    json.raw(#","labels":"#); json.labels(Labels(a.labels.mapValues(\.text)))
                    json.raw(#","annotations":"#); json.labels(Labels(a.annotations.mapValues(\.text)))
                    json.raw(#","alerts":["#)
                    for (k, alert) in mine.enumerated() {
                        if k > 0 { json.raw(",") }
                        Self.alert(alert, into: &json)
                    }
                    json.raw(#"],"type":"alerting""#)
                case .recording(let r):
                    json.raw(#","labels":"#); json.labels(r.labels)
                    json.raw(#","type":"recording""#)
                }
                json.raw(#","health":"#); json.string(h.status.rawValue)
                if let error = h.lastError { json.raw(#","lastError":"#); json.string(error) }
                json.raw(#","evaluationTime":"#); json.bytes += Array(String(Self.seconds(h.evaluationDuration)).utf8)
                json.raw(#","lastEvaluation":"#); json.string(Self.rfc3339(h.lastEvaluation))
                json.raw("}")
            }
            json.raw(#"],"evaluationTime":"#)
            json.bytes += Array(String(health.reduce(0) { $0 + Self.seconds($1.evaluationDuration) }).utf8)
            json.raw(#","lastEvaluation":"#); json.string(Self.rfc3339(evaluator.lastEvaluation))
            json.raw("}")
        }
        json.raw("]}")
    }

    static func alert(_ alert: ActiveAlert, into json: inout PrometheusJSON) {
        json.raw(#"{"labels":"#); json.labels(alert.labels)
        json.raw(#","annotations":"#); json.labels(Labels(alert.annotations))
        json.raw(#","state":"#); json.string(alert.state.rawValue)
        json.raw(#","activeAt":"#); json.string(rfc3339(alert.activeAt))
        json.raw(#","value":"#); json.string(AlertValue.format(alert.value))
        json.raw("}")
    }

    static func rfc3339(_ ms: Int64?) -> String {
        guard let ms else { return "0001-01-01T00:00:00Z" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    static func seconds(_ d: Duration) -> Double {
        let (s, atto) = d.components
        return Double(s) + Double(atto) / 1e18
    }

    static func ok(_ bytes: [UInt8]) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Durations in the rules API are seconds as numbers (`300`, `0.5`).
enum PromQLSeconds {
    static func format(_ ms: Int64) -> String {
        ms % 1000 == 0 ? String(ms / 1000) : String(Double(ms) / 1000)
    }
}
