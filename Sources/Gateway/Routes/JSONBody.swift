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
        let b = Array(text.utf8)
        var i = 0
        func number(_ width: Int) -> Int64? {
            guard i + width <= b.count else { return nil }
            var value: Int64 = 0
            for byte in b[i..<i + width] {
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            i += width
            return value
        }
        func expect(_ c: Character) -> Bool {
            guard i < b.count, b[i] == c.asciiValue! else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
              expect("T"), let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var millis: Int64 = 0
        if expect(".") {
            var digits = 0
            while i < b.count, b[i] >= UInt8(ascii: "0") && b[i] <= UInt8(ascii: "9") {
                if digits < 3 { millis = millis * 10 + Int64(b[i] - UInt8(ascii: "0")) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { millis *= 10 }
        }
        var offset: Int64 = 0
        if expect("Z") {
        } else if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign: Int64 = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let hours = number(2), expect(":"), let minutes = number(2), hours < 24, minutes < 60 else { return nil }
            offset = sign * (hours * 60 + minutes) * 60
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        // Days from the civil date (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return seconds * 1000 + millis
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
