import Foundation
import Hummingbird
import NIOCore
import Query
import TSDB

/// A request's parameters from the query string and, for POST, a form-encoded body, as
/// Prometheus reads them (`match[]` may repeat).
struct PrometheusParameters {
    private var values: [(String, String)] = []

    static func from(_ request: Request, context: SextantContext) async throws -> PrometheusParameters {
        var parameters = PrometheusParameters()
        parameters.values = Self.decode(request.uri.query ?? "")
        if request.method == .post {
            let contentType = request.headers[.contentType] ?? ""
            if contentType.hasPrefix("application/x-www-form-urlencoded") || contentType.isEmpty {
                let body = try await request.body.collect(upTo: context.maxBodySize)
                parameters.values += Self.decode(String(buffer: body))
            }
        }
        return parameters
    }

    subscript(name: String) -> String? { values.first { $0.0 == name }?.1 }

    func all(_ name: String) -> [String] { values.filter { $0.0 == name }.map(\.1) }

    static func decode(_ query: String) -> [(String, String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = unescape(parts[0])
            let value = parts.count > 1 ? unescape(parts[1]) : ""
            return (key, value)
        }
    }

    private static func unescape(_ s: Substring) -> String {
        let plus = s.replacingOccurrences(of: "+", with: " ")
        return plus.removingPercentEncoding ?? plus
    }

    // MARK: typed values, with Prometheus's error messages

    /// `time`, `start`, `end`: RFC 3339 or Unix seconds with a fraction. Returns ms.
    func time(_ name: String, default fallback: Int64) throws(PrometheusAPIError) -> Int64 {
        guard let text = self[name], !text.isEmpty else { return fallback }
        guard let ms = Self.parseTime(text) else {
            throw .badData("invalid parameter \"\(name)\": cannot parse \"\(text)\" to a valid timestamp")
        }
        return ms
    }

    static let minTime: Int64 = -9_223_309_901_257_974   // Prometheus's MinTime, in ms
    static let maxTime: Int64 = 9_223_309_901_257_974

    static func parseTime(_ text: String) -> Int64? {
        if let seconds = Double(text), seconds.isFinite {
            let ms = (seconds * 1000).rounded()
            guard ms >= Double(minTime), ms <= Double(maxTime) else { return nil }
            return Int64(ms)
        }
        // Prometheus renders its min and max times in RFC 3339; accept them back.
        if text == "-292273086-05-16T16:47:06Z" { return minTime }
        if text == "292277025-08-18T07:12:54.999999999Z" { return maxTime }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        return nil
    }

    /// `step`, `timeout`: a Prometheus duration or float seconds. Returns ms.
    func duration(_ name: String) throws(PrometheusAPIError) -> Int64? {
        guard let text = self[name], !text.isEmpty else { return nil }
        if let seconds = Double(text) {
            guard seconds.isFinite, seconds * 1000 < Double(Int64.max) else {
                throw .badData("invalid parameter \"\(name)\": cannot parse \"\(text)\" to a valid duration. It overflows int64")
            }
            return Int64((seconds * 1000).rounded())
        }
        if let ms = ConfigValues.duration(text) { return ms }
        throw .badData("invalid parameter \"\(name)\": cannot parse \"\(text)\" to a valid duration")
    }

    /// `limit`: a non-negative integer; 0 or absent means no limit.
    func limit() throws(PrometheusAPIError) -> Int? {
        guard let text = self["limit"], !text.isEmpty else { return nil }
        guard let n = Int(text), n >= 0 else { throw .badData("limit must be a non-negative number") }
        return n == 0 ? nil : n
    }

    /// Every `match[]` selector as a matcher list.
    func matcherSets(required: Bool) throws(PrometheusAPIError) -> [[LabelMatcher]] {
        let selectors = all("match[]")
        if selectors.isEmpty && required { throw .badData("no match[] parameter provided") }
        var sets: [[LabelMatcher]] = []
        for selector in selectors {
            let expr: Expr
            do {
                expr = try PromQL.parse(selector)
            } catch {
                throw .badData("invalid parameter \"match[]\": \(error)")
            }
            guard case .vectorSelector(let vs) = expr else {
                throw .badData("invalid parameter \"match[]\": 1:1: parse error: expected type instant vector in series selector, got \(expr.type)")
            }
            sets.append(vs.matchers)
        }
        return sets
    }
}

/// An error in Prometheus's API envelope: `{"status":"error","errorType":…,"error":…}`.
struct PrometheusAPIError: Error {
    let type: String
    let message: String
    let status: HTTPResponse.Status

    static func badData(_ message: String) -> PrometheusAPIError { .init(type: "bad_data", message: message, status: .badRequest) }
    static func execution(_ message: String) -> PrometheusAPIError { .init(type: "execution", message: message, status: .unprocessableContent) }
    static func timeout(_ message: String) -> PrometheusAPIError { .init(type: "timeout", message: message, status: .serviceUnavailable) }
    static func canceled(_ message: String) -> PrometheusAPIError { .init(type: "canceled", message: message, status: .init(code: 499)) }
    static func `internal`(_ message: String) -> PrometheusAPIError { .init(type: "internal", message: message, status: .internalServerError) }

    func response() -> Response {
        var json = PrometheusJSON()
        json.raw(#"{"status":"error","errorType":"#)
        json.string(type)
        json.raw(#","error":"#)
        json.string(message)
        json.raw("}")
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }
}
