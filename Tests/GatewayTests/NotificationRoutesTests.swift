import Alerting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import TestSupport
@testable import Gateway

/// Silences, channels (with sealed secrets), acknowledgements and reload over HTTP.
struct NotificationRoutesTests {
    func json(_ buffer: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
    }

    func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    func withClient(_ server: TestServer, _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await Application(router: server.server.makeRouter()).test(.router, test)
    }

    @Test func silencesAreCreatedListedAndExpired() async throws {
        let server = try TestServer()
        try await withClient(server) { client in
            let create = #"{"matchers":[{"name":"instance","value":"a","isRegex":false}],"endsAt":"2999-01-01T00:00:00Z","createdBy":"ana","comment":"maintenance"}"#
            let id = try await client.execute(uri: "/api/v1/silences", method: .post, body: body(create)) { response in
                #expect(response.status == .ok)
                return try #require(json(response.body)["silenceID"] as? String)
            }
            try await client.execute(uri: "/api/v1/silences", method: .get) { response in
                let list = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]])
                #expect(list.count == 1)
                #expect((list.first?["status"] as? [String: String])?["state"] == "active")
                #expect(list.first?["createdBy"] as? String == "ana")
            }
            try await client.execute(uri: "/api/v1/silences/\(id)", method: .delete) { response in
                #expect(response.status == .ok)
                #expect((json(response.body)["status"] as? [String: String])?["state"] == "expired")
            }
            try await client.execute(uri: "/api/v1/silences/\(id)", method: .delete) { response in #expect(response.status == .conflict) }
            try await client.execute(uri: "/api/v1/silences/nope", method: .delete) { response in #expect(response.status == .notFound) }
        }
    }

    @Test(arguments: [
        ("{", "invalid JSON body"),
        (#"{"matchers":[],"endsAt":"2999-01-01T00:00:00Z","createdBy":"a","comment":"c"}"#, "at least one matcher"),
        (#"{"matchers":[{"name":"a","value":".*","isRegex":true}],"endsAt":"2999-01-01T00:00:00Z","createdBy":"a","comment":"c"}"#, "must not match the empty string"),
        (#"{"matchers":[{"name":"a","value":"(","isRegex":true}],"endsAt":"2999-01-01T00:00:00Z","createdBy":"a","comment":"c"}"#, "matchers[0]"),
        (#"{"matchers":[{"name":"a","value":"b","isRegex":false}],"endsAt":"yesterday","createdBy":"a","comment":"c"}"#, "endsAt"),
        (#"{"matchers":[{"name":"a","value":"b","isRegex":false}],"endsAt":"2000-01-01T00:00:00Z","createdBy":"a","comment":"c"}"#, "in the past"),
        (#"{"matchers":[{"name":"a","value":"b","isRegex":false}],"endsAt":"2999-01-01T00:00:00Z","comment":"c"}"#, "missing key \"createdBy\""),
    ])
    func badSilencesAreRefusedWithTheReason(_ input: String, _ reason: String) async throws {
        let server = try TestServer()
        try await withClient(server) { client in
            try await client.execute(uri: "/api/v1/silences", method: .post, body: body(input)) { response in
                #expect(response.status == .badRequest)
                let message = (json(response.body)["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(message.contains(reason), "\(message)")
            }
            try await client.execute(uri: "/api/v1/silences", method: .get) { response in
                #expect(String(buffer: response.body) == "[]", "nothing stored")
            }
        }
    }

    @Test(.enabled(if: HTTPReceiverProcess.available)) func channelsKeepTheirSecretsSealed() async throws {
        let receiver = try await HTTPReceiverProcess()
        let server = try TestServer()
        let secretURL = receiver.url + "/hook/secret-token-123"
        try await withClient(server) { client in
            let create = #"{"name":"ops-hook","type":"webhook","secrets":{"url":"\#(secretURL)"},"matchers":["severity=\"page\""]}"#
            let id = try await client.execute(uri: "/api/v1/notifications/channels", method: .post, body: body(create)) { response in
                #expect(response.status == .created)
                #expect(!String(buffer: response.body).contains("secret-token-123"))
                #expect(json(response.body)["secrets"] as? [String] == ["url"])
                return try #require(json(response.body)["id"] as? String)
            }
            try await client.execute(uri: "/api/v1/notifications/channels", method: .get) { response in
                #expect(!String(buffer: response.body).contains("secret-token-123"))
                #expect(String(buffer: response.body).contains("ops-hook"))
            }
            try await client.execute(uri: "/api/v1/notifications/channels", method: .post, body: body(create)) { response in
                #expect(response.status == .conflict)
            }
            try await client.execute(uri: "/api/v1/notifications/channels", method: .post,
                                     body: body(#"{"name":"x","type":"pager","secrets":{}}"#)) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/notifications/channels", method: .post,
                                     body: body(#"{"name":"y","type":"webhook","settings":{"url":"http://127.0.0.1:1/x"}}"#)) { response in
                #expect(response.status == .badRequest, "a secret sent as a setting is refused, not stored in the clear")
            }
            // An update without secrets keeps the sealed URL; the test endpoint really sends.
            try await client.execute(uri: "/api/v1/notifications/channels/\(id)", method: .put,
                                     body: body(#"{"name":"ops-hook","type":"webhook","settings":{"max_alerts":"5"}}"#)) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/v1/notifications/channels/\(id)/test", method: .post) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
            }
            let sent = try #require(receiver.requests("/hook/secret-token-123").first?.json)
            #expect((sent["commonLabels"] as? [String: String])?["alertname"] == "SextantTestNotification")
            try await client.execute(uri: "/api/v1/notifications/channels/\(id)", method: .delete) { response in
                #expect(response.status == .noContent)
            }
        }
        // The catalog file holds the URL only sealed.
        let catalogBytes = try Data(contentsOf: URL(fileURLWithPath: server.server.config.catalogPath))
        let wal = (try? Data(contentsOf: URL(fileURLWithPath: server.server.config.catalogPath + "-wal"))) ?? Data()
        #expect(catalogBytes.range(of: Data("secret-token-123".utf8)) == nil)
        #expect(wal.range(of: Data("secret-token-123".utf8)) == nil)
    }

    @Test func acknowledgingNeedsAKnownFiringAlert() async throws {
        let server = try TestServer()
        try await withClient(server) { client in
            try await client.execute(uri: "/api/v1/resources/alerts/zz/acknowledge", method: .post, body: body(#"{"by":"ana"}"#)) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/resources/alerts/0123456789abcdef/acknowledge", method: .post, body: body(#"{"by":"ana"}"#)) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/resources/alerts?state=bogus", method: .get) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/notifications?status=bogus", method: .get) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test func reloadAppliesNewRulesAndAFailedReloadKeepsTheOldOnes() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/sextant-reload-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let rules = directory + "/rules.yml"
        try "groups:\n  - name: first\n    rules:\n      - record: a\n        expr: vector(1)\n".write(toFile: rules, atomically: true, encoding: .utf8)
        var config = SextantConfig()
        config.storage.path = directory + "/data"
        config.collector.builtinRules = false
        config.ruleFiles = [rules]
        let fixed = config
        let server = try SextantServer(config: config, logger: Logger(label: "test"), reload: { fixed })
        try await Application(router: server.makeRouter()).test(.router) { client in
            try "groups:\n  - name: second\n    rules:\n      - record: b\n        expr: vector(2)\n".write(toFile: rules, atomically: true, encoding: .utf8)
            try await client.execute(uri: "/-/reload", method: .post) { response in #expect(response.status == .ok) }
            try await client.execute(uri: "/api/v1/rules", method: .get) { response in
                #expect(String(buffer: response.body).contains(#""name":"second""#))
            }
            try "groups:\n  - name: third\n    rules:\n      - record: c\n        expr: vector(\n".write(toFile: rules, atomically: true, encoding: .utf8)
            try await client.execute(uri: "/-/reload", method: .post) { response in
                #expect(response.status == .internalServerError)
                #expect(String(buffer: response.body).contains("failed to reload config"))
            }
            try await client.execute(uri: "/api/v1/rules", method: .get) { response in
                #expect(String(buffer: response.body).contains(#""name":"second""#), "a failed reload keeps what runs")
            }
        }
    }
}
