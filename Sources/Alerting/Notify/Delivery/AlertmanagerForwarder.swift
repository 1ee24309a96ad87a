public import AsyncHTTPClient
import Foundation
public import Logging
import NIOCore
import NIOHTTP1
import TSDB

/// Sends alerts to external Alertmanagers as Prometheus's notifier does (`alerting:` in
/// `prometheus.yml`): firing alerts with `endsAt` four resend delays ahead, resolved ones
/// with their end, each re-sent at most once a minute unless its state changed, POSTed to
/// every endpoint's `/api/v2/alerts`.
///
/// No outbox here, on purpose: every evaluation re-sends the full current state and
/// Alertmanager deduplicates, so a lost POST is repaired by the next one — the same
/// contract Prometheus keeps with Alertmanager.
public actor AlertmanagerForwarder {
    public static let resendDelay: Int64 = 60_000

    private let forwarding: AlertmanagerForwarding
    private let http: HTTPClient
    private let logger: Logger
    private var lastSent: [AlertFingerprint: (at: Int64, resolved: Bool)] = [:]
    public private(set) var sent = 0
    public private(set) var errors = 0
    public private(set) var lastError: String?

    public init(forwarding: AlertmanagerForwarding, http: HTTPClient, logger: Logger) {
        self.forwarding = forwarding
        self.http = http
        self.logger = logger
    }

    struct Wire: Encodable {
        var labels: [String: String]
        var annotations: [String: String]
        var startsAt: String
        var endsAt: String
        var generatorURL: String
    }

    /// The alerts of one evaluation (firing and resolved); sends those that need sending.
    public func forward(_ alerts: [NotifiableAlert], at now: Int64) async {
        guard !forwarding.endpoints.isEmpty else { return }
        var batch: [Wire] = []
        for alert in alerts {
            let fingerprint = alert.fingerprint
            let resolved = alert.isResolved(at: now)
            if let last = lastSent[fingerprint], last.resolved == resolved, last.at + Self.resendDelay > now { continue }
            lastSent[fingerprint] = (now, resolved)
            batch.append(Wire(
                labels: Dictionary(alert.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }), annotations: alert.annotations,
                startsAt: NotificationPayload.rfc3339(alert.startsAt),
                endsAt: NotificationPayload.rfc3339(alert.endsAt ?? now + 4 * Self.resendDelay), generatorURL: alert.generatorURL))
        }
        lastSent = lastSent.filter { $0.value.at > now - 60 * 60_000 }
        guard !batch.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let body = try? encoder.encode(batch) else { return }
        for endpoint in forwarding.endpoints {
            var request = HTTPClientRequest(url: endpoint)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "Sextant")
            request.body = .bytes(ByteBuffer(bytes: body))
            do {
                let response = try await http.execute(request, timeout: .milliseconds(forwarding.timeout))
                _ = try? await response.body.collect(upTo: 4096)
                if (200..<300).contains(response.status.code) {
                    sent += batch.count
                } else {
                    record("\(endpoint) answered \(response.status.code)")
                }
            } catch {
                record("\(endpoint): \(error)")
            }
        }
    }

    private func record(_ error: String) {
        errors += 1
        lastError = error
        logger.warning("sending alerts to Alertmanager failed", metadata: ["error": "\(error)"])
    }
}
