import Collector
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TSDB
@testable import Gateway

/// Garbage thrown at every ingesting and querying route: each answer is a clear 4xx, the
/// server keeps serving, and what was stored before is untouched.
struct HostileInputTests {
    static let seeded = Labels(["__name__": "precious", "job": "keep"])

    func withServer(_ test: @escaping @Sendable (TestServer, any TestClientProtocol) async throws -> Void) async throws {
        let server = try TestServer()
        var app = server.server.store.appender()
        for i in 0..<10 { try app.append(.unknown, Self.seeded, Int64(i) * 1000, Double(i)) }
        try app.commit()
        let application = Application(router: server.server.makeRouter())
        try await application.test(.router) { client in
            try await test(server, client)
            // Still serving, and the seeded series is exactly as it was.
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
        }
        // A flipped bit may well make a valid request for another series; this one must not change.
        let matchers = Self.seeded.map { LabelMatcher.equal($0.name, $0.value) }
        let series = try server.server.store.querier().select(matchers, mint: 0, maxt: .max, hints: .init())
        var cursor = try #require(series.first { $0.labels == Self.seeded }).samples
        // New, valid samples after the stored ones are fine; the stored ones must not change.
        #expect(cursor.collect().filter { $0.timestamp <= 9000 } == (0..<10).map { Sample(Int64($0) * 1000, Double($0)) })
    }

    static func bodies() -> [[UInt8]] {
        var random = SeededRandom(state: 0x5EC7A47)
        let valid = RemoteWriteEncoder.encode([RemoteWriteSeries(labels: Labels(["__name__": "precious", "job": "keep"]), samples: [Sample(500, 99)])])
        var out: [[UInt8]] = [[], [0], [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], Array("{\"json\": true}".utf8), Array(repeating: 0x80, count: 64)]
        for cut in stride(from: 1, to: valid.count, by: 3) { out.append(Array(valid[..<cut])) }
        for _ in 0..<20 {
            var flipped = valid
            let i = Int.random(in: 0..<flipped.count, using: &random)
            flipped[i] ^= UInt8.random(in: 1...255, using: &random)
            out.append(flipped)
        }
        out.append(Array("precious{job=\"keep\"} 1e400\n".utf8))
        out.append(Array("precious,job=keep value=\"\u{0}\"\n\u{FF}\u{FE}\n".utf8))
        out.append([0xC3, 0x28, 0xA0, 0xA1, 0xE2, 0x28, 0xA1])
        return out
    }

    @Test func pushRoutesRefuseGarbageWithoutTouchingStoredData() async throws {
        try await withServer { _, client in
            for body in Self.bodies() {
                for (uri, headers) in [("/api/v1/write", [HTTPField.Name.contentEncoding: "snappy"] as HTTPFields), ("/write", [:]), ("/api/v2/write", [:])] {
                    try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: body)) { response in
                        #expect(response.status.code < 500, "\(uri) answered \(response.status) to \(body.prefix(16))")
                    }

                }
            }
        }
    }

    @Test func queryRoutesRefuseGarbage() async throws {
        let queries = ["%00", "sum(", "%7B%7D", "up%5B%5D", "1%20%2B%20", "a%7Bb%3D~%22(%22%7D", String(repeating: "(", count: 5000) + "1",
                       "label_replace(up,%22%22,%22%22,%22%22,%22(%22)", "%E2%28%A1"]
        try await withServer { _, client in
            for q in queries {
                try await client.execute(uri: "/api/v1/query?query=\(q)", method: .get) { response in
                    #expect(response.status.code == 400 || response.status.code == 422, "query \(q.prefix(40)) → \(response.status)")
                }
                try await client.execute(uri: "/api/v1/query_range?query=\(q)&start=0&end=10&step=1", method: .get) { response in
                    #expect(response.status.code == 400 || response.status.code == 422)
                }
            }
            for uri in ["/api/v1/series?match[]=%7B", "/api/v1/labels?start=abc", "/api/v1/label/%00/values", "/api/v1/query_range?query=up&start=0&end=1&step=-5"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .badRequest, "\(uri)")
                }
            }
        }
    }
}

/// A fixed-seed generator so a failing case can be replayed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state ^ (state >> 29)
    }
}
