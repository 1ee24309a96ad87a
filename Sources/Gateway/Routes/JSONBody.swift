import Alerting
import Foundation
import Hummingbird

/// Reads a JSON request body into `T`, answering garbage with a 400 that says where and why.
func decodeJSONBody<T: Decodable>(_ type: T.Type, from request: Request, context: SextantContext) async throws -> T {
    let data = try await requestBody(request, context: context)
    if data.isEmpty { throw APIError.badRequest("the request needs a JSON body") }
    do {
        return try JSONDecoder().decode(T.self, from: data)
    } catch let error as DecodingError {
        throw APIError.badRequest("invalid JSON body: \(describe(error))")
    } catch {
        throw APIError.badRequest("invalid JSON body: \(error.localizedDescription)")
    }
}

/// The whole body, refused with 413 past `server.max_body_size` (a body without a declared
/// length is only known to be too large once read that far).
func requestBody(_ request: Request, context: SextantContext) async throws -> Data {
    do {
        return Data(try await request.body.collect(upTo: context.maxBodySize).readableBytesView)
    } catch let error as HTTPError where error.status == .contentTooLarge {
        throw APIError(.contentTooLarge, code: "payload_too_large",
                       message: "request body exceeds the limit of \(context.maxBodySize) bytes (server.max_body_size)")
    }
}

func describe(_ error: DecodingError) -> String {
    func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    switch error {
    case .keyNotFound(let key, let context): return "missing key \"\(key.stringValue)\" at \(path(context.codingPath))"
    case .typeMismatch(let type, let context): return "expected \(type) at \(path(context.codingPath))"
    case .valueNotFound(let type, let context): return "expected \(type), found null at \(path(context.codingPath))"
    case .dataCorrupted(let context):
        let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
        return "\(underlying ?? context.debugDescription) at \(path(context.codingPath))"
    @unknown default: return "\(error)"
    }
}

/// RFC 3339 times as the Alertmanager API takes and gives them.
enum RFC3339 {
    /// `2006-01-02T15:04:05Z`, with any number of fractional digits (Prometheus sends
    /// nanoseconds; they are cut to milliseconds) and `Z` or a `±hh:mm` offset.
    static func milliseconds(_ text: String) -> Int64? {
        NotificationPayload.milliseconds(rfc3339: text)
    }

    /// `2006-01-02T15:04:05.000Z`: UTC with milliseconds, as Alertmanager's API writes times.
    static func format(_ milliseconds: Int64) -> String {
        var text = NotificationPayload.rfc3339(milliseconds)
        text.removeLast()  // Z
        if let dot = text.lastIndex(of: "."), !text[dot...].contains(":") {
            text += String(repeating: "0", count: max(0, 4 - text[dot...].count))
        } else {
            text += ".000"
        }
        return text + "Z"
    }
}
