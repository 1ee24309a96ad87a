import Alerting
import Fleet
import Foundation
import Testing
import TSDB

/// The dispatcher against a real SQLite catalog: grouping and its timing, deduplication
/// (also across a restart), silences, inhibition, acknowledgements and resolutions.
@Suite struct NotificationDispatcherTests {
    let directory: String
    let catalog: Catalog
    let store: AlertingStore

    init() throws {
        directory = NSTemporaryDirectory() + "dispatcher-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        catalog = try Catalog(path: directory + "/catalog.sqlite")
        store = AlertingStore(catalog: catalog)
    }

    static func config(
        groupBy: [String] = ["alertname"], groupWait: Int64 = 30_000, groupInterval: Int64 = 300_000, repeatInterval: Int64 = 3_600_000,
        sendResolved: Bool = true, inhibit: [InhibitRule] = [], routes: [Route] = []
    ) -> NotificationConfig {
        NotificationConfig(
            route: Route(receiver: "ops", groupBy: groupBy, groupWait: groupWait, groupInterval: groupInterval, repeatInterval: repeatInterval, routes: routes),
            receivers: [
                Receiver(name: "ops", webhooks: [WebhookConfig(url: "http://127.0.0.1:9/hook", sendResolved: sendResolved)]),
                Receiver(name: "db", webhooks: [WebhookConfig(url: "http://127.0.0.1:9/db")]),
            ],
            inhibitRules: inhibit)
    }

    static func alert(_ pairs: [String: String], startsAt: Int64 = 0, endsAt: Int64? = nil, at: Int64) -> NotifiableAlert {
        NotifiableAlert(labels: Labels(pairs), startsAt: startsAt, endsAt: endsAt, updatedAt: at)
    }

    /// The notifications queued so far, oldest first: (receiver, status, alert instances).
    func queued() throws -> [(receiver: String, status: String, instances: [String])] {
        try store.outbox(limit: 1000).reversed().map { item in
            (item.receiver, item.payload.status, item.payload.alerts.map { "\($0.labels["instance"] ?? "")=\($0.status)" })
        }
    }

    @Test func groupsAlertsAndWaitsGroupWait() async throws {
        let dispatcher = try NotificationDispatcher(config: Self.config(), store: store)
        await dispatcher.receive([
            Self.alert(["alertname": "Down", "instance": "a"], at: 0),
            Self.alert(["alertname": "Down", "instance": "b"], at: 0),
            Self.alert(["alertname": "Full", "instance": "a"], at: 0),
        ], at: 0)
        #expect(try await dispatcher.tick(at: 29_000) == 0)
        #expect(try await dispatcher.tick(at: 30_000) == 2)
        let sent = try queued()
        #expect(sent.count == 2)
        #expect(sent.contains { $0.instances == ["a=firing", "b=firing"] })
        #expect(sent.contains { $0.instances == ["a=firing"] })
    }

    @Test func anAlertThatStartedLongAgoDoesNotWaitGroupWaitInANewGroup() async throws {
        let dispatcher = try NotificationDispatcher(config: Self.config(groupWait: 30_000), store: store)
        // Started 10 min before it reaches the dispatcher (a restart, a late sender).
        await dispatcher.receive([Self.alert(["alertname": "Down", "instance": "a"], startsAt: 0, at: 600_000)], at: 600_000)
        #expect(try await dispatcher.tick(at: 600_000) == 1)
        // A fresh alert in a new group still waits.
        await dispatcher.receive([Self.alert(["alertname": "Full", "instance": "a"], startsAt: 600_000, at: 600_000)], at: 600_000)
        #expect(try await dispatcher.tick(at: 601_000) == 0)
        #expect(try await dispatcher.tick(at: 630_000) == 1)
    }

    @Test func pruningDropsOldDeliveriesSilencesAndLogEntriesButKeepsCountersAndPendingWork() async throws {
        let hour: Int64 = 3_600_000
        let dispatcher = try NotificationDispatcher(config: Self.config(groupWait: 0), store: store)
        await dispatcher.receive([Self.alert(["alertname": "Down", "instance": "a"], at: 0)], at: 0)
        await dispatcher.receive([Self.alert(["alertname": "Full", "instance": "a"], at: 0)], at: 0)
        #expect(try await dispatcher.tick(at: 0) == 2)
        let items = try store.outbox(limit: 10)
        try store.markDelivered(items[0].id, attempts: 1, at: 1_000)
        try store.markFailed(items[1].id, attempts: 3, error: "HTTP 400: bad payload", at: 2_000)
        // Both resolve; the resolutions are queued and stay pending (owed, never pruned).
        await dispatcher.receive([Self.alert(["alertname": "Down", "instance": "a"], endsAt: 10_000, at: 10_000)], at: 10_000)
        await dispatcher.receive([Self.alert(["alertname": "Full", "instance": "a"], endsAt: 10_000, at: 10_000)], at: 10_000)
        #expect(try await dispatcher.tick(at: 400_000) == 2)
        try store.saveSilence(Silence(id: "s1", matchers: [LabelMatcher(.equal, "alertname", "Down")], startsAt: 0, endsAt: hour,
                                      createdBy: "ops", comment: "maintenance", updatedAt: 0))
        try store.saveSilence(Silence(id: "s2", matchers: [LabelMatcher(.equal, "alertname", "Down")], startsAt: 0, endsAt: 200 * hour,
                                      createdBy: "ops", comment: "long", updatedAt: 0))
        try store.recordHistory([AlertingStore.HistoryEntry(at: 0, labels: Labels(["alertname": "Down"]), state: "firing")])
        let before = try store.deliveryStats()

        let now = 122 * hour
        let logCounts = try await dispatcher.prune(before: now - 120 * hour)
        let counts = try store.prune(notificationsBefore: now - 120 * hour, historyBefore: now - 30 * 24 * hour)
        #expect(logCounts.logEntries == 2, "both groups ended; their log entries are older than the retention")
        #expect(counts.notifications == 2, "the delivered and the failed notification go; the pending resolutions stay")
        #expect(counts.silences == 1)
        #expect(counts.history == 0, "history is kept for its own, longer retention")
        #expect(try store.outbox(limit: 10).allSatisfy { $0.status == .pending })
        #expect(try store.outbox(limit: 10).count == 2)
        #expect(try store.silences().map(\.id) == ["s2"])
        #expect(try store.notificationLog().isEmpty)
        let after = try store.deliveryStats()
        #expect(after == before, "counters and the last error survive pruning")
        #expect(after.map(\.failed).reduce(0, +) == 1)
        #expect(after.first { $0.failed == 1 }?.lastError == "HTTP 400: bad payload")

        // A second pass finds nothing more, and counters still hold.
        let again = try store.prune(notificationsBefore: now - 120 * hour, historyBefore: now - 30 * 24 * hour)
        #expect(again.total == 0)
        #expect(try store.deliveryStats() == before)
        let history = try store.prune(notificationsBefore: 0, historyBefore: now)
        #expect(history.history == 1)
    }

    @Test func repeatsOnlyAfterRepeatIntervalAndNotifiesNewAlertsAtGroupInterval() async throws {
        let dispatcher = try NotificationDispatcher(config: Self.config(groupWait: 0, groupInterval: 60_000, repeatInterval: 600_000), store: store)
        await dispatcher.receive([Self.alert(["alertname": "Down", "instance": "a"], at: 0)], at: 0)
        #expect(try await dispatcher.tick(at: 0) == 1)
        for t in stride(from: Int64(60_000), to: 600_000, by: 60_000) {
            await dispatcher.receive([Self.alert(["alertname": "Down", "instance": "a"], at: t)], at: t)
            #expect(try await dispatcher.tick(at: t) == 0, "nothing changed at \(t)")
        }
        // A new alert in the group goes out at the next group interval, not before.
        await dispatcher.receive([Self.alert(["alertname": "Down", "instance": "b"], at: 590_000)], at: 590_000)
        #expect(try await dispatcher.tick(at: 595_000) == 0)
        #expect(try await dispatcher.tick(at: 600_000) == 1)
        #expect(try queued().last?.instances == ["a=firing", "b=firing"])
        // And the unchanged group repeats once repeat_interval has passed since then.
        let both = [Self.alert(["alertname": "Down", "instance": "a"], at: 0), Self.alert(["alertname": "Down", "instance": "b"], at: 0)]
        // Strictly after it, as Alertmanager: the flush at exactly 600 s later does not repeat.
        for t in stride(from: Int64(660_000), through: 1_260_000, by: 60_000) {
            await dispatcher.receive(both.map { var alert = $0; alert.updatedAt = t; return alert }, at: t)
            #expect(try await dispatcher.tick(at: t) == (t == 1_260_000 ? 1 : 0), "at \(t)")
        }
        #expect(try queued().last?.status == "firing")
    }

    @Test func resolutionIsSentOnceAndTheGroupEnds() async throws {
        let dispatcher = try NotificationDispatcher(config: Self.config(groupWait: 0, groupInterval: 60_000), store: store)
        await dispatcher.receive([Self.alert(["alertname": "Down", "instance": "a"], at: 0)], at: 0)
        try await dispatcher.tick(at: 0)
        await dispatcher.receive([Self.alert(["alertname": "Down", "instance": "a"], endsAt: 90_000, at: 90_000)], at: 90_000)
        #expect(try await dispatcher.tick(at: 120_000) == 1)
        #expect(try queued().last?.status == "resolved")
        // The rule keeps reporting the resolved alert for a while: no second resolution.
        for t in stride(from: Int64(180_000), to: 900_000, by: 60_000) {
            await dispatcher.receive([Self.alert(["alertname": "Down", "instance": "a"], endsAt: 90_000, at: t)], at: t)
            #expect(try await dispatcher.tick(at: t) == 0)
        }
        #expect(try queued().count == 2)
    }

    @Test func withoutSendResolvedNothingIsQueuedForTheResolution() async throws {
        let dispatcher = try NotificationDispatcher(config: Self.config(groupWait: 0, sendResolved: false), store: store)
        await dispatcher.receive([Self.alert(["alertname": "Down", "instance": "a"], at: 0)], at: 0)
        try await dispatcher.tick(at: 0)
        await dispatcher.receive([Self.alert(["alertname": "Down", "instance": "a"], endsAt: 10_000, at: 10_000)], at: 10_000)
        #expect(try await dispatcher.tick(at: 400_000) == 0)
        #expect(try queued().count == 1)
    }

    @Test func aRestartDoesNotResendWhatWasQueued() async throws {
        let config = Self.config(groupWait: 10_000)
        let first = try NotificationDispatcher(config: config, store: store)
        await first.receive([Self.alert(["alertname": "Down", "instance": "a"], at: 0)], at: 0)
        #expect(try await first.tick(at: 10_000) == 1)
        // A new process: same catalog, the rule reports the same alert again.
        let second = try NotificationDispatcher(config: config, store: AlertingStore(catalog: catalog))
        await second.receive([Self.alert(["alertname": "Down", "instance": "a"], at: 20_000)], at: 20_000)
        #expect(try await second.tick(at: 30_000) == 0)
        // But it still sends the resolution it owes.
        await second.receive([Self.alert(["alertname": "Down", "instance": "a"], endsAt: 40_000, at: 40_000)], at: 40_000)
        #expect(try await second.tick(at: 400_000) == 1)
        #expect(try queued().map(\.status) == ["firing", "resolved"])
    }

    @Test func silencedAlertsAreNotSentUntilTheSilenceEnds() async throws {
        let dispatcher = try NotificationDispatcher(config: Self.config(groupWait: 0, groupInterval: 60_000), store: store)
        try store.saveSilence(Silence(
            id: "s1", matchers: [LabelMatcher.equal("instance", "a")], startsAt: 0, endsAt: 120_000, createdBy: "ana", comment: "maintenance",
            updatedAt: 0))
        try await dispatcher.silencesChanged()
        await dispatcher.receive([
            Self.alert(["alertname": "Down", "instance": "a"], at: 0),
            Self.alert(["alertname": "Down", "instance": "b"], at: 0),
        ], at: 0)
        try await dispatcher.tick(at: 0)
        #expect(try queued().map(\.instances) == [["b=firing"]])
        let statuses = await dispatcher.statuses(at: 1000)
        #expect(statuses.first { $0.alert.labels["instance"] == "a" }?.state == "suppressed")
        #expect(statuses.first { $0.alert.labels["instance"] == "a" }?.silencedBy == ["s1"])
        try await dispatcher.tick(at: 60_000)
        #expect(try queued().count == 1)
        try await dispatcher.tick(at: 120_000)
        #expect(try queued().last?.instances == ["a=firing", "b=firing"])
    }

    @Test func inhibitionMutesTargetsWithEqualLabels() async throws {
        let rule = InhibitRule(
            sourceMatchers: [LabelMatcher.equal("severity", "critical")], targetMatchers: [LabelMatcher.equal("severity", "warning")],
            equal: ["instance"])
        let dispatcher = try NotificationDispatcher(config: Self.config(groupBy: ["instance"], groupWait: 0, inhibit: [rule]), store: store)
        await dispatcher.receive([
            Self.alert(["alertname": "HostDown", "severity": "critical", "instance": "a"], at: 0),
            Self.alert(["alertname": "DiskSlow", "severity": "warning", "instance": "a"], at: 0),
            Self.alert(["alertname": "DiskSlow", "severity": "warning", "instance": "b"], at: 0),
        ], at: 0)
        try await dispatcher.tick(at: 0)
        let names = try store.outbox(limit: 10).flatMap { $0.payload.alerts.map { "\($0.labels["alertname"]!)@\($0.labels["instance"]!)" } }
        #expect(Set(names) == ["HostDown@a", "DiskSlow@b"])
        #expect(await dispatcher.statuses(at: 0).first { $0.alert.labels["alertname"] == "DiskSlow" && $0.alert.labels["instance"] == "a" }?.inhibited == true)
    }

    @Test func acknowledgedAlertsAreNotRepeatedUntilTheyChange() async throws {
        let dispatcher = try NotificationDispatcher(config: Self.config(groupWait: 0, groupInterval: 60_000, repeatInterval: 300_000), store: store)
        let a = Self.alert(["alertname": "Down", "instance": "a"], at: 0)
        await dispatcher.receive([a], at: 0)
        try await dispatcher.tick(at: 0)
        try await dispatcher.acknowledge(a.fingerprint, by: "ana", comment: "on it", at: 10_000)
        for t in stride(from: Int64(60_000), through: 900_000, by: 60_000) {
            await dispatcher.receive([Self.alert(["alertname": "Down", "instance": "a"], at: t)], at: t)
            try await dispatcher.tick(at: t)
        }
        #expect(try queued().count == 1, "no repeats of an acknowledged alert")
        // A second alert in the group is a change: it is sent, with the acknowledged one.
        await dispatcher.receive([Self.alert(["alertname": "Down", "instance": "b"], at: 900_000)], at: 900_000)
        try await dispatcher.tick(at: 960_000)
        #expect(try queued().count == 2)
        #expect(try store.history(fingerprint: a.fingerprint).first?.state == "acknowledged")
        await #expect(throws: AcknowledgeError.self) {
            try await dispatcher.acknowledge(AlertFingerprint(Labels(["alertname": "Nope"])), by: "ana", comment: "", at: 0)
        }
    }

    @Test func routesWithContinueReachSeveralReceivers() async throws {
        let routes = [
            Route(receiver: "db", matchers: [LabelMatcher.equal("team", "db")], continueMatching: true),
            Route(receiver: "ops", matchers: [try LabelMatcher(.regexMatch, "severity", "crit.*")]),
        ]
        let dispatcher = try NotificationDispatcher(config: Self.config(groupWait: 0, routes: routes), store: store)
        await dispatcher.receive([Self.alert(["alertname": "Slow", "team": "db", "severity": "critical", "instance": "a"], at: 0)], at: 0)
        try await dispatcher.tick(at: 0)
        #expect(Set(try queued().map(\.receiver)) == ["db", "ops"])
        let tree = RoutingTree(Self.config(routes: routes).route)
        #expect(tree.match(Labels(["team": "web"])).map(\.receiver) == ["ops"], "the root takes what no child matches")
        #expect(tree.match(Labels(["team": "web", "severity": "critical"])).first?.groupWait == 30_000, "children inherit timing")
    }

    @Test func alertsNotRefreshedResolveAfterResolveTimeout() async throws {
        var config = Self.config(groupWait: 0, groupInterval: 60_000)
        config.global.resolveTimeout = 120_000
        let dispatcher = try NotificationDispatcher(config: config, store: store)
        await dispatcher.receive([Self.alert(["alertname": "Down", "instance": "a"], at: 0)], at: 0)
        try await dispatcher.tick(at: 0)
        try await dispatcher.tick(at: 60_000)
        #expect(try queued().count == 1)
        try await dispatcher.tick(at: 180_000)
        #expect(try queued().last?.status == "resolved")
        #expect(try store.history(alertname: "Down").map(\.state) == ["resolved"], "the expiry is history, at updatedAt + resolve_timeout")
        #expect(try store.history(alertname: "Down").first?.at == 120_000)
    }

    @Test func receivingReportsWhatChangedForTheHistory() async throws {
        let dispatcher = try NotificationDispatcher(config: Self.config(), store: store)
        let labels = ["alertname": "Down", "instance": "a"]
        #expect(await dispatcher.receive([Self.alert(labels, at: 0)], at: 0).map(\.state) == ["firing"])
        #expect(await dispatcher.receive([Self.alert(labels, at: 10_000)], at: 10_000).isEmpty, "still firing: no change")
        #expect(await dispatcher.receive([Self.alert(labels, endsAt: 20_000, at: 20_000)], at: 20_000).map(\.state) == ["resolved"])
        #expect(await dispatcher.receive([Self.alert(labels, endsAt: 20_000, at: 30_000)], at: 30_000).isEmpty)
        #expect(await dispatcher.receive([Self.alert(labels, at: 40_000)], at: 40_000).map(\.state) == ["firing"], "firing again")
    }
}
