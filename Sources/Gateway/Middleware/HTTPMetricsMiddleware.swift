public import Hummingbird
public import CoreMetrics
import Dispatch
import Synchronization
import HTTPTypes

/// Counts requests and records their latency per route, method and status through
/// swift-metrics, into the factory Sextant's `/metrics` is rendered from. The factory is
/// passed in rather than bootstrapped globally, so several servers (tests) never share it.
public struct HTTPMetricsMiddleware: RouterMiddleware {
    public typealias Context = SextantContext
    private let instruments: Instruments

    public init(factory: any MetricsFactory) {
        instruments = Instruments(factory: factory)
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            record(request, context, status: error.status.code, start: start)
            throw error
        } catch {
            record(request, context, status: 500, start: start)
            throw error
        }
        record(request, context, status: response.status.code, start: start)
        return response
    }

    private func record(_ request: Request, _ context: Context, status: Int, start: UInt64) {
        let key = Instruments.Key(handler: context.endpointPath ?? "unmatched", method: request.method.rawValue, code: status)
        let pair = instruments.get(key)
        pair.requests.increment()
        pair.duration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
    }

    final class Instruments: Sendable {
        struct Key: Hashable { let handler: String; let method: String; let code: Int }
        let factory: any MetricsFactory
        let cache = Mutex<[Key: (requests: Counter, duration: Timer)]>([:])

        init(factory: any MetricsFactory) { self.factory = factory }

        func get(_ key: Key) -> (requests: Counter, duration: Timer) {
            cache.withLock { cache in
                if let found = cache[key] { return found }
                let dimensions = [("handler", key.handler), ("method", key.method), ("code", String(key.code))]
                let made = (
                    Counter(label: "sextant_http_requests_total", dimensions: dimensions, factory: factory),
                    Timer(label: "sextant_http_request_duration_seconds", dimensions: Array(dimensions.prefix(2)), factory: factory)
                )
                cache[key] = made
                return made
            }
        }
    }
}
