import Alerting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing
import TSDB
@testable import Gateway

/// Alertmanager's API v2 over the router: the shapes, filters, status codes and error
/// messages Alertmanager 0.25 answers with (checked side by side with Debian's binary).
struct AlertmanagerAPITests {
    /// A clock the test moves.
    final class Clock: Sendable {
        let ms = Mutex<Int64>(1_900_000_000_000)
        var now: Int64 { ms.withLock { $0 } }
        func advance(_ by: Int64) { ms.withLock { $0 += by } }
    }

    static let secretSlackURL = "http://slack.example/very-secret-token"

    static func notifications() throws -> NotificationConfig {
        var config = NotificationConfig()
        config.global.resolveTimeout = 60_000
        config.route = Route(receiver: "ops", groupBy: ["alertname"], routes: [Route(receiver: "db", matchers: [.equal("team", "db")])])
        config.receivers = [
            Receiver(name: "ops", webhooks: [WebhookConfig(url: "http://127.0.0.1:1/hook")]),
            Receiver(name: "db", slack: [SlackConfig(apiURL: secretSlackURL, channel: "#db")]),
        ]
        config.inhibitRules = [InhibitRule(sourceMatchers: [.equal("severity", "critical")], targetMatchers: [.equal("severity", "warning")], equal: ["instance"])]
        return config
    }

    static func server(_ clock: Clock = Clock(), name: String = #function, maxBodySize: Int? = nil) throws -> TestServer {
        let notifications = try notifications()
        return try TestServer(name, now: { clock.now }) { config in
            config.notifications = notifications
            config.collector.builtinRules = false
            if let maxBodySize { config.server.maxBodySize = maxBodySize }
        }
    }

    func withClient(_ server: TestServer, _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await Application(router: server.server.makeRouter()).test(.router, test)
    }

    static func any(_ buffer: ByteBuffer) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView), options: .fragmentsAllowed)
    }

    static func list(_ buffer: ByteBuffer) -> [[String: Any]] { any(buffer) as? [[String: Any]] ?? [] }

    static func names(_ buffer: ByteBuffer) -> [String] {
        list(buffer).compactMap { ($0["labels"] as? [String: String])?["alertname"] }.sorted()
    }

    static let threeAlerts = """
        [{"labels":{"alertname":"Good","instance":"i1","severity":"warning"},"annotations":{"summary":"s"},"generatorURL":"http://prom/graph"},
         {"labels":{"alertname":"Crit","instance":"i1","severity":"critical"}},
         {"labels":{"alertname":"Db","team":"db"}}]
        """

    static func post(_ client: any TestClientProtocol, _ uri: String, _ body: String) async throws -> (HTTPResponse.Status, Any?) {
        try await client.execute(uri: uri, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body)) {
            ($0.status, any($0.body))
        }
    }

    // MARK: status and receivers

    @Test func statusShowsTheConfigurationWithSecretsHidden() async throws {
        let server = try Self.server()
        try await withClient(server) { client in
            try await client.execute(uri: "/api/v2/status", method: .get) { response in
                #expect(response.status == .ok)
                let body = try #require(Self.any(response.body) as? [String: Any])
                let cluster = body["cluster"] as? [String: Any]
                #expect(cluster?["status"] as? String == "disabled")
                #expect((cluster?["peers"] as? [Any])?.isEmpty == true)
                #expect((body["versionInfo"] as? [String: String])?["version"] == "0.25.0")
                #expect(RFC3339.milliseconds(body["uptime"] as? String ?? "") != nil)
                let original = try #require((body["config"] as? [String: String])?["original"])
                #expect(original.contains("receiver: ops"))
                #expect(original.contains("team=\\\"db\\\"") || original.contains(#"team="db""#), "\(original)")
                #expect(original.contains("resolve_timeout: 1m"))
                #expect(original.contains("<secret>"))
                #expect(!original.contains("very-secret-token"))
                // The text reads back as the same routing.
                let unsealed = original.replacingOccurrences(of: "<secret>", with: "http://x.example")
                let reread = try ConfigLoader.parse(yaml: "notifications:\n" + unsealed.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"), source: "status")
                #expect(try reread.notifications?.route == Self.notifications().route)
                #expect(try reread.notifications?.inhibitRules == Self.notifications().inhibitRules)
            }
            try await client.execute(uri: "/api/v2/receivers", method: .get) { response in
                #expect(Self.list(response.body).compactMap { $0["name"] as? String } == ["ops", "db"])
            }
        }
    }

    /// `config.original` renders time intervals, routes' mute and active times and the
    /// `templates:` entries, and reads back as the same configuration.
    @Test func theRenderedConfigurationKeepsTimeIntervalsAndTemplates() throws {
        let yaml = """
            notifications:
              templates: ['/nonexistent/sextant-*.tmpl']
              time_intervals:
                - name: offhours
                  time_intervals:
                    - times: [{start_time: '18:30', end_time: '24:00'}]
                      weekdays: ['monday:friday', saturday]
                      days_of_month: ['1:5', '-1']
                      months: ['december', '1:2']
                      years: ['2026:2030']
                      location: Europe/Berlin
              route:
                receiver: r
                routes:
                  - receiver: r
                    matchers: ['team="db"']
                    mute_time_intervals: [offhours]
                  - receiver: r
                    active_time_intervals: [offhours]
              receivers: [{name: r}]
            """
        let config = try #require(try ConfigLoader.parse(yaml: yaml, source: "s.yml").notifications)
        let rendered = NotificationConfigRenderer.yaml(config)
        #expect(rendered.contains("/nonexistent/sextant-*.tmpl"), "\(rendered)")
        let reread = try #require(try ConfigLoader.parse(
            yaml: "notifications:\n" + rendered.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"), source: "status").notifications)
        #expect(reread.timeIntervals == config.timeIntervals)
        #expect(reread.route == config.route)
        #expect(reread.templatePatterns == ["/nonexistent/sextant-*.tmpl"])
    }

    // MARK: posting and listing alerts

    @Test func postedAlertsAreListedWithTheirStatus() async throws {
        let clock = Clock()
        let server = try Self.server(clock)
        try await withClient(server) { client in
            let (status, _) = try await Self.post(client, "/api/v2/alerts", Self.threeAlerts)
            #expect(status == .ok)
            try await client.execute(uri: "/api/v2/alerts", method: .get) { response in
                #expect(response.status == .ok)
                let alerts = Self.list(response.body)
                #expect(alerts.count == 3)
                let good = try #require(alerts.first { ($0["labels"] as? [String: String])?["alertname"] == "Good" })
                let crit = try #require(alerts.first { ($0["labels"] as? [String: String])?["alertname"] == "Crit" })
                let db = try #require(alerts.first { ($0["labels"] as? [String: String])?["alertname"] == "Db" })
                let goodStatus = try #require(good["status"] as? [String: Any])
                #expect(goodStatus["state"] as? String == "suppressed")
                #expect(goodStatus["inhibitedBy"] as? [String] == [crit["fingerprint"] as? String ?? "?"])
                #expect(goodStatus["silencedBy"] as? [String] == [])
                #expect(good["generatorURL"] as? String == "http://prom/graph")
                #expect(crit["generatorURL"] == nil)
                #expect((good["annotations"] as? [String: String]) == ["summary": "s"])
                #expect(((db["receivers"] as? [[String: String]]) ?? []) == [["name": "db"]])
                #expect(((crit["receivers"] as? [[String: String]]) ?? []) == [["name": "ops"]])
                // No end given: it shows when it times out.
                #expect(RFC3339.milliseconds(crit["startsAt"] as? String ?? "") == clock.now)
                #expect(RFC3339.milliseconds(crit["updatedAt"] as? String ?? "") == clock.now)
                #expect(RFC3339.milliseconds(crit["endsAt"] as? String ?? "") == clock.now + 60_000)
                #expect((crit["fingerprint"] as? String)?.count == 16)
            }
            // Each posted alert's start is in the alert history.
            try await client.execute(uri: "/api/v1/resources/alerts/history?alertname=Crit", method: .get) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(text.contains("\"firing\""), "\(text)")
            }
        }
    }

    @Test(arguments: [
        ("", ["Crit", "Db", "Good"]),
        (#"filter=alertname%3D~"G.*"&filter=severity!%3Dcritical"#, ["Good"]),
        ("filter=alertname%3DGood", ["Good"]),
        ("filter=team%3D", ["Crit", "Good"]),
        ("filter=team!%3D", ["Db"]),
        ("inhibited=false", ["Crit", "Db"]),
        ("active=false", ["Good"]),
        ("receiver=db", ["Db"]),
        ("receiver=d", []),
        ("receiver=o.%2B", ["Crit", "Good"]),
        ("silenced=false&unprocessed=false", ["Crit", "Db", "Good"]),
    ])
    func alertFilters(_ query: String, _ expected: [String]) async throws {
        let server = try Self.server(name: "alertFilters")
        try await withClient(server) { client in
            _ = try await Self.post(client, "/api/v2/alerts", Self.threeAlerts)
            try await client.execute(uri: "/api/v2/alerts?" + query, method: .get) { response in
                #expect(response.status == .ok)
                #expect(Self.names(response.body) == expected, "\(query)")
            }
        }
    }

    @Test(arguments: [
        ("filter=bad-name%3Dx", "bad matcher format: bad-name=x"),
        ("filter=%7Ba%3D%22b%22%7D", "bad matcher format: {a=\"b\"}"),
        ("filter=a%3D1,b%3D2", "expected exactly one matcher"),
        ("filter=a%3D~%22(%22", "bad matcher format"),
        ("receiver=%5B", "failed to parse receiver param"),
        ("silenced=maybe", "silenced in query must be of type bool: \"maybe\""),
    ])
    func badAlertQueriesAreRefused(_ query: String, _ message: String) async throws {
        let server = try Self.server(name: "badAlertQueries")
        try await withClient(server) { client in
            for path in ["/api/v2/alerts?", "/api/v2/alerts/groups?"] {
                try await client.execute(uri: path + query, method: .get) { response in
                    #expect(response.status == .badRequest)
                    let text = Self.any(response.body) as? String ?? ""
                    #expect(text.contains(message), "\(path)\(query): \(text)")
                }
            }
        }
    }

    @Test(arguments: [
        ("{", HTTPResponse.Status.badRequest, "parsing alerts body failed"),
        ("{}", .badRequest, "parsing alerts body failed"),
        ("", .badRequest, "needs a JSON body"),
        ("[{}]", .unprocessableContent, "0.labels in body is required"),
        (#"[{"labels":{"a":"1"}},{"annotations":{}}]"#, .unprocessableContent, "1.labels in body is required"),
        (#"[{"labels":{}}]"#, .badRequest, "at least one label pair required"),
        (#"[{"labels":{"a":""}}]"#, .badRequest, "at least one label pair required"),
        (#"[{"labels":{"0bad":"x"}}]"#, .badRequest, #"invalid label set: invalid name "0bad""#),
        (#"[{"labels":{"alertname":5}}]"#, .badRequest, "parsing alerts body failed"),
        (#"[{"labels":{"a":"x"},"startsAt":"2024-01-02T00:00:00Z","endsAt":"2024-01-01T00:00:00Z"}]"#, .badRequest, "start time must be before end time"),
        (#"[{"labels":{"a":"x"},"startsAt":"garbage"}]"#, .badRequest, "[0].startsAt: \"garbage\" is not an RFC 3339 time"),
        (#"[{"labels":{"a":"x"},"annotations":{"0x":"y"}}]"#, .badRequest, #"invalid annotations: invalid name "0x""#),
        (#"[{"labels":{"a":"x"},"generatorURL":"not a url"}]"#, .unprocessableContent, "0.generatorURL in body must be of type uri"),
    ])
    func badAlertsAreRefusedAndNothingIsStored(_ body: String, _ status: HTTPResponse.Status, _ message: String) async throws {
        let server = try Self.server(name: "badAlerts")
        try await withClient(server) { client in
            let (got, reply) = try await Self.post(client, "/api/v2/alerts", body)
            #expect(got == status)
            #expect((reply as? String ?? "").contains(message), "\(reply ?? "nil")")
            try await client.execute(uri: "/api/v2/alerts", method: .get) { response in
                #expect(Self.list(response.body).isEmpty)
            }
        }
    }

    @Test func validAlertsOfARequestAreTakenAndTheRestReported() async throws {
        let server = try Self.server()
        try await withClient(server) { client in
            let body = #"[{"labels":{"alertname":"Ok","empty":""}},{"labels":{"bad-name":"1"}},{"labels":{}}]"#
            let (status, reply) = try await Self.post(client, "/api/v2/alerts", body)
            #expect(status == .badRequest)
            #expect(reply as? String == #"invalid label set: invalid name "bad-name"; at least one label pair required"#)
            try await client.execute(uri: "/api/v2/alerts", method: .get) { response in
                let alerts = Self.list(response.body)
                #expect(alerts.count == 1)
                #expect(alerts.first?["labels"] as? [String: String] == ["alertname": "Ok"], "empty labels are dropped")
            }
        }
    }

    @Test func oversizedBodiesAreRefused() async throws {
        let server = try Self.server(maxBodySize: 1024)
        try await withClient(server) { client in
            let big = "[" + Array(repeating: #"{"labels":{"alertname":"x"}}"#, count: 100).joined(separator: ",") + "]"
            let (status, _) = try await Self.post(client, "/api/v2/alerts", big)
            #expect(status == .contentTooLarge)
            try await client.execute(uri: "/api/v2/alerts", method: .get) { response in
                #expect(Self.list(response.body).isEmpty)
            }
        }
    }

    /// As Alertmanager: an alert posted without an end resolves `resolve_timeout` after its
    /// sender last repeated it; one with an end in the past is resolved at once.
    @Test func alertsWithoutAnEndExpireAfterTheResolveTimeout() async throws {
        let clock = Clock()
        let server = try Self.server(clock)
        let dispatcher = server.server.notifications.dispatcher
        try await withClient(server) { client in
            let firing = #"[{"labels":{"alertname":"Flaky"}},{"labels":{"alertname":"Done"},"endsAt":"2020-01-01T00:00:00Z"}]"#
            _ = try await Self.post(client, "/api/v2/alerts", firing)
            let started = clock.now
            try await client.execute(uri: "/api/v2/alerts", method: .get) { #expect(Self.names($0.body) == ["Flaky"]) }
            clock.advance(30_000)
            _ = try await Self.post(client, "/api/v2/alerts", #"[{"labels":{"alertname":"Flaky"}}]"#)
            try await dispatcher.tick(at: clock.now)
            try await client.execute(uri: "/api/v2/alerts", method: .get) { response in
                let alert = try #require(Self.list(response.body).first)
                #expect(RFC3339.milliseconds(alert["startsAt"] as? String ?? "") == started, "a repeat keeps the start")
                #expect(RFC3339.milliseconds(alert["updatedAt"] as? String ?? "") == clock.now)
                #expect(RFC3339.milliseconds(alert["endsAt"] as? String ?? "") == clock.now + 60_000)
            }
            clock.advance(59_000)
            try await dispatcher.tick(at: clock.now)
            try await client.execute(uri: "/api/v2/alerts", method: .get) { #expect(Self.names($0.body) == ["Flaky"]) }
            clock.advance(1_000)
            try await client.execute(uri: "/api/v2/alerts", method: .get) { #expect(Self.names($0.body) == [], "timed out before the tick") }
            try await dispatcher.tick(at: clock.now)
            let statuses = await dispatcher.statuses(at: clock.now)
            #expect(statuses.first { $0.alert.alertname == "Flaky" }?.resolved == true)
            try await client.execute(uri: "/api/v2/alerts", method: .get) { #expect(Self.names($0.body) == []) }
        }
    }

    // MARK: groups

    @Test func groupsFollowTheRoutingTree() async throws {
        let server = try Self.server()
        try await withClient(server) { client in
            _ = try await Self.post(client, "/api/v2/alerts", Self.threeAlerts)
            try await client.execute(uri: "/api/v2/alerts/groups", method: .get) { response in
                #expect(response.status == .ok)
                let groups = Self.list(response.body)
                #expect(groups.count == 3)
                let db = try #require(groups.first { ($0["receiver"] as? [String: String])?["name"] == "db" })
                #expect(db["labels"] as? [String: String] == ["alertname": "Db"])
                #expect((db["alerts"] as? [[String: Any]])?.count == 1)
                #expect(groups.filter { ($0["receiver"] as? [String: String])?["name"] == "ops" }.count == 2)
            }
            try await client.execute(uri: "/api/v2/alerts/groups?receiver=db", method: .get) { response in
                #expect(Self.list(response.body).count == 1)
            }
            try await client.execute(uri: "/api/v2/alerts/groups?filter=alertname%3DGood&inhibited=false", method: .get) { response in
                #expect(Self.list(response.body).isEmpty, "a group with no alert left is not shown")
            }
            try await client.execute(uri: "/api/v2/alerts/groups?active=false", method: .get) { response in
                let groups = Self.list(response.body)
                #expect(groups.count == 1)
                #expect(groups.first?["labels"] as? [String: String] == ["alertname": "Good"])
            }
        }
    }

    // MARK: silences

    static func silence(id: String? = nil, matchers: String = #"[{"name":"alertname","value":"Db","isRegex":false,"isEqual":true}]"#,
                        startsAt: String = "2020-01-01T00:00:00Z", endsAt: String = "2999-01-01T00:00:00Z") -> String {
        let idField = id.map { #""id":"\#($0)","# } ?? ""
        return #"{\#(idField)"matchers":\#(matchers),"startsAt":"\#(startsAt)","endsAt":"\#(endsAt)","createdBy":"ana","comment":"maintenance"}"#
    }

    @Test func silencesAreCreatedUpdatedQueriedAndExpired() async throws {
        let clock = Clock()
        let server = try Self.server(clock)
        try await withClient(server) { client in
            _ = try await Self.post(client, "/api/v2/alerts", Self.threeAlerts)
            let (status, created) = try await Self.post(client, "/api/v2/silences", Self.silence())
            #expect(status == .ok)
            let id = try #require((created as? [String: String])?["silenceID"])
            let stored = try await client.execute(uri: "/api/v2/silence/\(id)", method: .get) { response in
                #expect(response.status == .ok)
                return try #require(Self.any(response.body) as? [String: Any])
            }
            #expect((stored["status"] as? [String: String])?["state"] == "active")
            #expect(RFC3339.milliseconds(stored["startsAt"] as? String ?? "") == clock.now, "a start in the past becomes now")
            #expect((stored["matchers"] as? [[String: Any]])?.first?["isEqual"] as? Bool == true)

            // The silenced alert says so, and silenced=false hides it.
            try await client.execute(uri: "/api/v2/alerts?filter=alertname%3DDb", method: .get) { response in
                let status = Self.list(response.body).first?["status"] as? [String: Any]
                #expect(status?["state"] as? String == "suppressed")
                #expect(status?["silencedBy"] as? [String] == [id])
            }
            try await client.execute(uri: "/api/v2/alerts?silenced=false", method: .get) { #expect(Self.names($0.body) == ["Crit", "Good"]) }

            // Same matchers and start: updated in place. The v1 API sees the same silences.
            clock.advance(1000)
            let (_, updated) = try await Self.post(client, "/api/v2/silences",
                                                   Self.silence(id: id, startsAt: stored["startsAt"] as! String, endsAt: "2998-01-01T00:00:00Z"))
            #expect((updated as? [String: String])?["silenceID"] == id)
            try await client.execute(uri: "/api/v1/silences/\(id)", method: .get) { response in
                #expect((Self.any(response.body) as? [String: Any])?["endsAt"] as? String == "2998-01-01T00:00:00.000Z")
            }

            // Other matchers: the old one expires and a new one takes over.
            let (_, replaced) = try await Self.post(client, "/api/v2/silences",
                Self.silence(id: id, matchers: #"[{"name":"team","value":"d.*","isRegex":true}]"#, startsAt: stored["startsAt"] as! String))
            let newID = try #require((replaced as? [String: String])?["silenceID"])
            #expect(newID != id)
            try await client.execute(uri: "/api/v2/silences", method: .get) { response in
                let silences = Self.list(response.body)
                #expect(silences.map { $0["id"] as? String } == [newID, id], "active first, then expired")
                #expect(silences.map { ($0["status"] as? [String: String])?["state"] } == ["active", "expired"])
            }
            try await client.execute(uri: "/api/v2/silences?filter=team%3D~%22d.%2A%22", method: .get) { response in
                #expect(Self.list(response.body).map { $0["id"] as? String } == [newID])
            }
            try await client.execute(uri: "/api/v2/silences?filter=alertname%3DDb", method: .get) { response in
                #expect(Self.list(response.body).map { $0["id"] as? String } == [id])
            }
            try await client.execute(uri: "/api/v2/silences?filter=nope%3D", method: .get) { response in
                #expect(Self.list(response.body).count == 2, "an empty value matches an absent name")
            }
            try await client.execute(uri: "/api/v2/silences?filter=a-b%3Dc", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect((Self.any(response.body) as? String)?.hasPrefix("bad matcher format: a-b=c") == true)
            }

            // Expire: 200, again 200; unknown ids 404; not a UUID 422.
            try await client.execute(uri: "/api/v2/silence/\(newID)", method: .delete) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v2/silence/\(newID)", method: .delete) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v2/silence/\(newID)", method: .get) { response in
                #expect(((Self.any(response.body) as? [String: Any])?["status"] as? [String: String])?["state"] == "expired")
            }
            let unknown = "4b1e3cf8-6a8c-4c8e-9a55-0c2f1b7c2a11"
            try await client.execute(uri: "/api/v2/silence/\(unknown)", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v2/silence/\(unknown)", method: .delete) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v2/silence/nope", method: .get) { response in
                #expect(response.status == .unprocessableContent)
                #expect(Self.any(response.body) as? String == #"silenceID in path must be of type uuid: "nope""#)
            }
            let (missing, _) = try await Self.post(client, "/api/v2/silences", Self.silence(id: unknown))
            #expect(missing == .notFound)
            try await client.execute(uri: "/api/v2/alerts?silenced=false", method: .get) { #expect(Self.names($0.body) == ["Crit", "Db", "Good"]) }
        }
    }

    @Test(arguments: [
        ("{", HTTPResponse.Status.badRequest, "parsing silence body failed"),
        (#"{"matchers":[{"name":"a","value":"b","isRegex":false}],"endsAt":"2999-01-01T00:00:00Z","createdBy":"x","comment":"c"}"#,
         .unprocessableContent, "startsAt in body is required"),
        (#"{"matchers":[{"name":"a","value":"b","isRegex":false}],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2999-01-01T00:00:00Z","comment":"c"}"#,
         .unprocessableContent, "createdBy in body is required"),
        (AlertmanagerAPITests.silence(matchers: "[]"), .badRequest, "at least one matcher"),
        (AlertmanagerAPITests.silence(matchers: #"[{"name":"a","value":".*","isRegex":true}]"#), .badRequest, "must not match the empty string"),
        (AlertmanagerAPITests.silence(matchers: #"[{"name":"0a","value":"b","isRegex":false}]"#), .badRequest, #"invalid label name "0a""#),
        (AlertmanagerAPITests.silence(matchers: #"[{"name":"a","value":"(","isRegex":true}]"#), .badRequest, "matchers[0]"),
        (AlertmanagerAPITests.silence(startsAt: "2999-01-02T00:00:00Z"), .badRequest, "endsAt must be after startsAt"),
        (AlertmanagerAPITests.silence(startsAt: "2019-01-01T00:00:00Z", endsAt: "2020-01-01T00:00:00Z"), .badRequest, "in the past"),
        (AlertmanagerAPITests.silence(endsAt: "tomorrow"), .badRequest, "endsAt: \"tomorrow\" is not an RFC 3339 time"),
    ])
    func badSilencesAreRefusedAndNothingIsStored(_ body: String, _ status: HTTPResponse.Status, _ message: String) async throws {
        let server = try Self.server(name: "badSilences")
        try await withClient(server) { client in
            let (got, reply) = try await Self.post(client, "/api/v2/silences", body)
            #expect(got == status)
            #expect((reply as? String ?? "").contains(message), "\(reply ?? "nil")")
            try await client.execute(uri: "/api/v2/silences", method: .get) { #expect(String(buffer: $0.body) == "[]") }
        }
    }

    @Test func silencesMadeThroughV1AreSeenThroughV2() async throws {
        let server = try Self.server()
        try await withClient(server) { client in
            let (_, created) = try await Self.post(client, "/api/v1/silences", Self.silence())
            let id = try #require((created as? [String: String])?["silenceID"])
            try await client.execute(uri: "/api/v2/silences", method: .get) { #expect(Self.list($0.body).map { $0["id"] as? String } == [id]) }
            try await client.execute(uri: "/api/v2/silence/\(id)", method: .delete) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/silences/\(id)", method: .delete) { #expect($0.status == .conflict) }
        }
    }

    @Test(arguments: [
        ("2024-01-02T03:04:05Z", Int64(1_704_164_645_000)),
        ("2024-01-02T03:04:05.123456789Z", 1_704_164_645_123),
        ("2024-01-02T05:04:05.5+02:00", 1_704_164_645_500),
        ("0001-01-01T00:00:00Z", -62_135_596_800_000),
        ("2024-01-02 03:04:05Z", nil),
        ("2024-01-02T03:04:05", nil),
        ("2024-13-02T03:04:05Z", nil),
    ])
    func rfc3339(_ text: String, _ expected: Int64?) {
        #expect(RFC3339.milliseconds(text) == expected)
        if let expected, expected > 0 { #expect(RFC3339.milliseconds(RFC3339.format(expected)) == expected) }
    }
}
