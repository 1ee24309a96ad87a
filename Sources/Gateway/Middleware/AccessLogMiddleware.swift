public import Hummingbird
import Dispatch
import HTTPTypes
import Logging

/// One structured log line per request: method, path, status, duration, request id.
public struct AccessLogMiddleware: RouterMiddleware {
    public typealias Context = SextantContext

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let response = try await next(request, context)
        let micros = (DispatchTime.now().uptimeNanoseconds - start) / 1000
        context.logger.info("request", metadata: [
            "method": .string(request.method.rawValue),
            "path": .string(request.uri.path),
            "status": .stringConvertible(response.status.code),
            "duration_us": .stringConvertible(micros),
        ])
        return response
    }
}
