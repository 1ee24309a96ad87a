import Hummingbird
import Synchronization
import HTTPTypes

/// The (method, path pattern) pairs the router serves, kept so a 404 can tell "no such
/// path" from "wrong method" (405 with `Allow`), and so the API document can be checked
/// against what is really routed.
public final class RouteTable: Sendable {
    private let entries = Mutex<[(method: String, pattern: [Substring])]>([])

    public init() {}

    func record(_ method: HTTPRequest.Method, _ path: String) {
        let segments = path.split(separator: "/")
        entries.withLock { $0.append((method.rawValue, segments)) }
    }

    public var routes: [(method: String, path: String)] {
        entries.withLock { $0.map { ($0.method, "/" + $0.pattern.joined(separator: "/")) } }
    }

    /// Methods served for a concrete path, sorted.
    func methods(forPath path: String) -> [String] {
        let segments = path.split(separator: "/")
        let matched = entries.withLock { entries in
            entries.filter { entry in
                entry.pattern.count == segments.count
                    && zip(entry.pattern, segments).allSatisfy { $0.hasPrefix("{") || $0.hasPrefix(":") || $0 == $1 }
            }.map(\.method)
        }
        return Set(matched).sorted()
    }
}

extension Router where Context == SextantContext {
    /// Registers a route and records it in `table`.
    @discardableResult
    func on(
        _ path: String, method: HTTPRequest.Method, table: RouteTable,
        use handler: @Sendable @escaping (Request, Context) async throws -> Response
    ) -> Self {
        table.record(method, path)
        on(RouterPath(path), method: method, use: handler)
        return self
    }
}
