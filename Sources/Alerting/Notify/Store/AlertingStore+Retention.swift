public import Fleet
import GRDB

/// How many rows a pruning pass removed, per table.
public struct PruneCounts: Sendable, Equatable {
    public var notifications = 0
    public var silences = 0
    public var history = 0
    public var logEntries = 0
    public var acknowledgements = 0

    public init() {}

    public var total: Int { notifications + silences + history + logEntries + acknowledgements }
}

extension AlertingStore {
    /// Drops delivered and failed notifications created before `notificationsBefore` (their
    /// counts move to `notification_totals`, so counters stay monotonic), silences that
    /// ended before it, and history older than `historyBefore`. Pending notifications are
    /// never dropped: they are still owed.
    public func prune(notificationsBefore: Int64, historyBefore: Int64) throws(CatalogError) -> PruneCounts {
        try write { db in
            var counts = PruneCounts()
            let cutoff = Self.seconds(notificationsBefore)
            try db.execute(
                sql: """
                    INSERT INTO notification_totals (integration, receiver, delivered, failed, attempts, last_delivered_at, last_error)
                    SELECT integration, receiver, SUM(status = 'delivered'), SUM(status = 'failed'), SUM(attempts), MAX(delivered_at),
                      (SELECT last_error FROM notification_outbox o2 WHERE o2.integration = o.integration AND o2.receiver = o.receiver
                       AND o2.last_error IS NOT NULL AND o2.status != 'pending' AND o2.created_at < ?1 ORDER BY o2.last_attempt_at DESC LIMIT 1)
                    FROM notification_outbox o WHERE status != 'pending' AND created_at < ?1 GROUP BY integration, receiver
                    ON CONFLICT(integration, receiver) DO UPDATE SET
                      delivered = delivered + excluded.delivered, failed = failed + excluded.failed, attempts = attempts + excluded.attempts,
                      last_delivered_at = MAX(COALESCE(last_delivered_at, 0), COALESCE(excluded.last_delivered_at, 0)),
                      last_error = COALESCE(excluded.last_error, last_error)
                    """,
                arguments: [cutoff])
            try db.execute(sql: "DELETE FROM notification_outbox WHERE status != 'pending' AND created_at < ?", arguments: [cutoff])
            counts.notifications = db.changesCount
            try db.execute(sql: "DELETE FROM silence WHERE ends_at < ?", arguments: [cutoff])
            counts.silences = db.changesCount
            try db.execute(sql: "DELETE FROM alert_history WHERE at < ?", arguments: [Self.seconds(historyBefore)])
            counts.history = db.changesCount
            return counts
        }
    }

    /// Removes notification-log entries and acknowledgements the dispatcher no longer needs.
    public func forget(logEntries: [NotificationLogKey], acknowledgements: [AlertFingerprint]) throws(CatalogError) {
        guard !logEntries.isEmpty || !acknowledgements.isEmpty else { return }
        try write { db in
            for key in logEntries {
                try db.execute(
                    sql: "DELETE FROM notification_log WHERE group_key = ? AND integration = ?", arguments: [key.groupKey, key.integration])
            }
            for fingerprint in acknowledgements {
                try db.execute(sql: "DELETE FROM alert_ack WHERE fingerprint = ?", arguments: [fingerprint.description])
            }
        }
    }

    /// Delivery figures of the notifications pruning removed, per integration and receiver.
    func prunedTotals(_ db: Database) throws -> [String: IntegrationDeliveryStats] {
        var out: [String: IntegrationDeliveryStats] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM notification_totals") {
            let stats = IntegrationDeliveryStats(
                integration: row["integration"], receiver: row["receiver"], delivered: row["delivered"], failed: row["failed"], pending: 0,
                attempts: row["attempts"], lastError: row["last_error"],
                lastDeliveredAt: (row["last_delivered_at"] as Double?).flatMap { $0 > 0 ? Self.milliseconds($0) : nil })
            out[stats.integration + "\u{0}" + stats.receiver] = stats
        }
        return out
    }
}
