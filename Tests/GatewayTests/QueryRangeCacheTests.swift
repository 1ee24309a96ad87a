import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Query
import Testing
import TSDB
@testable import Gateway

struct QueryRangeCacheTests {
    /// A store with an hour of 15 s counters for 4 series; the clock stands at 2 h.
    func withServer(now: Int64 = 7_200_000, _ test: @escaping @Sendable (TestServer, any TestClientProtocol) async throws -> Void) async throws {
        let server = try TestServer(now: { now })
        var app = server.server.store.appender()
        for i in 0..<4 {
            for step in 0...240 {
                try app.append(.unknown, Labels(["__name__": "requests_total", "job": i % 2 == 0 ? "a" : "b", "i": String(i)]),
                               Int64(step) * 15_000, Double(step * (i + 1)))
            }
        }
        try app.commit()
        let application = Application(router: server.server.makeRouter())
        try await application.test(.router) { client in try await test(server, client) }
    }

    func body(_ client: any TestClientProtocol, _ uri: String) async throws -> String {
        try await client.execute(uri: uri, method: .get) { String(buffer: $0.body) }
    }

    func metrics(_ client: any TestClientProtocol) async throws -> [String: Any] {
        let text = try await body(client, "/cache/metrics")
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        return try #require(object?["query_range"] as? [String: Any])
    }

    @Test func repeatedAndExtendedRangesMatchAFreshEvaluation() async throws {
        try await withServer { server, client in
            let q = "sum%20by%20(job)%20(rate(requests_total%5B5m%5D))"
            let first = try await body(client, "/api/v1/query_range?query=\(q)&start=600&end=1800&step=60")
            let again = try await body(client, "/api/v1/query_range?query=\(q)&start=600&end=1800&step=60")
            #expect(first == again)
            let extended = try await body(client, "/api/v1/query_range?query=\(q)&start=600&end=3600&step=60")
            var m = try await metrics(client)
            #expect(m["misses"] as? Int == 1)
            #expect(m["hits"] as? Int == 1)
            #expect(m["partial_hits"] as? Int == 1)
            // The same range evaluated without the cache (unaligned start bypasses it, so
            // compare on the aligned engine directly).
            let direct = try server.server.rangeCache.range("sum by (job) (rate(requests_total[5m]))", start: 600_000, end: 3_600_000, step: 60_000,
                                                            now: 0, freshness: 0) { (from, to) throws(QueryError) in
                try Engine().range("sum by (job) (rate(requests_total[5m]))", start: from, end: to, step: 60_000, querier: server.server.store.querier())
            }
            var json = PrometheusJSON()
            json.result(direct)
            #expect(extended.contains(String(decoding: json.bytes, as: UTF8.self)))
            m = try await metrics(client)
            #expect((m["hit_rate"] as? Double ?? 0) > 0.5)
        }
    }

    @Test func unalignedAndAtQueriesAreNotCached() async throws {
        try await withServer { _, client in
            _ = try await body(client, "/api/v1/query_range?query=requests_total&start=601&end=1800&step=60")
            _ = try await body(client, "/api/v1/query_range?query=requests_total%20%40%20600&start=600&end=1800&step=60")
            let m = try await metrics(client)
            #expect(m["uncacheable"] as? Int == 2)
            #expect(m["entries"] as? Int == 0)
        }
    }

    @Test func theNewestLookbackWindowIsNeverCached() async throws {
        try await withServer(now: 3_700_000) { _, client in
            // now = 3700 s; freshness = 5 m: steps after 3400 s must not be stored.
            _ = try await body(client, "/api/v1/query_range?query=requests_total&start=3000&end=3600&step=60")
            let m = try await metrics(client)
            #expect(m["entries"] as? Int == 1)
            #expect(m["cached_points"] as? Int == 4 * 7, "3000…3360 s: seven steps of four series")
        }
    }
}
