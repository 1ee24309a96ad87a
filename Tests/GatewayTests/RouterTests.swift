import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TSDB
@testable import Gateway

struct RouterTests {
    func withApp(configure: (inout SextantConfig) -> Void = { _ in }, _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let server = try TestServer(configure: configure)
        let app = Application(router: server.server.makeRouter())
        server.server.readiness.markReady()
        try await app.test(.router, test)
    }

    func envelope(_ buffer: ByteBuffer) throws -> [String: String] {
        let object = try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any]
        return try #require(object?["error"] as? [String: String])
    }

    @Test func healthAnswersWithStatusVersionUptime() async throws {
        try await withApp { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                #expect(body?["status"] as? String == "ok")
                #expect(body?["version"] as? String == BuildInfo.version)
                #expect((body?["uptime_seconds"] as? Double ?? -1) >= 0)
            }
        }
    }

    @Test func detailedHealthProbesEveryComponent() async throws {
        try await withApp { client in
            try await client.execute(uri: "/health/detailed", method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                let components = try #require(body?["components"] as? [[String: Any]])
                #expect(components.compactMap { $0["name"] as? String } == ["store", "catalog", "collector", "alerting"])
                for component in components {
                    #expect(component["status"] as? String == "up")
                    #expect(component["latency_ms"] is Double)
                }
            }
        }
    }

    @Test func unknownPathGetsTheEnvelopeWithARequestID() async throws {
        try await withApp { client in
            try await client.execute(uri: "/does-not-exist", method: .get) { response in
                #expect(response.status == .notFound)
                let id = try #require(response.headers[HTTPField.Name("X-Request-ID")!])
                let payload = try envelope(response.body)
                #expect(payload["code"] == "not_found")
                #expect(payload["request_id"] == id)
                #expect(payload["message"]?.contains("/does-not-exist") == true)
            }
        }
    }

    @Test func wrongMethodIs405WithAllow() async throws {
        try await withApp { client in
            try await client.execute(uri: "/health", method: .delete) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET")
                let code = try envelope(response.body)["code"]
                #expect(code == "method_not_allowed")
            }
        }
    }

    @Test func clientRequestIDIsEchoedAndHostileOnesReplaced() async throws {
        try await withApp { client in
            try await client.execute(uri: "/health", method: .get, headers: [HTTPField.Name("X-Request-ID")!: "abc-123"]) { response in
                #expect(response.headers[HTTPField.Name("X-Request-ID")!] == "abc-123")
            }
            let hostile = String(repeating: "x", count: 300)
            try await client.execute(uri: "/health", method: .get, headers: [HTTPField.Name("X-Request-ID")!: hostile]) { response in
                let id = response.headers[HTTPField.Name("X-Request-ID")!]
                #expect(id != hostile)
                #expect(id?.count == 32)
            }
        }
    }

    @Test func readinessIs503UntilStartupFinished() async throws {
        let server = try TestServer()
        let app = Application(router: server.server.makeRouter())
        try await app.test(.router) { client in
            try await client.execute(uri: "/-/ready", method: .get) { #expect($0.status == .serviceUnavailable) }
            server.server.readiness.markReady()
            try await client.execute(uri: "/-/ready", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/-/healthy", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func buildinfoHasPrometheusShape() async throws {
        try await withApp { client in
            try await client.execute(uri: "/api/v1/status/buildinfo", method: .get) { response in
                let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                #expect(body?["status"] as? String == "success")
                let data = try #require(body?["data"] as? [String: String])
                for key in ["version", "revision", "branch", "buildUser", "buildDate", "goVersion"] {
                    #expect(data[key] != nil, "missing \(key)")
                }
                #expect(data["version"]?.hasPrefix("2.") == true)
            }
        }
    }

    @Test func metricsExposeProcessStoreAndPerRouteHTTPSeries() async throws {
        try await withApp { client in
            _ = try await client.execute(uri: "/health", method: .get)
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                let text = String(buffer: response.body)
                #expect(text.contains(#"sextant_http_requests_total{handler="/health",method="GET",code="200"} 1"#))
                #expect(text.contains("sextant_http_request_duration_seconds_bucket{handler=\"/health\",method=\"GET\""))
                #expect(text.contains("process_resident_memory_bytes "))
                #expect(text.contains("process_cpu_seconds_total "))
                #expect(text.contains("sextant_tsdb_head_series "))
                #expect(text.contains("sextant_wal_corruptions_total "))
            }
        }
    }

    @Test func gzipWhenAccepted() async throws {
        try await withApp { client in
            let headers: HTTPFields = [.acceptEncoding: "gzip, deflate"]
            try await client.execute(uri: "/metrics", method: .get, headers: headers) { response in
                #expect(response.headers[.contentEncoding] == "gzip")
                var body = response.body
                let plain = try body.decompress(with: .gzip())
                #expect(String(buffer: plain).contains("process_resident_memory_bytes"))
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.headers[.contentEncoding] == nil)
            }
        }
    }

    @Test func corsAllowsConfiguredOriginsOnly() async throws {
        try await withApp(configure: { $0.server.corsOrigins = ["https://dash.example"] }) { client in
            try await client.execute(uri: "/health", method: .get, headers: [.origin: "https://dash.example"]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == "https://dash.example")
            }
            try await client.execute(uri: "/health", method: .get, headers: [.origin: "https://evil.example"]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
            let preflight: HTTPFields = [.origin: "https://dash.example", .accessControlRequestMethod: "POST"]
            try await client.execute(uri: "/health", method: .options, headers: preflight) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowMethods]?.contains("POST") == true)
            }
        }
    }

    @Test func oversizedBodyIs413() async throws {
        try await withApp(configure: { $0.server.maxBodySize = 16 }) { client in
            let body = ByteBuffer(string: String(repeating: "x", count: 64))
            try await client.execute(uri: "/health", method: .post, body: body) { response in
                #expect(response.status == .contentTooLarge)
                let code = try envelope(response.body)["code"]
                #expect(code == "payload_too_large")
            }
        }
    }
}
