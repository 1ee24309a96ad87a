import Alerting
import Foundation
import HTTPTypes
import Hummingbird
import TSDB

/// Alertmanager's API v2 renders its own errors: the status with the message as a JSON string
/// body (`"bad matcher format: …"`), which its Go clients (`amtool`, Grafana) decode.
enum AlertmanagerAPI {
    static func respond(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as APIError {
            return message(error.message, status: error.status)
        } catch {
            return message("\(error)", status: .internalServerError)
        }
    }

    static func message(_ text: String, status: HTTPResponse.Status) -> Response {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static var ok: Response { Response(status: .ok) }

    /// Query parameters in order, repeated ones kept, decoded as Go's `url.ParseQuery`
    /// does (`+` is a space).
    static func parameters(_ request: Request) -> [(name: String, value: String)] {
        guard let query = request.uri.query, !query.isEmpty else { return [] }
        return query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// One matcher of a `filter` parameter: `name="value"`, `name=~"re"`, with or without
    /// quotes, no braces, as Alertmanager's `ParseMatcher`.
    static func filterMatcher(_ text: String) throws -> LabelMatcher {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("{") || trimmed.hasSuffix("}") {
            throw APIError.badRequest("bad matcher format: \(text): one matcher per filter parameter, without braces")
        }
        let parsed: [LabelMatcher]
        do {
            parsed = try AlertMatchers.parse(text)
        } catch {
            throw APIError.badRequest("bad matcher format: \(text): \(error)")
        }
        guard parsed.count == 1 else {
            throw APIError.badRequest("bad matcher format: \(text): expected exactly one matcher, found \(parsed.count)")
        }
        return parsed[0]
    }

    /// Alertmanager's `matchFilterLabels`: a filter's matchers against an alert's labels, or
    /// against a silence's matchers taken as label values. An empty value tests presence.
    static func matches(_ filters: [LabelMatcher], _ labels: [String: String]) -> Bool {
        for matcher in filters {
            let value = labels[matcher.name]
            switch matcher.kind {
            case .notEqual, .regexNoMatch:
                if matcher.value.isEmpty && value != nil { continue }
            case .equal, .regexMatch:
                if matcher.value.isEmpty && value == nil { continue }
            }
            if !matcher.matches(value ?? "") { return false }
        }
        return true
    }

    /// go-swagger's booleans: `true`, `1`, `yes`, … and `false`, `0`, `no`, ….
    static func bool(_ name: String, _ text: String) throws -> Bool {
        switch text.lowercased() {
        case "true", "1", "yes", "y", "on", "t", "ok", "enabled", "checked", "selected": return true
        case "false", "0", "no", "n", "off", "f", "disabled", "": return false
        default: throw APIError.badRequest("\(name) in query must be of type bool: \"\(text)\"")
        }
    }
}

/// The query of `GET /api/v2/alerts` and `/api/v2/alerts/groups`: `filter` (repeated),
/// `receiver` (an anchored regular expression), and whether to include `silenced`,
/// `inhibited`, `active` and `unprocessed` alerts (all true unless said otherwise).
struct AlertFilter {
    var matchers: [LabelMatcher] = []
    var receiver: LabelMatcher?
    var silenced = true
    var inhibited = true
    var active = true
    var unprocessed = true

    init(_ parameters: [(name: String, value: String)], allowed: Set<String>) throws {
        for (name, value) in parameters where allowed.contains(name) {
            switch name {
            case "filter": matchers.append(try AlertmanagerAPI.filterMatcher(value))
            case "receiver":
                do {
                    receiver = try LabelMatcher(.regexMatch, "receiver", value)
                } catch {
                    throw APIError.badRequest("failed to parse receiver param: \(error)")
                }
            case "silenced": silenced = try AlertmanagerAPI.bool(name, value)
            case "inhibited": inhibited = try AlertmanagerAPI.bool(name, value)
            case "active": active = try AlertmanagerAPI.bool(name, value)
            case "unprocessed": unprocessed = try AlertmanagerAPI.bool(name, value)
            default: break
            }
        }
    }

    /// Alertmanager's `alertFilter` (the receiver is checked by the caller: per alert for
    /// the alert list, per group for groups). Resolved alerts are never listed, nor those
    /// past `resolve_timeout` that the dispatcher's next tick will resolve.
    func admits(_ status: AlertStatus, resolveTimeout: Int64, at now: Int64) -> Bool {
        if status.resolved { return false }
        if status.alert.endsAt == nil && status.alert.updatedAt + resolveTimeout <= now { return false }
        let suppressed = !status.silencedBy.isEmpty || status.inhibited
        // Sextant routes an alert the moment it arrives, so none is ever unprocessed.
        if !active && !suppressed { return false }
        if !silenced && !status.silencedBy.isEmpty { return false }
        if !inhibited && status.inhibited { return false }
        return AlertmanagerAPI.matches(matchers, Dictionary(status.alert.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }))
    }

    func admits(receiver name: String) -> Bool { receiver?.matches(name) ?? true }
}
