import Alerting
import Fleet
import Foundation
import Hummingbird
import HTTPTypes
import TSDB

/// Silences, the alerts the notification pipeline holds (with acknowledgement and history)
/// and the delivery log. Silences use Alertmanager's v2 JSON shape, so its tools' payloads work.
struct NotificationRoutes {
    let service: NotificationService
    let silences: SilenceBook
    let now: @Sendable () -> Int64

    func register(on router: Router<SextantContext>, table: RouteTable) {
        router.on("/api/v1/silences", method: .get, table: table) { _, _ in
            let at = now()
            return json(try silences.all().reversed().map { SilenceBody($0, at: at) })
        }
        router.on("/api/v1/silences", method: .post, table: table) { request, context in
            let body = try await decodeJSONBody(SilenceRequest.self, from: request, context: context)
            let silence = try await silences.save(body, at: now())
            return json(["silenceID": silence.id])
        }
        router.on("/api/v1/silences/{id}", method: .get, table: table) { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let silence = try silences.find(id) else { throw APIError.notFound("no silence with id \(id)") }
            return json(SilenceBody(silence, at: now()))
        }
        router.on("/api/v1/silences/{id}", method: .delete, table: table) { _, context in
            let id = context.parameters.get("id") ?? ""
            let at = now()
            switch try await silences.expire(id, at: at) {
            case .expired(let silence): return json(SilenceBody(silence, at: at))
            case .alreadyExpired: throw APIError(.conflict, code: "conflict", message: "silence \(id) already expired")
            }
        }
        router.on("/api/v1/resources/alerts", method: .get, table: table) { request, _ in
            let at = now()
            let state = request.uri.queryParameters.get("state")
            if let state, !["active", "suppressed", "resolved"].contains(state) {
                throw APIError.badRequest("invalid parameter \"state\": must be active, suppressed or resolved")
            }
            let statuses = await service.dispatcher.statuses(at: at).filter { state == nil || $0.state == state }
            return json(["alerts": statuses.map(AlertBody.init)])
        }
        router.on("/api/v1/resources/alerts/history", method: .get, table: table) { request, _ in
            let query = request.uri.queryParameters
            var fingerprint: AlertFingerprint?
            if let id = query.get("id") {
                guard let parsed = AlertFingerprint(hex: id) else { throw APIError.badRequest("invalid parameter \"id\": expected 16 hex digits") }
                fingerprint = parsed
            }
            let limit = try Self.limit(query.get("limit"))
            var since: Int64?
            if let text = query.get("since") {
                guard let ms = RFC3339.milliseconds(text) else { throw APIError.badRequest("invalid parameter \"since\": expected an RFC 3339 time") }
                since = ms
            }
            let entries = try await Self.catalog { () throws(CatalogError) in
                try service.store.history(fingerprint: fingerprint, alertname: query.get("alertname"), since: since, limit: limit)
            }
            return json(["history": entries.map(HistoryBody.init)])
        }
        router.on("/api/v1/resources/alerts/{id}/acknowledge", method: .post, table: table) { request, context in
            let id = context.parameters.get("id") ?? ""
            guard let fingerprint = AlertFingerprint(hex: id) else { throw APIError.badRequest("invalid alert id \"\(id)\": expected 16 hex digits") }
            let body = try await decodeJSONBody(AcknowledgeRequest.self, from: request, context: context)
            let by = body.by.trimmingCharacters(in: .whitespaces)
            guard !by.isEmpty else { throw APIError.badRequest("\"by\" must name who acknowledges") }
            do {
                try await service.dispatcher.acknowledge(fingerprint, by: by, comment: body.comment ?? "", at: now())
            } catch let error as AcknowledgeError {
                switch error {
                case .unknownAlert: throw APIError.notFound(error.description)
                case .resolved: throw APIError(.conflict, code: "conflict", message: error.description)
                case .storage: throw APIError(.internalServerError, code: "internal", message: error.description)
                }
            }
            let status = await service.dispatcher.statuses(at: now()).first { $0.alert.fingerprint == fingerprint }
            return json(status.map(AlertBody.init))
        }
        router.on("/api/v1/notifications", method: .get, table: table) { request, _ in
            let query = request.uri.queryParameters
            var status: OutboxItem.Status?
            if let text = query.get("status") {
                guard let parsed = OutboxItem.Status(rawValue: text) else {
                    throw APIError.badRequest("invalid parameter \"status\": must be pending, delivered or failed")
                }
                status = parsed
            }
            let limit = try Self.limit(query.get("limit"))
            let items = try await Self.catalog { () throws(CatalogError) in try service.store.outbox(status: status, receiver: query.get("receiver"), limit: limit) }
            let stats = try await Self.catalog { () throws(CatalogError) in try service.store.deliveryStats() }
            return json(NotificationsBody(notifications: items.map(OutboxBody.init), integrations: stats.map(IntegrationBody.init)))
        }
    }

    static func limit(_ text: String?) throws -> Int {
        guard let text else { return 100 }
        guard let value = Int(text), (1...10_000).contains(value) else {
            throw APIError.badRequest("invalid parameter \"limit\": expected a number from 1 to 10000")
        }
        return value
    }

    /// Catalog failures are the server's fault: 500 with the reason.
    static func catalog<T>(_ body: () async throws(CatalogError) -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw APIError(.internalServerError, code: "internal", message: error.description)
        }
    }
}

// MARK: Bodies

private func time(_ ms: Int64) -> String { NotificationPayload.rfc3339(ms) }

struct AcknowledgeRequest: Decodable {
    var by: String
    var comment: String?
}

struct AlertBody: Encodable {
    struct Acknowledgement: Encodable {
        var by: String
        var at: String
        var comment: String
    }
    var id: String
    var labels: [String: String]
    var annotations: [String: String]
    var state: String
    var startsAt: String
    var endsAt: String?
    var value: Double?
    var generatorURL: String
    var silencedBy: [String]
    var inhibited: Bool
    var acknowledged: Acknowledgement?
    var receivers: [String]

    init(_ status: AlertStatus) {
        let alert = status.alert
        id = alert.fingerprint.description
        labels = Dictionary(alert.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        annotations = alert.annotations
        state = status.state
        startsAt = time(alert.startsAt)
        endsAt = alert.endsAt.map(time)
        value = alert.value.flatMap { $0.isFinite ? $0 : nil }
        generatorURL = alert.generatorURL
        silencedBy = status.silencedBy
        inhibited = status.inhibited
        acknowledged = status.acknowledgement.map { Acknowledgement(by: $0.by, at: time($0.at), comment: $0.comment) }
        receivers = status.receivers
    }
}

struct HistoryBody: Encodable {
    var at: String
    var id: String
    var alertname: String
    var labels: [String: String]
    var state: String
    var value: Double?

    init(_ entry: AlertingStore.HistoryEntry) {
        at = time(entry.at)
        id = entry.fingerprint.description
        alertname = entry.alertname
        labels = Dictionary(entry.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        state = entry.state
        value = entry.value
    }
}

struct OutboxBody: Encodable {
    var id: Int64
    var createdAt: String
    var receiver: String
    var integration: String
    var groupKey: String
    var status: String
    var notificationStatus: String
    var alerts: Int
    var attempts: Int
    var nextAttemptAt: String?
    var lastAttemptAt: String?
    var deliveredAt: String?
    var lastError: String?

    init(_ item: OutboxItem) {
        id = item.id
        createdAt = time(item.createdAt)
        receiver = item.receiver
        integration = item.integration
        groupKey = item.groupKey
        status = item.status.rawValue
        notificationStatus = item.payload.status
        alerts = item.payload.alerts.count + item.payload.truncatedAlerts
        attempts = item.attempts
        nextAttemptAt = item.status == .pending ? time(item.nextAttemptAt) : nil
        lastAttemptAt = item.lastAttemptAt.map(time)
        deliveredAt = item.deliveredAt.map(time)
        lastError = item.lastError
    }
}

struct IntegrationBody: Encodable {
    var integration: String
    var receiver: String
    var delivered: Int
    var failed: Int
    var pending: Int
    var attempts: Int
    var lastError: String?
    var lastDeliveredAt: String?

    init(_ stats: IntegrationDeliveryStats) {
        integration = stats.integration
        receiver = stats.receiver
        delivered = stats.delivered
        failed = stats.failed
        pending = stats.pending
        attempts = stats.attempts
        lastError = stats.lastError
        lastDeliveredAt = stats.lastDeliveredAt.map(time)
    }
}

struct NotificationsBody: Encodable {
    var notifications: [OutboxBody]
    var integrations: [IntegrationBody]
}
