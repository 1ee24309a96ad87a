public import Hummingbird
import HTTPTypes

/// CORS for browser dashboards, with a list of allowed origins (`*` for any). Hummingbird's
/// own CORS middleware takes one origin rule; Sextant's configuration takes a list.
public struct CORSPolicyMiddleware: RouterMiddleware {
    public typealias Context = SextantContext
    let origins: Set<String>

    public init(origins: [String]) { self.origins = Set(origins) }

    func allowedOrigin(_ origin: String) -> String? {
        if origins.contains("*") { return "*" }
        return origins.contains(origin) ? origin : nil
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], let allowed = allowedOrigin(origin) else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var headers = HTTPFields()
            headers[.accessControlAllowOrigin] = allowed
            headers[.accessControlAllowMethods] = "GET, POST, PUT, DELETE, OPTIONS"
            headers[.accessControlAllowHeaders] = request.headers[.accessControlRequestHeaders] ?? "Content-Type, Authorization"
            headers[.accessControlMaxAge] = "600"
            if allowed != "*" { headers[.vary] = "Origin" }
            return Response(status: .noContent, headers: headers)
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = allowed
        response.headers[.accessControlExposeHeaders] = "X-Request-ID"
        if allowed != "*" { response.headers[.vary] = "Origin" }
        return response
    }
}
