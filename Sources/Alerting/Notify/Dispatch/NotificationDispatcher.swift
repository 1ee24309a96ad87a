public import Fleet
public import TSDB

/// Turns alerts into group notifications as Alertmanager's dispatcher does: routes each
/// alert through the tree into aggregation groups, flushes a group `group_wait` after it
/// forms and every `group_interval` after, mutes silenced and inhibited alerts, and asks
/// the notification log whether each integration needs telling (new firing alerts, new
/// resolutions, or `repeat_interval` passed — unless every firing alert is acknowledged).
///
/// What a flush decides is committed to the outbox and the log in one transaction; the
/// ``DeliveryWorker`` delivers from there. Time is passed in, so tests drive it.
public actor NotificationDispatcher {
    public private(set) var config: NotificationConfig
    private var tree: RoutingTree
    private var inhibitor: Inhibitor
    private let store: AlertingStore
    private let queued: @Sendable () -> Void
    private var alerts: [AlertFingerprint: NotifiableAlert] = [:]
    private var groups: [String: Group] = [:]
    private var log: [NotificationLogKey: NotificationLogEntry]
    private var silences: [Silence]
    private var acknowledgements: [AlertFingerprint: AlertingStore.Acknowledgement]

    struct Group {
        var key: String
        var node: RoutingTree.Node
        var labels: Labels
        var members: Set<AlertFingerprint> = []
        var nextFlush: Int64
        var hasFlushed = false
    }

    /// `queued` is called after a flush put notifications in the outbox.
    public init(config: NotificationConfig, store: AlertingStore, queued: @escaping @Sendable () -> Void = {}) throws(CatalogError) {
        self.config = config
        tree = RoutingTree(config.route)
        inhibitor = Inhibitor(rules: config.inhibitRules)
        self.store = store
        self.queued = queued
        log = try store.notificationLog()
        silences = try store.silences()
        acknowledgements = try store.acknowledgements()
    }

    /// A new configuration: alerts are routed again; groups that still exist keep their timing.
    public func apply(_ config: NotificationConfig, at now: Int64) {
        self.config = config
        tree = RoutingTree(config.route)
        inhibitor = Inhibitor(rules: config.inhibitRules)
        let previous = groups
        groups = [:]
        for alert in alerts.values where !alert.isResolved(at: now) {
            route(alert, at: now)
        }
        for key in groups.keys {
            if let old = previous[key] {
                groups[key]?.nextFlush = old.nextFlush
                groups[key]?.hasFlushed = old.hasFlushed
            }
        }
    }

    // MARK: Alerts in

    /// The current alerts of a source (rule evaluation sends its firing and recently resolved
    /// alerts every evaluation), each put into the groups its routes name.
    ///
    /// Returns the state changes the alerts bring, as history entries: firing for an alert
    /// not held or held resolved, resolved for one held firing. (Rule evaluation records its
    /// own, finer history; alerts posted to the API have only this.)
    @discardableResult
    public func receive(_ incoming: [NotifiableAlert], at now: Int64) -> [AlertingStore.HistoryEntry] {
        var changes: [AlertingStore.HistoryEntry] = []
        for var alert in incoming {
            let fingerprint = alert.fingerprint
            let resolved = alert.isResolved(at: now)
            let wasFiring = alerts[fingerprint].map { !$0.isResolved(at: now) }
            if resolved, wasFiring == true {
                changes.append(.init(at: now, labels: alert.labels, state: "resolved", value: alert.value))
            } else if !resolved, wasFiring != true {
                changes.append(.init(at: now, labels: alert.labels, state: "firing", value: alert.value))
            }
            guard let existing = alerts[fingerprint] else {
                // A resolution of an alert never seen firing is still routed: after a
                // restart the log may hold it as firing.
                alerts[fingerprint] = alert
                route(alert, at: now)
                continue
            }
            if !existing.isResolved(at: now) && !alert.isResolved(at: now) {
                alert.startsAt = min(existing.startsAt, alert.startsAt)
            }
            alerts[fingerprint] = alert
            // As Alertmanager: every report puts the alert (back) into its groups, so a
            // resolved alert its source still reports shows in the group's next message.
            route(alert, at: now)
        }
        return changes
    }

    private func route(_ alert: NotifiableAlert, at now: Int64) {
        for node in tree.match(alert.labels) {
            let labels = node.groupLabels(for: alert.labels)
            let key = node.key + ":" + labels.description
            if groups[key] == nil {
                groups[key] = Group(key: key, node: node, labels: labels, nextFlush: now + node.groupWait)
            }
            groups[key]?.members.insert(alert.fingerprint)
            // As Alertmanager: an alert that started more than group_wait ago (a restart, a
            // late sender) does not wait again before the group's first notification.
            if let group = groups[key], !group.hasFlushed, alert.startsAt + node.groupWait < now, group.nextFlush > now {
                groups[key]?.nextFlush = now
            }
        }
    }

    // MARK: Flushing

    /// Flushes every group that is due; returns how many notifications were queued.
    @discardableResult
    public func tick(at now: Int64) throws(CatalogError) -> Int {
        try expireStale(at: now)
        var queuedCount = 0
        let muted = mutedAlerts(at: now)
        for key in groups.keys.sorted() {
            guard let group = groups[key], group.nextFlush <= now else { continue }
            queuedCount += try flush(group, muted: muted, at: now)
            // Resolved alerts have been told (or were not to be told); they leave the group.
            var remaining = group.members.filter { alerts[$0].map { !$0.isResolved(at: now) } ?? false }
            remaining.formIntersection(groups[key]?.members ?? [])
            if remaining.isEmpty {
                groups[key] = nil
            } else {
                groups[key]?.members = remaining
                groups[key]?.nextFlush = now + group.node.groupInterval
                groups[key]?.hasFlushed = true
            }
        }
        forgetResolved(at: now)
        if queuedCount > 0 { queued() }
        return queuedCount
    }

    /// When the next group is due, for a caller that sleeps until then.
    public func nextFlush() -> Int64? { groups.values.map(\.nextFlush).min() }

    private func flush(_ group: Group, muted: Set<AlertFingerprint>, at now: Int64) throws(CatalogError) -> Int {
        // As Alertmanager's time stages: outside the route's active times or inside its mute
        // times nothing is sent and nothing logged, so the next flush after them sends.
        guard isActive(group.node, at: now) else { return 0 }
        let visible = group.members.compactMap { alerts[$0] }.filter { !muted.contains($0.fingerprint) }
        var firing: Set<AlertFingerprint> = []
        var resolved: Set<AlertFingerprint> = []
        for alert in visible {
            if alert.isResolved(at: now) { resolved.insert(alert.fingerprint) } else { firing.insert(alert.fingerprint) }
        }
        guard let receiver = config.receiver(named: group.node.receiver) else { return 0 }
        var records: [FlushRecord] = []
        for integration in receiver.integrations {
            let key = NotificationLogKey(groupKey: group.key, integration: integration.id)
            guard needsUpdate(log[key], firing: firing, resolved: resolved, sendResolved: integration.sendResolved,
                              repeatInterval: group.node.repeatInterval, at: now) else { continue }
            let alertsToSend = integration.sendResolved ? visible : visible.filter { !$0.isResolved(at: now) }
            let payload = alertsToSend.isEmpty
                ? nil
                : NotificationPayload(receiver: receiver.name, groupKey: group.key, groupLabels: group.labels, alerts: alertsToSend,
                                      externalURL: config.global.externalURL, at: now)
            records.append(FlushRecord(key: key, receiver: receiver.name,
                                       entry: NotificationLogEntry(firing: firing, resolved: resolved, at: now), payload: payload))
        }
        try store.commit(records, at: now)
        for record in records { log[record.key] = record.entry }
        return records.count { $0.payload != nil }
    }

    private func isActive(_ node: RoutingTree.Node, at now: Int64) -> Bool {
        let inside = { (name: String) in self.config.timeIntervals[name]?.contains { $0.contains(now) } ?? false }
        if node.muteTimeIntervals.contains(where: inside) { return false }
        if !node.activeTimeIntervals.isEmpty && !node.activeTimeIntervals.contains(where: inside) { return false }
        return true
    }

    /// Alertmanager's DedupStage, plus acknowledgements: a repeat is not sent when every
    /// firing alert was acknowledged in its current episode.
    private func needsUpdate(
        _ entry: NotificationLogEntry?, firing: Set<AlertFingerprint>, resolved: Set<AlertFingerprint>, sendResolved: Bool,
        repeatInterval: Int64, at now: Int64
    ) -> Bool {
        guard let entry else { return !firing.isEmpty }
        if !firing.isSubset(of: entry.firing) { return true }
        // Everything resolved: tell the integration (or at least clear the log) once.
        if firing.isEmpty { return !entry.firing.isEmpty }
        if sendResolved && !resolved.isSubset(of: entry.resolved) { return true }
        // Strictly before, as Alertmanager: with flushes every group_interval, a repeat
        // interval that is a multiple of it repeats one group_interval later (its #676).
        guard entry.at < now - repeatInterval else { return false }
        return !firing.allSatisfy(isAcknowledged)
    }

    private func isAcknowledged(_ fingerprint: AlertFingerprint) -> Bool {
        guard let ack = acknowledgements[fingerprint], let alert = alerts[fingerprint] else { return false }
        return ack.startsAt == alert.startsAt
    }

    /// Firing alerts their source stopped refreshing resolve after `resolve_timeout`.
    private func expireStale(at now: Int64) throws(CatalogError) {
        let timeout = config.global.resolveTimeout
        var resolved: [AlertingStore.HistoryEntry] = []
        for (fingerprint, alert) in alerts where alert.endsAt == nil && alert.updatedAt + timeout <= now {
            alerts[fingerprint]?.endsAt = alert.updatedAt + timeout
            resolved.append(.init(at: alert.updatedAt + timeout, labels: alert.labels, state: "resolved", value: alert.value))
        }
        try store.recordHistory(resolved)
    }

    /// Resolved alerts in no group and not refreshed for a while are forgotten.
    private func forgetResolved(at now: Int64) {
        let inGroups = groups.values.reduce(into: Set<AlertFingerprint>()) { $0.formUnion($1.members) }
        let horizon = now - config.global.resolveTimeout - 15 * 60_000
        alerts = alerts.filter { fingerprint, alert in
            !alert.isResolved(at: now) || inGroups.contains(fingerprint) || alert.updatedAt > horizon
        }
    }

    private func mutedAlerts(at now: Int64) -> Set<AlertFingerprint> {
        var muted = inhibitor.inhibited(Array(alerts.values), at: now)
        for alert in alerts.values where silences.contains(where: { $0.mutes(alert.labels, at: now) }) {
            muted.insert(alert.fingerprint)
        }
        return muted
    }

    // MARK: Silences and acknowledgements

    public func silencesChanged() throws(CatalogError) {
        silences = try store.silences()
    }

    public func acknowledge(_ fingerprint: AlertFingerprint, by: String, comment: String, at now: Int64) throws(AcknowledgeError) {
        guard let alert = alerts[fingerprint] else { throw .unknownAlert(fingerprint) }
        guard !alert.isResolved(at: now) else { throw .resolved(fingerprint) }
        let ack = AlertingStore.Acknowledgement(fingerprint: fingerprint, startsAt: alert.startsAt, by: by, comment: comment, at: now)
        do {
            try store.acknowledge(ack)
            try store.recordHistory([AlertingStore.HistoryEntry(at: now, labels: alert.labels, state: "acknowledged", value: alert.value)])
        } catch {
            throw .storage(error)
        }
        acknowledgements[fingerprint] = ack
    }

    // MARK: Retention

    /// Forgets notification-log entries older than `before` whose group no longer exists,
    /// and acknowledgements older than it of alerts no longer held; the store follows.
    public func prune(before: Int64) throws(CatalogError) -> PruneCounts {
        let activeGroups = Set(groups.keys)
        let staleEntries = log.filter { $0.value.at < before && !activeGroups.contains($0.key.groupKey) }.map(\.key)
        let staleAcks = acknowledgements.filter { $0.value.at < before && alerts[$0.key] == nil }.map(\.key)
        try store.forget(logEntries: staleEntries, acknowledgements: staleAcks)
        for key in staleEntries { log[key] = nil }
        for fingerprint in staleAcks { acknowledgements[fingerprint] = nil }
        var counts = PruneCounts()
        counts.logEntries = staleEntries.count
        counts.acknowledgements = staleAcks.count
        return counts
    }

    // MARK: Reading

    /// Every alert the dispatcher holds, with why it is or is not being notified.
    public func statuses(at now: Int64) -> [AlertStatus] {
        let inhibitedBy = inhibitor.inhibitors(Array(alerts.values), at: now)
        return alerts.values.sorted { $0.labels < $1.labels }.map { alert in
            let fingerprint = alert.fingerprint
            let silencedBy = silences.filter { $0.mutes(alert.labels, at: now) }.map(\.id)
            let ack = acknowledgements[fingerprint].flatMap { $0.startsAt == alert.startsAt ? $0 : nil }
            return AlertStatus(
                alert: alert, resolved: alert.isResolved(at: now), silencedBy: silencedBy, inhibited: inhibitedBy[fingerprint] != nil,
                acknowledgement: ack, receivers: Array(Set(tree.match(alert.labels).map(\.receiver))).sorted(),
                inhibitedBy: (inhibitedBy[fingerprint] ?? []).sorted())
        }
    }

    /// The aggregation groups as they stand: receiver, group labels and member alerts
    /// (Alertmanager's `/api/v2/alerts/groups`).
    public func groupStatuses() -> [AlertGroupStatus] {
        groups.values.map { AlertGroupStatus(receiver: $0.node.receiver, labels: $0.labels, routeKey: $0.node.key, members: $0.members) }
            .sorted { ($0.routeKey, $0.labels) < ($1.routeKey, $1.labels) }
    }
}

/// One aggregation group: which receiver it notifies, its group labels and its alerts.
public struct AlertGroupStatus: Sendable {
    public var receiver: String
    public var labels: Labels
    public var routeKey: String
    public var members: Set<AlertFingerprint>
}

/// An alert as the resources API shows it.
public struct AlertStatus: Sendable {
    public var alert: NotifiableAlert
    public var resolved: Bool
    public var silencedBy: [String]
    public var inhibited: Bool
    public var acknowledgement: AlertingStore.Acknowledgement?
    public var receivers: [String]
    /// The firing alerts that inhibit this one.
    public var inhibitedBy: [AlertFingerprint] = []

    /// `active`, `suppressed` (silenced or inhibited) or `resolved`, as Alertmanager's API says.
    public var state: String {
        if resolved { return "resolved" }
        return silencedBy.isEmpty && !inhibited ? "active" : "suppressed"
    }
}

public enum AcknowledgeError: Error, Sendable, CustomStringConvertible {
    case unknownAlert(AlertFingerprint)
    case resolved(AlertFingerprint)
    case storage(CatalogError)

    public var description: String {
        switch self {
        case .unknownAlert(let fingerprint): "no alert with id \(fingerprint)"
        case .resolved(let fingerprint): "alert \(fingerprint) is resolved; only firing alerts can be acknowledged"
        case .storage(let error): "\(error)"
        }
    }
}
