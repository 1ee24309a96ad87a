public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// What one delivery attempt came to.
public enum DeliveryOutcome: Sendable, Equatable {
    case delivered
    /// Worth trying again: 5xx, 408, timeouts, connection errors, SMTP 4xx. `after` is the
    /// receiver's `Retry-After` (ms) when it sent one — a 429 is a rate limit, not a failure.
    case retry(after: Int64?, reason: String)
    /// Trying again would fail the same way: 4xx, a refused address, a missing setting.
    case failed(reason: String)
}

/// Delivers one notification to one integration: the webhook JSON, a Slack message or an
/// email. Holds no state; the outbox decides when and whether to try again.
public struct NotificationSender: Sendable {
    let http: HTTPClient
    let smtp: SMTPClient

    /// `http` is owned by the caller, who shuts it down.
    public init(http: HTTPClient, smtp: SMTPClient = SMTPClient()) {
        self.http = http
        self.smtp = smtp
    }

    /// Delivers `payload`; Slack and email texts use `templates`. The notes are template
    /// errors that made a field fall back to its default, for the log.
    public func send(
        _ payload: NotificationPayload, via integration: Integration, global: NotificationConfig.Global,
        templates: NotificationTemplates, timeout: Int64
    ) async -> (DeliveryOutcome, notes: [String]) {
        switch integration.kind {
        case .webhook(let config):
            let body = payload.truncated(to: config.maxAlerts).encoded()
            return (await post(body, to: config.url, timeout: config.timeout > 0 ? config.timeout : timeout), [])
        case .slack(let config):
            guard let url = config.apiURL ?? global.slackAPIURL else {
                return (.failed(reason: "no api_url for Slack and no global.slack_api_url"), [])
            }
            let (message, problems) = SlackMessage.render(payload, config: config, templates: templates)
            return (await post(message.encoded(), to: url, timeout: timeout), problems)
        case .email(let config):
            return await sendEmail(payload, config: config, global: global, templates: templates, timeout: timeout)
        }
    }

    /// POSTs JSON and classifies the answer as Alertmanager does, plus `Retry-After`.
    func post(_ body: Data, to url: String, timeout: Int64) async -> DeliveryOutcome {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Sextant-Notifier")
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await http.execute(request, timeout: .milliseconds(timeout))
            let code = Int(response.status.code)
            var text = ""
            if let buffer = try? await response.body.collect(upTo: 4096) {
                text = String(buffer: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let detail = "\(Self.redacted(url)) answered \(code)" + (text.isEmpty ? "" : ": \(text.prefix(200))")
            switch code {
            case 200..<300: return .delivered
            case 429, 503: return .retry(after: response.headers.first(name: "Retry-After").flatMap(Self.retryAfter), reason: detail)
            case 408, 500..<600: return .retry(after: nil, reason: detail)
            default: return .failed(reason: detail)
            }
        } catch let error as HTTPClientError where error == .invalidURL || error == .emptyHost || error == .emptyScheme || error == .unsupportedScheme("") {
            return .failed(reason: "\(Self.redacted(url)): \(error)")
        } catch {
            return .retry(after: nil, reason: "\(Self.redacted(url)): \(error)")
        }
    }

    /// `Retry-After` as seconds or an HTTP date, in milliseconds from now.
    static func retryAfter(_ value: String) -> Int64? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int64(trimmed), seconds >= 0 { return min(seconds, 86_400) * 1000 }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return max(0, Int64(date.timeIntervalSinceNow * 1000))
    }

    /// Webhook and Slack URLs carry their secret in the path: logs and the API show only
    /// scheme, host and port.
    static func redacted(_ url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return "<invalid URL>" }
        return "\(components.scheme ?? "http")://\(host)\(components.port.map { ":\($0)" } ?? "")/…"
    }
}
