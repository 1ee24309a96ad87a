import Alerting
import Fleet
import Foundation
import Hummingbird
import HTTPTypes
import TSDB

/// `/api/v1/notifications/channels`: receivers managed through the API. Secrets go in
/// under `secrets`, are sealed in the catalog and never come back: responses list only
/// which secret fields are set.
struct ChannelRoutes {
    let service: NotificationService
    let now: @Sendable () -> Int64

    func register(on router: Router<SextantContext>, table: RouteTable) {
        router.on("/api/v1/notifications/channels", method: .get, table: table) { _, _ in
            json(["channels": try await channels().map(ChannelBody.init)])
        }
        router.on("/api/v1/notifications/channels", method: .post, table: table) { request, context in
            let body = try await decodeJSONBody(ChannelRequest.self, from: request, context: context)
            let at = now()
            let channel = try body.channel(id: UUID().uuidString.lowercased(), existing: nil, at: at)
            try await save(channel, replacing: nil)
            return json(ChannelBody(channel), status: .created)
        }
        router.on("/api/v1/notifications/channels/{id}", method: .get, table: table) { _, context in
            json(ChannelBody(try await channel(context.parameters.get("id") ?? "")))
        }
        router.on("/api/v1/notifications/channels/{id}", method: .put, table: table) { request, context in
            let existing = try await channel(context.parameters.get("id") ?? "")
            let body = try await decodeJSONBody(ChannelRequest.self, from: request, context: context)
            let channel = try body.channel(id: existing.id, existing: existing, at: now())
            try await save(channel, replacing: existing)
            return json(ChannelBody(channel))
        }
        router.on("/api/v1/notifications/channels/{id}", method: .delete, table: table) { _, context in
            let id = context.parameters.get("id") ?? ""
            let deleted = try await NotificationRoutes.catalog { () throws(CatalogError) in try service.store.deleteChannel(id: id) }
            guard deleted else { throw APIError.notFound("no channel with id \(id)") }
            try await reconfigure()
            return Response(status: .noContent)
        }
        router.on("/api/v1/notifications/channels/{id}/test", method: .post, table: table) { _, context in
            let channel = try await channel(context.parameters.get("id") ?? "")
            let receiver: Receiver
            do { receiver = try channel.receiver() } catch { throw APIError(.unprocessableContent, code: "unprocessable_entity", message: "\(error)") }
            let at = now()
            let alert = NotifiableAlert(
                labels: Labels(["alertname": "SextantTestNotification", "severity": "none", "channel": channel.name]),
                annotations: ["summary": "Test notification from Sextant", "description": "Sent by POST /api/v1/notifications/channels/\(channel.id)/test"],
                startsAt: at, updatedAt: at)
            let config = await service.dispatcher.config
            let payload = NotificationPayload(receiver: channel.name, groupKey: "{}/test:\(channel.id)", groupLabels: Labels(["alertname": "SextantTestNotification"]),
                                              alerts: [alert], externalURL: config.global.externalURL, at: at)
            var results: [TestResult] = []
            for integration in receiver.integrations {
                let (outcome, notes) = await service.sender.send(payload, via: integration, global: config.global, templates: config.templates, timeout: 10_000)
                switch outcome {
                case .delivered: results.append(TestResult(integration: integration.id, delivered: true, error: nil, notes: notes))
                case .retry(_, let reason), .failed(let reason):
                    results.append(TestResult(integration: integration.id, delivered: false, error: reason, notes: notes))
                }
            }
            let delivered = results.allSatisfy(\.delivered)
            return json(TestBody(delivered: delivered, results: results), status: delivered ? .ok : .badGateway)
        }
    }

    private func channels() async throws -> [NotificationChannel] {
        try await NotificationRoutes.catalog { () throws(CatalogError) in try service.store.channels(box: service.secrets) }
    }

    private func channel(_ id: String) async throws -> NotificationChannel {
        guard let found = try await channels().first(where: { $0.id == id }) else { throw APIError.notFound("no channel with id \(id)") }
        return found
    }

    private func save(_ channel: NotificationChannel, replacing existing: NotificationChannel?) async throws {
        do {
            _ = try channel.receiver()
        } catch {
            throw APIError.badRequest(error.description)
        }
        if service.fileReceiverExists(channel.name) {
            throw APIError(.conflict, code: "conflict", message: NotificationChannelError.nameTaken(channel.name).description + " in the configuration file")
        }
        if try await channels().contains(where: { $0.name == channel.name && $0.id != channel.id }) {
            throw APIError(.conflict, code: "conflict", message: NotificationChannelError.nameTaken(channel.name).description)
        }
        try await NotificationRoutes.catalog { () throws(CatalogError) in try service.store.saveChannel(channel, box: service.secrets) }
        try await reconfigure()
    }

    private func reconfigure() async throws {
        try await NotificationRoutes.catalog { () throws(CatalogError) in try await service.reconfigure() }
    }
}

struct ChannelRequest: Decodable {
    var name: String
    var type: String
    var settings: [String: String]?
    var secrets: [String: String]?
    /// Alertmanager matcher strings (`severity="critical"`); with them the channel routes itself.
    var matchers: [String]?
    var send_resolved: Bool?

    /// A new channel, or `existing` changed; secrets left out of an update are kept.
    func channel(id: String, existing: NotificationChannel?, at now: Int64) throws -> NotificationChannel {
        guard let kind = NotificationChannel.Kind(rawValue: type) else {
            throw APIError.badRequest("type must be one of \(NotificationChannel.Kind.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(type)\"")
        }
        var parsed: [LabelMatcher] = []
        for (index, text) in (matchers ?? []).enumerated() {
            do {
                parsed += try AlertMatchers.parse(text)
            } catch {
                throw APIError.badRequest("matchers[\(index)]: \(error)")
            }
        }
        var secrets = existing?.kind == kind ? existing?.secrets ?? [:] : [:]
        for (key, value) in self.secrets ?? [:] { secrets[key] = value }
        return NotificationChannel(
            id: id, name: name.trimmingCharacters(in: .whitespaces), kind: kind, settings: settings ?? [:], secrets: secrets, matchers: parsed,
            sendResolved: send_resolved ?? (kind == .webhook), createdAt: existing?.createdAt ?? now, updatedAt: now)
    }
}

struct ChannelBody: Encodable {
    var id: String
    var name: String
    var type: String
    var settings: [String: String]
    /// The names of the secret fields that are set; never their values.
    var secrets: [String]
    var matchers: [String]
    var send_resolved: Bool
    var created_at: String
    var updated_at: String

    init(_ channel: NotificationChannel) {
        id = channel.id
        name = channel.name
        type = channel.kind.rawValue
        settings = channel.settings
        secrets = channel.secrets.keys.sorted()
        matchers = channel.matchers.map(\.description)
        send_resolved = channel.sendResolved
        created_at = NotificationPayload.rfc3339(channel.createdAt)
        updated_at = NotificationPayload.rfc3339(channel.updatedAt)
    }
}

struct TestResult: Encodable {
    var integration: String
    var delivered: Bool
    var error: String?
    var notes: [String]
}

struct TestBody: Encodable {
    var delivered: Bool
    var results: [TestResult]
}
