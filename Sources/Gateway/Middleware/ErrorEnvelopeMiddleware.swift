public import Hummingbird
import HTTPTypes
import Logging

/// Turns every failure into the management error envelope (see ``APIError``): errors the
/// handlers throw, Hummingbird's `HTTPError`s, 404 for unknown paths and 405 for a known
/// path with the wrong method. Routes that keep their own envelope (the Prometheus API)
/// render their errors themselves and never reach here.
public struct ErrorEnvelopeMiddleware: RouterMiddleware {
    public typealias Context = SextantContext
    let routes: RouteTable

    public init(routes: RouteTable) { self.routes = routes }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response(requestID: context.requestID)
        } catch let error as HTTPError {
            var status = error.status
            var message = error.body ?? status.reasonPhrase
            var headers = error.headers
            headers[.contentType] = nil
            if status == .notFound {
                let allowed = routes.methods(forPath: request.uri.path)
                if allowed.contains(request.method.rawValue) {
                    // A handler's own 404 (an unknown id, say): keep its message.
                } else if allowed.isEmpty {
                    message = "no route for \(request.method) \(request.uri.path)"
                } else {
                    status = .methodNotAllowed
                    message = "\(request.method) is not allowed on \(request.uri.path); allowed: \(allowed.joined(separator: ", "))"
                    headers[.allow] = allowed.joined(separator: ", ")
                }
            }
            return APIError(status, code: APIError.code(for: status), message: message, headers: headers).response(requestID: context.requestID)
        } catch let error as any HTTPResponseError {
            return APIError(error.status, code: APIError.code(for: error.status), message: "\(error)").response(requestID: context.requestID)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            return APIError(.internalServerError, code: "internal", message: "internal error: \(error)").response(requestID: context.requestID)
        }
    }
}
