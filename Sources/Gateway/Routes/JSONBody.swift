import Foundation
import Hummingbird

/// Reads a JSON request body into `T`, answering garbage with a 400 that says where and why.
func decodeJSONBody<T: Decodable>(_ type: T.Type, from request: Request, context: SextantContext) async throws -> T {
    let buffer = try await request.body.collect(upTo: context.maxBodySize)
    let data = Data(buffer.readableBytesView)
    if data.isEmpty { throw APIError.badRequest("the request needs a JSON body") }
    do {
        return try JSONDecoder().decode(T.self, from: data)
    } catch let error as DecodingError {
        throw APIError.badRequest("invalid JSON body: \(describe(error))")
    } catch {
        throw APIError.badRequest("invalid JSON body: \(error.localizedDescription)")
    }
}

private func describe(_ error: DecodingError) -> String {
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

/// RFC 3339 times as the Alertmanager API takes them, with or without fractional seconds.
enum RFC3339 {
    static func milliseconds(_ text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        return nil
    }
}
