public import Hummingbird
import HTTPTypes

/// Refuses a request whose declared body is larger than `server.max_body_size` before
/// reading it (413), and tells handlers the limit for bodies without a declared length.
public struct BodyLimitMiddleware: RouterMiddleware {
    public typealias Context = SextantContext
    let limit: Int

    public init(limit: Int) { self.limit = limit }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIError(.contentTooLarge, code: "payload_too_large", message: "request body of \(declared) bytes exceeds the limit of \(limit) bytes (server.max_body_size)")
        }
        var context = context
        context.maxBodySize = limit
        return try await next(request, context)
    }
}
