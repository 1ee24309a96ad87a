import Collector
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization
import TSDB

/// Samples pushed to Sextant: Prometheus remote write 1.0 (`POST /api/v1/write`) and the
/// Influx line protocol Telegraf sends (`POST /write`, `POST /api/v2/write`). Accepted
/// samples are stored even when others in the same request are refused; the response
/// says how many were refused and why.
struct PushRoutes {
    let store: Store
    let now: @Sendable () -> Int64
    /// Push requests decoded at once; more are answered 429 with `Retry-After`, so a burst
    /// of senders backs off instead of piling up memory (Prometheus's senders retry 429).
    let inFlight: PushConcurrency

    func register(on router: Router<SextantContext>, table: RouteTable) {
        router.on("/api/v1/write", method: .post, table: table) { request, context in
            try await limited { try await remoteWrite(request, context) }
        }
        router.on("/write", method: .post, table: table) { request, context in
            try await limited { try await influx(request, context, v2: false) }
        }
        router.on("/api/v2/write", method: .post, table: table) { request, context in
            try await limited { try await influx(request, context, v2: true) }
        }
    }

    private func limited(_ handler: () async throws -> Response) async throws -> Response {
        guard inFlight.enter() else {
            var response = Self.text(.tooManyRequests, "too many push requests in flight (\(inFlight.limit)); retry later")
            response.headers[.retryAfter] = "1"
            return response
        }
        defer { inFlight.leave() }
        return try await handler()
    }

    private func body(_ request: Request, _ context: SextantContext) async throws -> [UInt8] {
        do {
            let buffer = try await request.body.collect(upTo: context.maxBodySize)
            return Array(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, code: "payload_too_large", message: "request body exceeds \(context.maxBodySize) bytes (server.max_body_size)")
        }
    }

    private func remoteWrite(_ request: Request, _ context: SextantContext) async throws -> Response {
        if let encoding = request.headers[.contentEncoding], encoding.lowercased() != "snappy" {
            return Self.text(.unsupportedMediaType, "unsupported Content-Encoding \"\(encoding)\": remote write 1.0 bodies are snappy-compressed")
        }
        let bytes = try await body(request, context)
        var decoder: RemoteWriteDecoder
        do {
            decoder = try RemoteWriteDecoder(compressed: bytes)
        } catch {
            return Self.text(.badRequest, "\(error)")
        }
        var appender = store.appender()
        var refused: [String] = []
        var refusedCount = 0
        var stored = 0
        do {
            while let series = try decoder.next() {
                var ref = SeriesRef.unknown
                for sample in series.samples {
                    do throws(AppendError) {
                        ref = try appender.append(ref, series.labels, sample.timestamp, sample.value)
                        stored += 1
                    } catch {
                        if case .storeClosed = error { return Self.text(.serviceUnavailable, "the store is shutting down") }
                        refusedCount += 1
                        if refused.count < 10 { refused.append("\(error)") }
                    }
                }
            }
        } catch {
            // A malformed body stores nothing: Prometheus's sender will not retry a 400.
            appender.rollback()
            return Self.text(.badRequest, "\(error)")
        }
        do {
            try appender.commit()
        } catch {
            return Self.text(.internalServerError, "storing the samples failed: \(error)")
        }
        for rejection in decoder.rejections where refused.count < 10 { refused.append("\(rejection)") }
        refusedCount += decoder.rejectedSeries
        if refusedCount > 0 {
            return Self.text(.badRequest, "stored \(stored) samples, refused \(refusedCount) (samples or series): " + refused.joined(separator: "; "))
        }
        return Response(status: .noContent)
    }

    private func influx(_ request: Request, _ context: SextantContext, v2: Bool) async throws -> Response {
        let query = PrometheusParameters.decode(request.uri.query ?? "")
        let parameter = { (name: String) in query.first { $0.0 == name }?.1 }
        var precision = InfluxPrecision.nanoseconds
        if let text = parameter("precision"), !text.isEmpty {
            guard let parsed = InfluxPrecision(parameter: text) else {
                return Self.influxError(v2: v2, .badRequest, "invalid precision \"\(text)\": use ns, us, ms, s\(v2 ? "" : ", m or h")")
            }
            precision = parsed
        }
        let bytes = try await body(request, context)
        var extra: [Label] = []
        if let db = parameter(v2 ? "bucket" : "db"), !db.isEmpty, Labels.isValidLabelName("db") { extra.append(Label("db", db)) }
        var parser = InfluxLineParser(bytes, precision: precision, defaultTimestamp: now(), extraLabels: Labels(extra))
        var appender = store.appender()
        var refused: [String] = []
        var refusedCount = 0
        while let sample = parser.next() {
            do throws(AppendError) {
                try appender.append(.unknown, sample.labels, sample.timestamp, sample.value)
            } catch {
                if case .storeClosed = error { return Self.influxError(v2: v2, .serviceUnavailable, "the store is shutting down") }
                refusedCount += 1
                if refused.count < 10 { refused.append("\(error)") }
            }
        }
        do {
            try appender.commit()
        } catch {
            return Self.influxError(v2: v2, .internalServerError, "storing the samples failed: \(error)")
        }
        if parser.rejectedLines > 0 || refusedCount > 0 {
            var parts: [String] = []
            if parser.rejectedLines > 0 {
                parts.append("\(parser.rejectedLines) line(s) refused: " + parser.errors.prefix(10).map { "\($0)" }.joined(separator: "; "))
            }
            if refusedCount > 0 { parts.append("\(refusedCount) sample(s) refused by the store: " + refused.joined(separator: "; ")) }
            return Self.influxError(v2: v2, .badRequest, "partial write: " + parts.joined(separator: "; "))
        }
        return Response(status: .noContent)
    }

    static func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }

    /// InfluxDB's error bodies: v1 `{"error": "..."}`, v2 `{"code": "invalid", "message": "..."}`.
    static func influxError(v2: Bool, _ status: HTTPResponse.Status, _ message: String) -> Response {
        var json = PrometheusJSON()
        if v2 {
            json.raw(#"{"code":"#)
            json.string(status == .badRequest ? "invalid" : "internal error")
            json.raw(#","message":"#)
        } else {
            json.raw(#"{"error":"#)
        }
        json.string(message)
        json.raw("}")
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }
}

/// Counts push requests being handled, up to a limit.
final class PushConcurrency: Sendable {
    let limit: Int
    private let current = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    /// Takes a slot; false when all are taken.
    func enter() -> Bool {
        let now = current.add(1, ordering: .acquiring).newValue
        if now > limit {
            current.subtract(1, ordering: .releasing)
            return false
        }
        return true
    }

    func leave() { current.subtract(1, ordering: .releasing) }
}
