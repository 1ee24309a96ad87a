import Alerting
import AsyncHTTPClient
import Fleet
import Foundation
import Logging
import Testing
import TestSupport
import TSDB

/// The outbox delivered to a real HTTP receiver: retries until it recovers with exactly one
/// copy delivered, each integration retried alone, 429's Retry-After honoured, 4xx final.
@Suite(.enabled(if: HTTPReceiverProcess.available, "needs python3"))
struct DeliveryWorkerTests {
    let directory = NSTemporaryDirectory() + "delivery-\(UUID().uuidString)"
    static let now: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    /// Short backoffs; giving up is not what these tests check, and with a minute a run whose
    /// tasks waited long on a loaded machine (the full suite on 2 cores) gave a notification up
    /// after its first attempt.
    static let fast = RetryPolicy(initial: 20, maximum: 100, jitter: 0.2, giveUpAfter: 3_600_000, timeout: 2_000)

    func pipeline(_ receiver: Receiver, policy: RetryPolicy = Self.fast) throws -> (NotificationDispatcher, DeliveryWorker, AlertingStore, HTTPClient) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = AlertingStore(catalog: try Catalog(path: directory + "/catalog.sqlite"))
        let config = NotificationConfig(route: Route(receiver: receiver.name, groupBy: ["alertname"], groupWait: 0), receivers: [receiver])
        let dispatcher = try NotificationDispatcher(config: config, store: store)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let worker = DeliveryWorker(store: store, dispatcher: dispatcher, sender: NotificationSender(http: http), policy: policy,
                                    logger: Logger(label: "test"), now: Self.now)
        return (dispatcher, worker, store, http)
    }

    func fire(_ dispatcher: NotificationDispatcher) async throws {
        let at = Self.now()
        await dispatcher.receive([NotifiableAlert(labels: Labels(["alertname": "Down", "instance": "a", "severity": "page"]),
                                                  annotations: ["summary": "a is down"], startsAt: at, updatedAt: at)], at: at)
        try await dispatcher.tick(at: at)
    }

    /// Runs the worker until nothing is pending or `limit` passes.
    func drain(_ worker: DeliveryWorker, _ store: AlertingStore, limit: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + limit
        while try !store.outbox(status: .pending).isEmpty, ContinuousClock.now < deadline {
            try await worker.deliverDue()
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    @Test func aFailingIntegrationIsRetriedAloneUntilItTakesOneCopy() async throws {
        let receiver = try await HTTPReceiverProcess(script: ["/hook": ["500", "502", "503"]])
        let (dispatcher, worker, store, http) = try pipeline(Receiver(
            name: "ops", webhooks: [WebhookConfig(url: receiver.url + "/hook")], slack: [SlackConfig(apiURL: receiver.url + "/slack")]))
        try await fire(dispatcher)
        try await drain(worker, store)
        try await http.shutdown()

        #expect(receiver.requests("/slack").count == 1, "Slack succeeded at once and is not sent again")
        let hooks = receiver.requests("/hook")
        #expect(hooks.map(\.status) == [500, 502, 503, 200])
        #expect(hooks.filter { $0.status == 200 }.count == 1)
        let payload = try #require(hooks.last?.json)
        #expect(payload["version"] as? String == "4")
        #expect(payload["status"] as? String == "firing")
        #expect((payload["groupLabels"] as? [String: String]) == ["alertname": "Down"])
        let alerts = try #require(payload["alerts"] as? [[String: Any]])
        #expect((alerts.first?["labels"] as? [String: String])?["instance"] == "a")
        let slack = try #require(receiver.requests("/slack").first?.json["attachments"] as? [[String: Any]])
        #expect(slack.first?["title"] as? String == "[FIRING:1] Down (a page)")
        #expect((slack.first?["text"] as? String)?.contains("*Alert:* a is down - `page`") == true)

        let rows = try store.outbox()
        #expect(rows.allSatisfy { $0.status == .delivered })
        #expect(rows.first { $0.integration == "ops/webhook/0" }?.attempts == 4)
        #expect(rows.first { $0.integration == "ops/slack/0" }?.attempts == 1)
        let stats = try store.deliveryStats()
        #expect(stats.first { $0.integration == "ops/webhook/0" }?.lastError?.contains("503") == true)
    }

    @Test func rateLimitIsHonouredNotAFailure() async throws {
        let receiver = try await HTTPReceiverProcess(script: ["/hook": ["429:1"]])
        let (dispatcher, worker, store, http) = try pipeline(Receiver(name: "ops", webhooks: [WebhookConfig(url: receiver.url + "/hook")]))
        try await fire(dispatcher)
        try await worker.deliverDue()
        let waiting = try #require(try store.outbox().first)
        #expect(waiting.status == .pending)
        #expect(waiting.nextAttemptAt - (waiting.lastAttemptAt ?? 0) >= 1000, "Retry-After: 1 means a second, not the 20 ms backoff")
        try await drain(worker, store)
        try await http.shutdown()
        #expect(receiver.requests("/hook").map(\.status) == [429, 200])
    }

    @Test func clientErrorsFailForGoodAndAreListed() async throws {
        let receiver = try await HTTPReceiverProcess(script: ["/hook": ["400"]])
        let (dispatcher, worker, store, http) = try pipeline(Receiver(name: "ops", webhooks: [WebhookConfig(url: receiver.url + "/hook")]))
        try await fire(dispatcher)
        try await drain(worker, store)
        try await http.shutdown()
        let failed = try store.outbox(status: .failed)
        #expect(failed.count == 1)
        #expect(failed.first?.lastError?.contains("answered 400") == true)
        #expect(receiver.requests("/hook").count == 1)
    }

    @Test func aReceiverThatIsDownGetsTheNotificationWhenItReturns() async throws {
        // A port held by a socket that refuses connections: nothing else (another test's
        // receiver, a stray server) can answer on it while the receiver is down.
        let held = try HeldPort()
        let (dispatcher, worker, store, http) = try pipeline(Receiver(name: "ops", webhooks: [WebhookConfig(url: "http://127.0.0.1:\(held.port)/hook")]))
        do {
            try await fire(dispatcher)
            for _ in 0..<5 {
                try await worker.deliverDue()
                try await Task.sleep(for: .milliseconds(120))
            }
            let pending = try #require(try store.outbox().first)
            #expect(pending.status == .pending)
            #expect(pending.attempts >= 2)
            held.release()
            let receiver = try await HTTPReceiverProcess(port: held.port)
            try await drain(worker, store, limit: .seconds(90))
            try await http.shutdown()
            #expect(receiver.requests("/hook").count == 1)
            #expect(try store.outbox().first?.status == .delivered)
        } catch {
            // An HTTPClient dropped without shutdown traps: shut down on the failing path too.
            try? await http.shutdown()
            throw error
        }
    }
}
