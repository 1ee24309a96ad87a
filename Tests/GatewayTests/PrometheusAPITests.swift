import Collector
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TSDB
@testable import Gateway

/// The Prometheus-compatible API as Grafana's data source calls it, over a real store.
struct PrometheusAPITests {
    /// Two jobs, three instances, 10 minutes of 15 s samples ending at t = 600 s.
    func loaded(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let server = try TestServer()
        var app = server.server.store.appender()
        for (job, instance) in [("api", "a"), ("api", "b"), ("db", "c")] {
            for step in 0...40 {
                let t = Int64(step) * 15_000
                try app.append(.unknown, Labels(["__name__": "http_requests_total", "job": job, "instance": instance]), t, Double(step * 10))
                try app.append(.unknown, Labels(["__name__": "up", "job": job, "instance": instance]), t, 1)
            }
        }
        try app.commit()
        let application = Application(router: server.server.makeRouter())
        try await application.test(.router, test)
    }

    func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any])
    }

    @Test func grafanaHealthCheckQuery() async throws {
        try await loaded { client in
            try await client.execute(uri: "/api/v1/query?query=1%2B1&time=100", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"status":"success","data":{"resultType":"scalar","result":[100,"2"]}}"#)
            }
        }
    }

    @Test func instantVectorQuery() async throws {
        try await loaded { client in
            try await client.execute(uri: "/api/v1/query?query=sum%20by%20(job)%20(rate(http_requests_total%5B5m%5D))&time=600", method: .get) { response in
                let body = try json(response.body)
                let data = try #require(body["data"] as? [String: Any])
                #expect(data["resultType"] as? String == "vector")
                let result = try #require(data["result"] as? [[String: Any]])
                #expect(result.count == 2)
                let api = try #require(result.first { ($0["metric"] as? [String: String])?["job"] == "api" })
                let value = try #require(api["value"] as? [Any])
                #expect(value[0] as? Double == 600)
                // 10 per 15 s on each of two instances.
                let rate = Double(value[1] as? String ?? "") ?? 0
                let expected = 2 * 10.0 / 15
                #expect(abs(rate - expected) < 1e-9)
            }
        }
    }

    @Test func postFormQueryWorksLikeGet() async throws {
        try await loaded { client in
            let body = ByteBuffer(string: "query=up&time=600")
            try await client.execute(uri: "/api/v1/query", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: body) { response in
                let data = try #require(try json(response.body)["data"] as? [String: Any])
                #expect((data["result"] as? [Any])?.count == 3)
            }
        }
    }

    @Test func rangeQueryHasPrometheusShape() async throws {
        try await loaded { client in
            try await client.execute(uri: "/api/v1/query_range?query=up%7Binstance%3D%22a%22%7D&start=0&end=120&step=60", method: .get) { response in
                #expect(String(buffer: response.body) == #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"up","instance":"a","job":"api"},"values":[[0,"1"],[60,"1"],[120,"1"]]}]}}"#)
            }
        }
    }

    @Test(arguments: [
        ("/api/v1/query?query=sum(", 400, "bad_data", "parse error"),
        ("/api/v1/query?query=up&time=yesterday", 400, "bad_data", #"invalid parameter "time""#),
        ("/api/v1/query", 400, "bad_data", "query"),
        ("/api/v1/query_range?query=up&start=10&end=0&step=1", 400, "bad_data", "end timestamp must not be before start time"),
        ("/api/v1/query_range?query=up&start=0&end=100000&step=1", 400, "bad_data", "exceeded maximum resolution of 11,000 points"),
        ("/api/v1/query_range?query=up&start=0&end=10&step=0", 400, "bad_data", "zero or negative query resolution step"),
        ("/api/v1/query_range?query=up&start=0&end=10", 400, "bad_data", #"invalid parameter "step""#),
        ("/api/v1/series", 400, "bad_data", "no match[] parameter provided"),
        ("/api/v1/series?match[]=rate(up%5B5m%5D)", 400, "bad_data", "match[]"),
        ("/api/v1/label/bad-name/values", 400, "bad_data", "invalid label name"),
        ("/api/v1/query?query=http_requests_total%20%2B%20on()%20up&time=600", 422, "execution", "many-to-many"),
    ] as [(String, Int, String, String)])
    func errorsUsePrometheusEnvelope(_ uri: String, _ status: Int, _ type: String, _ fragment: String) async throws {
        try await loaded { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status.code == status, "\(uri)")
                let body = try json(response.body)
                #expect(body["status"] as? String == "error")
                #expect(body["errorType"] as? String == type)
                let message = body["error"] as? String ?? ""
                #expect(message.contains(fragment), "\(uri): \(message)")
            }
        }
    }

    @Test func seriesLabelsAndValues() async throws {
        try await loaded { client in
            try await client.execute(uri: "/api/v1/series?match[]=up%7Bjob%3D%22api%22%7D&start=0&end=600", method: .get) { response in
                let series = try #require(try json(response.body)["data"] as? [[String: String]])
                #expect(series.map { $0["instance"] } == ["a", "b"])
            }
            try await client.execute(uri: "/api/v1/labels", method: .get) { response in
                let names = try json(response.body)["data"] as? [String]
                #expect(names == ["__name__", "instance", "job"])
            }
            try await client.execute(uri: "/api/v1/label/job/values?match[]=up", method: .get) { response in
                let values = try json(response.body)["data"] as? [String]
                #expect(values == ["api", "db"])
            }
            try await client.execute(uri: "/api/v1/label/__name__/values?limit=1", method: .get) { response in
                let values = try json(response.body)["data"] as? [String]
                #expect(values == ["http_requests_total"])
            }
        }
    }

    @Test func metadataExemplarsTargetsAndTSDBStatus() async throws {
        try await loaded { client in
            try await client.execute(uri: "/api/v1/metadata", method: .get) { response in
                let status = try json(response.body)["status"] as? String
                #expect(status == "success")
            }
            try await client.execute(uri: "/api/v1/query_exemplars?query=up&start=0&end=600", method: .get) { response in
                #expect(String(buffer: response.body) == #"{"status":"success","data":[]}"#)
            }
            try await client.execute(uri: "/api/v1/targets", method: .get) { response in
                let data = try #require(try json(response.body)["data"] as? [String: Any])
                #expect(data["activeTargets"] is [Any])
                #expect(data["droppedTargets"] is [Any])
            }
            try await client.execute(uri: "/api/v1/status/tsdb", method: .get) { response in
                let data = try #require(try json(response.body)["data"] as? [String: Any])
                let head = try #require(data["headStats"] as? [String: Any])
                #expect(head["numSeries"] as? Int == 6)
                let byMetric = try #require(data["seriesCountByMetricName"] as? [[String: Any]])
                #expect(byMetric.first?["value"] as? Int == 3)
            }
        }
    }

    @Test func compactionAndBlockFiguresReachMetricsAndTSDBStatus() async throws {
        let server = try TestServer()
        let store = server.server.store
        var app = store.appender()
        for step in 0...40 {
            try app.append(.unknown, Labels(["__name__": "up", "job": "api"]), Int64(step) * 15_000, 1)
        }
        try app.commit()
        try store.compact(now: 600_000, force: true)
        let application = Application(router: server.server.makeRouter())
        try await application.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("sextant_tsdb_compactions_total 1"))
                #expect(text.contains("sextant_tsdb_compactions_failed_total 0"))
                #expect(text.contains("sextant_tsdb_head_cuts_total 1"))
                #expect(text.contains("sextant_tsdb_blocks_loaded 1"))
                #expect(text.contains("sextant_tsdb_blocks_samples 41"))
                #expect(text.contains(#"sextant_tsdb_compaction_duration_seconds_bucket{le="+Inf"} 1"#))
                let bytes = text.split(separator: "\n").first { $0.hasPrefix("sextant_tsdb_storage_blocks_bytes ") }
                #expect((bytes?.split(separator: " ").last).flatMap { Double($0) } ?? 0 > 0)
            }
            // A second scrape does not count the same pass twice.
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"sextant_tsdb_compaction_duration_seconds_count 1"#))
                #expect(text.contains("sextant_tsdb_compactions_total 1"))
            }
            try await client.execute(uri: "/api/v1/status/tsdb", method: .get) { response in
                let data = try #require(try json(response.body)["data"] as? [String: Any])
                let storage = try #require(data["storage"] as? [String: Int])
                #expect(storage["blocks"] == 1)
                #expect(storage["blockSamples"] == 41)
                #expect(storage["compactions"] == 1)
                #expect(storage["samplesAppended"] == 41)
                #expect((storage["blockBytes"] ?? 0) > 0)
            }
        }
    }
}

/// Pushes: remote write and Influx line protocol land in the store.
struct PushRouteTests {
    @Test func remoteWriteIsStoredAndBadBodiesAre400() async throws {
        let server = try TestServer()
        let app = Application(router: server.server.makeRouter())
        try await app.test(.router) { client in
            let body = RemoteWriteEncoder.encode([
                RemoteWriteSeries(labels: Labels(["__name__": "pushed", "job": "rw"]), samples: [Sample(1000, 1), Sample(2000, 2)]),
            ])
            let headers: HTTPFields = [.contentEncoding: "snappy", .contentType: "application/x-protobuf"]
            try await client.execute(uri: "/api/v1/write", method: .post, headers: headers, body: ByteBuffer(bytes: body)) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: "/api/v1/write", method: .post, headers: headers, body: ByteBuffer(bytes: [1, 2, 3, 4])) { response in
                #expect(response.status == .badRequest)
                #expect(!String(buffer: response.body).isEmpty)
            }
            // Out of order against what is stored: refused and reported; the new sample lands.
            let mixed = RemoteWriteEncoder.encode([
                RemoteWriteSeries(labels: Labels(["__name__": "pushed", "job": "rw"]), samples: [Sample(500, 9), Sample(3000, 3)]),
            ])
            try await client.execute(uri: "/api/v1/write", method: .post, headers: headers, body: ByteBuffer(bytes: mixed)) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("refused 1"))
            }
        }
        var cursor = try #require(try server.server.store.querier().select([.equal("__name__", "pushed")], mint: 0, maxt: .max, hints: .init()).first).samples
        #expect(cursor.collect() == [Sample(1000, 1), Sample(2000, 2), Sample(3000, 3)])
    }

    @Test func influxLinesBecomeMeasurementFieldSeries() async throws {
        let server = try TestServer()
        let app = Application(router: server.server.makeRouter())
        try await app.test(.router) { client in
            let lines = "cpu,host=web1 usage_user=12.5,usage_system=3i 1700000000000000000\nmem,host=web1 used=1024u 1700000000000000000\n"
            try await client.execute(uri: "/write?precision=ns", method: .post, body: ByteBuffer(string: lines)) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: "/api/v2/write?bucket=b&precision=s", method: .post, body: ByteBuffer(string: "disk,host=web1 free=5 1700000000\nnot valid\n")) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains(#""code":"invalid""#))
            }
            try await client.execute(uri: "/write?precision=fortnights", method: .post, body: ByteBuffer(string: "x v=1")) { response in
                #expect(response.status == .badRequest)
            }
        }
        let q = server.server.store.querier()
        var user = try #require(try q.select([.equal("__name__", "cpu_usage_user"), .equal("host", "web1")], mint: 0, maxt: .max, hints: .init()).first).samples
        #expect(user.next() == Sample(1_700_000_000_000, 12.5))
        #expect(try q.select([.equal("__name__", "cpu_usage_system")], mint: 0, maxt: .max, hints: .init()).count == 1)
        #expect(try q.select([.equal("__name__", "mem_used")], mint: 0, maxt: .max, hints: .init()).count == 1)
        let disk = try q.select([.equal("__name__", "disk_free")], mint: 0, maxt: .max, hints: .init())
        #expect(disk.first?.labels["db"] == "b", "the good line of a partial write is stored")
    }
}

struct SnapshotRouteTests {
    @Test func adminSnapshotCreatesAServableCopy() async throws {
        let server = try TestServer()
        var app = server.server.store.appender()
        try app.append(.unknown, Labels(["__name__": "kept", "job": "x"]), 1000, 42)
        try app.commit()
        let application = Application(router: server.server.makeRouter())
        try await application.test(.router) { client in
            try await client.execute(uri: "/api/v1/admin/tsdb/snapshot", method: .post) { response in
                #expect(response.status == .ok)
                let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                let name = try #require((body?["data"] as? [String: String])?["name"])
                let copy = try Store(options: StoreOptions(path: server.directory + "/data/snapshots/" + name))
                var cursor = try #require(try copy.querier().select([.equal("__name__", "kept")], mint: 0, maxt: .max, hints: .init()).first).samples
                #expect(cursor.next() == Sample(1000, 42))
            }
        }
    }
}

struct DeleteSeriesRouteTests {
    @Test func deleteSeriesRemovesDataAndRefusesMissingMatchers() async throws {
        let server = try TestServer()
        var app = server.server.store.appender()
        for t in 0..<10 {
            try app.append(.unknown, Labels(["__name__": "doomed", "job": "x"]), Int64(t) * 1000, 1)
            try app.append(.unknown, Labels(["__name__": "kept", "job": "x"]), Int64(t) * 1000, 1)
        }
        try app.commit()
        let application = Application(router: server.server.makeRouter())
        try await application.test(.router) { client in
            try await client.execute(uri: "/api/v1/admin/tsdb/delete_series", method: .post) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/admin/tsdb/delete_series?match[]=doomed&start=0&end=4", method: .post) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: "/api/v1/admin/tsdb/clean_tombstones", method: .post) { response in
                #expect(response.status == .noContent)
            }
        }
        let q = server.server.store.querier()
        var doomed = try #require(try q.select([.equal("__name__", "doomed")], mint: 0, maxt: .max, hints: .init()).first).samples
        #expect(doomed.collect().map(\.timestamp) == [5000, 6000, 7000, 8000, 9000])
        var kept = try #require(try q.select([.equal("__name__", "kept")], mint: 0, maxt: .max, hints: .init()).first).samples
        #expect(kept.collect().count == 10)
    }
}

struct PushConcurrencyTests {
    @Test func slotsAreCountedAndReleased() {
        let limiter = PushConcurrency(limit: 2)
        #expect(limiter.enter())
        #expect(limiter.enter())
        #expect(!limiter.enter(), "a third concurrent push is refused (429)")
        limiter.leave()
        #expect(limiter.enter())
    }

    @Test func aFullServerAnswers429WithRetryAfter() async throws {
        let server = try TestServer()
        // Occupy every slot, as 32 slow senders would.
        #expect(server.server.config.server.maxConcurrentPushes == 32)
        for _ in 0..<32 { #expect(server.server.pushConcurrency.enter()) }
        let application = Application(router: server.server.makeRouter())
        try await application.test(.router) { client in
            try await client.execute(uri: "/write", method: .post, body: ByteBuffer(string: "x v=1")) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "1")
            }
        }
    }
}
