public import Fleet
import Foundation
import GRDB

/// What one integration was last told about one group (Alertmanager's nflog entry).
public struct NotificationLogEntry: Sendable, Equatable {
    public var firing: Set<AlertFingerprint>
    public var resolved: Set<AlertFingerprint>
    /// Milliseconds since the epoch.
    public var at: Int64

    public init(firing: Set<AlertFingerprint>, resolved: Set<AlertFingerprint>, at: Int64) {
        self.firing = firing
        self.resolved = resolved
        self.at = at
    }
}

public struct NotificationLogKey: Hashable, Sendable {
    public var groupKey: String
    public var integration: String

    public init(groupKey: String, integration: String) {
        self.groupKey = groupKey
        self.integration = integration
    }
}

/// One notification for one integration, as the outbox holds it.
public struct OutboxItem: Sendable, Equatable {
    public enum Status: String, Sendable { case pending, delivered, failed }

    public var id: Int64
    public var createdAt: Int64
    public var groupKey: String
    public var receiver: String
    /// `receiver/kind/index`, see ``Integration/id``.
    public var integration: String
    public var status: Status
    public var payload: NotificationPayload
    public var attempts: Int
    public var nextAttemptAt: Int64
    public var lastError: String?
    public var lastAttemptAt: Int64?
    public var deliveredAt: Int64?
}

/// Delivery figures of one integration, for the API and `/metrics`.
public struct IntegrationDeliveryStats: Sendable, Equatable {
    public var integration: String
    public var receiver: String
    public var delivered: Int
    public var failed: Int
    public var pending: Int
    public var attempts: Int
    public var lastError: String?
    public var lastDeliveredAt: Int64?
}

/// A flush's decision for one integration: the log entry to record and, when the
/// integration is to be told, the notification to queue — written together.
public struct FlushRecord: Sendable {
    public var key: NotificationLogKey
    public var receiver: String
    public var entry: NotificationLogEntry
    public var payload: NotificationPayload?

    public init(key: NotificationLogKey, receiver: String, entry: NotificationLogEntry, payload: NotificationPayload?) {
        self.key = key
        self.receiver = receiver
        self.entry = entry
        self.payload = payload
    }
}

extension AlertingStore {
    public func notificationLog() throws(CatalogError) -> [NotificationLogKey: NotificationLogEntry] {
        try read { db in
            var out: [NotificationLogKey: NotificationLogEntry] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM notification_log") {
                out[NotificationLogKey(groupKey: row["group_key"], integration: row["integration"])] = NotificationLogEntry(
                    firing: Self.fingerprints(row["firing"]), resolved: Self.fingerprints(row["resolved"]), at: Self.milliseconds(row["at"]))
            }
            return out
        }
    }

    /// Records the log entries and queues the notifications of one flush in one transaction:
    /// after a crash either both happened or neither, so nothing is lost or sent twice.
    public func commit(_ records: [FlushRecord], at now: Int64) throws(CatalogError) {
        guard !records.isEmpty else { return }
        try write { db in
            for record in records {
                try db.execute(
                    sql: """
                        INSERT INTO notification_log (group_key, integration, firing, resolved, at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT(group_key, integration) DO UPDATE SET firing = excluded.firing, resolved = excluded.resolved, at = excluded.at
                        """,
                    arguments: [
                        record.key.groupKey, record.key.integration, Self.text(record.entry.firing), Self.text(record.entry.resolved),
                        Self.seconds(record.entry.at),
                    ])
                guard let payload = record.payload else { continue }
                try db.execute(
                    sql: """
                        INSERT INTO notification_outbox (created_at, group_key, receiver, integration, status, payload, attempts, next_attempt_at)
                        VALUES (?, ?, ?, ?, 'pending', ?, 0, ?)
                        """,
                    arguments: [
                        Self.seconds(now), record.key.groupKey, record.receiver, record.key.integration,
                        String(decoding: payload.encoded(), as: UTF8.self), Self.seconds(now),
                    ])
            }
        }
    }

    /// For each integration its oldest pending notification, when that one is due: each
    /// integration delivers in order, so a resolution never overtakes its firing message.
    public func dueNotifications(at now: Int64) throws(CatalogError) -> [OutboxItem] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM notification_outbox WHERE id IN
                    (SELECT MIN(id) FROM notification_outbox WHERE status = 'pending' GROUP BY integration)
                    AND next_attempt_at <= ? ORDER BY id
                    """,
                arguments: [Self.seconds(now)]
            ).compactMap(Self.item)
        }
    }

    /// When the next pending notification falls due, if any is pending.
    public func nextAttemptAt() throws(CatalogError) -> Int64? {
        try read { db in
            try Double.fetchOne(db, sql: "SELECT MIN(next_attempt_at) FROM notification_outbox WHERE status = 'pending'").map(Self.milliseconds)
        }
    }

    public func markDelivered(_ id: Int64, attempts: Int, at now: Int64) throws(CatalogError) {
        try write { db in
            try db.execute(
                sql: "UPDATE notification_outbox SET status = 'delivered', attempts = ?, last_attempt_at = ?, delivered_at = ? WHERE id = ?",
                arguments: [attempts, Self.seconds(now), Self.seconds(now), id])
        }
    }

    public func markRetry(_ id: Int64, attempts: Int, next: Int64, error: String, at now: Int64) throws(CatalogError) {
        try write { db in
            try db.execute(
                sql: "UPDATE notification_outbox SET attempts = ?, next_attempt_at = ?, last_error = ?, last_attempt_at = ? WHERE id = ?",
                arguments: [attempts, Self.seconds(next), error, Self.seconds(now), id])
        }
    }

    public func markFailed(_ id: Int64, attempts: Int, error: String, at now: Int64) throws(CatalogError) {
        try write { db in
            try db.execute(
                sql: "UPDATE notification_outbox SET status = 'failed', attempts = ?, last_error = ?, last_attempt_at = ? WHERE id = ?",
                arguments: [attempts, error, Self.seconds(now), id])
        }
    }

    /// Newest first.
    public func outbox(status: OutboxItem.Status? = nil, receiver: String? = nil, limit: Int = 100) throws(CatalogError) -> [OutboxItem] {
        try read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let status {
                conditions.append("status = ?")
                arguments += [status.rawValue]
            }
            if let receiver {
                conditions.append("receiver = ?")
                arguments += [receiver]
            }
            arguments += [limit]
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(db, sql: "SELECT * FROM notification_outbox \(filter) ORDER BY id DESC LIMIT ?", arguments: arguments)
                .compactMap(Self.item)
        }
    }

    /// Per integration: what the outbox holds plus what pruning moved to the totals.
    public func deliveryStats() throws(CatalogError) -> [IntegrationDeliveryStats] {
        try read { db in
            var merged = try prunedTotals(db)
            let live = try Row.fetchAll(
                db,
                sql: """
                    SELECT integration, receiver,
                      SUM(status = 'delivered') AS delivered, SUM(status = 'failed') AS failed, SUM(status = 'pending') AS pending,
                      SUM(attempts) AS attempts, MAX(delivered_at) AS last_delivered_at,
                      (SELECT last_error FROM notification_outbox o2 WHERE o2.integration = o.integration AND last_error IS NOT NULL
                       ORDER BY last_attempt_at DESC LIMIT 1) AS last_error
                    FROM notification_outbox o GROUP BY integration, receiver
                    """)
            for row in live {
                let stats = IntegrationDeliveryStats(
                    integration: row["integration"], receiver: row["receiver"], delivered: row["delivered"] ?? 0, failed: row["failed"] ?? 0,
                    pending: row["pending"] ?? 0, attempts: row["attempts"] ?? 0, lastError: row["last_error"],
                    lastDeliveredAt: (row["last_delivered_at"] as Double?).map(Self.milliseconds))
                let key = stats.integration + "\u{0}" + stats.receiver
                guard let old = merged[key] else {
                    merged[key] = stats
                    continue
                }
                merged[key] = IntegrationDeliveryStats(
                    integration: stats.integration, receiver: stats.receiver, delivered: old.delivered + stats.delivered,
                    failed: old.failed + stats.failed, pending: stats.pending, attempts: old.attempts + stats.attempts,
                    lastError: stats.lastError ?? old.lastError,
                    lastDeliveredAt: [old.lastDeliveredAt, stats.lastDeliveredAt].compactMap { $0 }.max())
            }
            return merged.values.sorted { ($0.integration, $0.receiver) < ($1.integration, $1.receiver) }
        }
    }

    static func item(_ row: Row) -> OutboxItem? {
        let text: String = row["payload"]
        guard let status = OutboxItem.Status(rawValue: row["status"]), let payload = try? NotificationPayload.decode(Data(text.utf8)) else {
            return nil
        }
        return OutboxItem(
            id: row["id"], createdAt: milliseconds(row["created_at"]), groupKey: row["group_key"], receiver: row["receiver"],
            integration: row["integration"], status: status, payload: payload, attempts: row["attempts"],
            nextAttemptAt: milliseconds(row["next_attempt_at"]), lastError: row["last_error"],
            lastAttemptAt: (row["last_attempt_at"] as Double?).map(milliseconds), deliveredAt: (row["delivered_at"] as Double?).map(milliseconds))
    }

    static func text(_ fingerprints: Set<AlertFingerprint>) -> String {
        fingerprints.sorted().map(\.description).joined(separator: ",")
    }

    static func fingerprints(_ text: String) -> Set<AlertFingerprint> {
        Set(text.split(separator: ",").compactMap { AlertFingerprint(hex: String($0)) })
    }
}
