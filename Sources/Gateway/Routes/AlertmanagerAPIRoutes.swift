import Alerting
import Foundation
import Hummingbird
import TSDB

/// Alertmanager 0.25's API v2 — paths, JSON shapes and status codes — so Prometheus's
/// `alerting:` block, `amtool` and Grafana's Alertmanager data source work against Sextant.
/// Posted alerts join the rule evaluator's in the same dispatcher; silences are the ones
/// `/api/v1/silences` manages. Errors are Alertmanager's: a JSON string with the reason.
struct AlertmanagerAPIRoutes {
    let service: NotificationService
    let silences: SilenceBook
    let startedAt: Date
    let now: @Sendable () -> Int64

    func register(on router: Router<SextantContext>, table: RouteTable) {
        router.on("/api/v2/status", method: .get, table: table) { _, _ in
            await AlertmanagerAPI.respond {
                let original = NotificationConfigRenderer.yaml(service.fileConfiguration)
                let uptime = RFC3339.format(Int64((startedAt.timeIntervalSince1970 * 1000).rounded()))
                return json(AlertmanagerStatusBody(config: .init(original: original), uptime: uptime))
            }
        }
        router.on("/api/v2/receivers", method: .get, table: table) { _, _ in
            await AlertmanagerAPI.respond {
                json(await service.dispatcher.config.receivers.map { GettableAlertBody.Receiver(name: $0.name) })
            }
        }
        router.on("/api/v2/alerts", method: .get, table: table) { request, _ in
            await AlertmanagerAPI.respond {
                let filter = try AlertFilter(AlertmanagerAPI.parameters(request),
                                             allowed: ["filter", "receiver", "silenced", "inhibited", "active", "unprocessed"])
                let timeout = await service.dispatcher.config.global.resolveTimeout
                let at = now()
                let alerts = await service.dispatcher.statuses(at: at)
                    .filter { filter.admits($0, resolveTimeout: timeout, at: at) && (filter.receiver == nil || $0.receivers.contains(where: filter.admits(receiver:))) }
                    .sorted { $0.alert.fingerprint.description < $1.alert.fingerprint.description }
                return json(alerts.map { GettableAlertBody($0, resolveTimeout: timeout) })
            }
        }
        router.on("/api/v2/alerts", method: .post, table: table) { request, context in
            await AlertmanagerAPI.respond {
                try await postAlerts(request, context: context)
            }
        }
        router.on("/api/v2/alerts/groups", method: .get, table: table) { request, _ in
            await AlertmanagerAPI.respond {
                let filter = try AlertFilter(AlertmanagerAPI.parameters(request), allowed: ["filter", "receiver", "silenced", "inhibited", "active"])
                let timeout = await service.dispatcher.config.global.resolveTimeout
                let at = now()
                let statuses = await service.dispatcher.statuses(at: at)
                let byFingerprint = Dictionary(statuses.map { ($0.alert.fingerprint, $0) }, uniquingKeysWith: { $1 })
                var bodies: [AlertGroupBody] = []
                for group in await service.dispatcher.groupStatuses() where filter.admits(receiver: group.receiver) {
                    let alerts = group.members.compactMap { byFingerprint[$0] }.filter { filter.admits($0, resolveTimeout: timeout, at: at) }
                        .sorted { $0.alert.fingerprint.description < $1.alert.fingerprint.description }
                    guard !alerts.isEmpty else { continue }
                    bodies.append(AlertGroupBody(
                        labels: Dictionary(group.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }),
                        receiver: .init(name: group.receiver), alerts: alerts.map { GettableAlertBody($0, resolveTimeout: timeout) }))
                }
                return json(bodies)
            }
        }
        router.on("/api/v2/silences", method: .get, table: table) { request, _ in
            await AlertmanagerAPI.respond {
                let filters = try AlertmanagerAPI.parameters(request).filter { $0.name == "filter" }.map { try AlertmanagerAPI.filterMatcher($0.value) }
                let at = now()
                let listed = SilenceBook.sorted(try silences.all(), at: at).filter { silence in
                    AlertmanagerAPI.matches(filters, Dictionary(silence.matchers.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }))
                }
                return json(listed.map { SilenceBody($0, at: at) })
            }
        }
        router.on("/api/v2/silences", method: .post, table: table) { request, context in
            await AlertmanagerAPI.respond {
                let body = try await decode(SilenceRequest.self, request, context: context, what: "silence")
                guard body.startsAt != nil else { throw APIError(.unprocessableContent, code: "", message: "startsAt in body is required") }
                let silence = try await silences.save(body, at: now())
                return json(["silenceID": silence.id])
            }
        }
        router.on("/api/v2/silence/{id}", method: .get, table: table) { _, context in
            await AlertmanagerAPI.respond {
                let id = try silenceID(context)
                guard let silence = try silences.find(id) else { throw APIError.notFound("silence not found") }
                return json(SilenceBody(silence, at: now()))
            }
        }
        router.on("/api/v2/silence/{id}", method: .delete, table: table) { _, context in
            await AlertmanagerAPI.respond {
                let id = try silenceID(context)
                do {
                    // Expiring an expired silence changes nothing, and is no error (Alertmanager 0.25).
                    _ = try await silences.expire(id, at: now())
                } catch let error as APIError where error.status == .notFound {
                    throw APIError.notFound("silence not found")
                }
                return AlertmanagerAPI.ok
            }
        }
    }

    /// Alertmanager's `postAlertsHandler`: every valid alert is taken even when others in
    /// the request are refused; the refusals come back together as a 400.
    private func postAlerts(_ request: Request, context: SextantContext) async throws -> Response {
        let posted = try await decode([PostableAlertBody].self, request, context: context, what: "alerts")
        var times: [(Int64?, Int64?)] = []
        for (index, alert) in posted.enumerated() {
            times.append(try alert.times(index: index))
            if let url = alert.generatorURL, !url.isEmpty, URL(string: url)?.scheme == nil {
                throw APIError(.unprocessableContent, code: "", message: "\(index).generatorURL in body must be of type uri: \"\(url)\"")
            }
        }
        let at = now()
        var accepted: [NotifiableAlert] = []
        var refusals: [String] = []
        for (alert, (start, end)) in zip(posted, times) {
            switch alert.alert(startsAt: start, endsAt: end, at: at) {
            case .success(let notifiable): accepted.append(notifiable)
            case .failure(let refusal): refusals.append(refusal.reason)
            }
        }
        if !accepted.isEmpty { await service.receivePosted(accepted) }
        if !refusals.isEmpty { throw APIError.badRequest(refusals.joined(separator: "; ")) }
        return AlertmanagerAPI.ok
    }

    private func silenceID(_ context: SextantContext) throws -> String {
        let id = context.parameters.get("id") ?? ""
        guard UUID(uuidString: id) != nil else {
            throw APIError(.unprocessableContent, code: "", message: "silenceID in path must be of type uuid: \"\(id)\"")
        }
        return id
    }

    /// A JSON body; a missing required field is a 422 as go-swagger answers it
    /// (`0.labels in body is required`), anything else unreadable a 400.
    private func decode<T: Decodable>(_ type: T.Type, _ request: Request, context: SextantContext, what: String) async throws -> T {
        let data = try await requestBody(request, context: context)
        if data.isEmpty { throw APIError.badRequest("parsing \(what) body failed: the request needs a JSON body") }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch DecodingError.keyNotFound(let key, let context) {
            let path = (context.codingPath + [key]).map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            throw APIError(.unprocessableContent, code: "", message: "\(path) in body is required")
        } catch let error as DecodingError {
            throw APIError.badRequest("parsing \(what) body failed: \(describe(error))")
        } catch {
            throw APIError.badRequest("parsing \(what) body failed: \(error.localizedDescription)")
        }
    }
}
