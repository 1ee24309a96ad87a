public import GRDB
import Foundation
import Logging

/// The SQLite catalog: providers, VMs, jobs, workflows, users, notification state and the
/// audit log, in one file of the data directory (WAL journal mode, versioned migrations).
///
/// ```swift
/// let catalog = try Catalog(path: "./data/sextant.sqlite")
/// try catalog.recordAudit(AuditEvent(actor: "system", action: "server.start", target: "sextant"))
/// ```
public final class Catalog: Sendable {
    public let path: String
    public let database: DatabasePool

    public init(path: String) throws(CatalogError) {
        self.path = path
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA foreign_keys = ON")
            }
            database = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(database)
        } catch {
            throw CatalogError.open(path: path, reason: "\(error)")
        }
    }

    /// Schema versions, applied in order and recorded by GRDB; never edit a shipped one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1_audit_log") { db in
            try db.create(table: "audit_event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .double).notNull().indexed()
                t.column("actor", .text).notNull()
                t.column("action", .text).notNull().indexed()
                t.column("target", .text).notNull()
                t.column("detail", .text).notNull().defaults(to: "")
            }
        }
        migrator.registerMigration("v2_alerting") { db in
            // Alertmanager's silences, with matchers as JSON in its v2 API shape.
            try db.create(table: "silence") { t in
                t.primaryKey("id", .text)
                t.column("matchers", .text).notNull()
                t.column("starts_at", .double).notNull()
                t.column("ends_at", .double).notNull().indexed()
                t.column("created_by", .text).notNull()
                t.column("comment", .text).notNull()
                t.column("updated_at", .double).notNull()
            }
            // Every state change of every alert.
            try db.create(table: "alert_history") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .double).notNull().indexed()
                t.column("fingerprint", .text).notNull().indexed()
                t.column("alertname", .text).notNull()
                t.column("labels", .text).notNull()
                t.column("state", .text).notNull()
                t.column("value", .double)
            }
            // Who acknowledged which alert episode (fingerprint + start).
            try db.create(table: "alert_ack") { t in
                t.primaryKey("fingerprint", .text)
                t.column("starts_at", .double).notNull()
                t.column("by", .text).notNull()
                t.column("comment", .text).notNull()
                t.column("at", .double).notNull()
            }
            // Alertmanager's notification log: what each integration was last told about a group.
            try db.create(table: "notification_log") { t in
                t.column("group_key", .text).notNull()
                t.column("integration", .text).notNull()
                t.column("firing", .text).notNull()
                t.column("resolved", .text).notNull()
                t.column("at", .double).notNull()
                t.primaryKey(["group_key", "integration"])
            }
            // The outbox: one row per notification per integration, delivered and retried alone.
            try db.create(table: "notification_outbox") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("created_at", .double).notNull()
                t.column("group_key", .text).notNull()
                t.column("receiver", .text).notNull()
                t.column("integration", .text).notNull().indexed()
                t.column("status", .text).notNull().indexed()
                t.column("payload", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("next_attempt_at", .double).notNull()
                t.column("last_error", .text)
                t.column("last_attempt_at", .double)
                t.column("delivered_at", .double)
            }
            // Receivers managed through the API; secret fields sealed with the catalog key.
            try db.create(table: "notification_channel") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull().unique()
                t.column("type", .text).notNull()
                t.column("settings", .text).notNull()
                t.column("secrets", .blob)
                t.column("matchers", .text).notNull()
                t.column("send_resolved", .boolean).notNull()
                t.column("created_at", .double).notNull()
                t.column("updated_at", .double).notNull()
            }
        }
        migrator.registerMigration("v3_catalog_meta") { db in
            try db.create(table: "catalog_meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .blob).notNull()
            }
        }
        // What pruning removed from the outbox, so delivery counters never go backwards.
        migrator.registerMigration("v4_notification_totals") { db in
            try db.create(table: "notification_totals") { t in
                t.column("integration", .text).notNull()
                t.column("receiver", .text).notNull()
                t.column("delivered", .integer).notNull()
                t.column("failed", .integer).notNull()
                t.column("attempts", .integer).notNull()
                t.column("last_delivered_at", .double)
                t.column("last_error", .text)
                t.primaryKey(["integration", "receiver"])
            }
            try db.create(index: "notification_outbox_created_at", on: "notification_outbox", columns: ["created_at"])
        }
        return migrator
    }

    /// Checks that `box` opens this catalog's secrets; the first call seals a check value.
    /// A catalog started with another key fails here, clearly, instead of yielding garbage later.
    public func verify(_ box: SecretBox) throws(SecretError) {
        let check: Data?
        do {
            check = try database.read { db in try Data.fetchOne(db, sql: "SELECT value FROM catalog_meta WHERE key = 'secret_check'") }
        } catch {
            throw .keyFile(path: path, reason: "catalog unreadable: \(error)")
        }
        if let check {
            _ = try box.open(check)
            return
        }
        let sealed = try box.seal(Data("sextant secret check".utf8))
        do {
            try database.write { db in
                try db.execute(sql: "INSERT INTO catalog_meta (key, value) VALUES ('secret_check', ?)", arguments: [sealed])
            }
        } catch {
            throw .keyFile(path: path, reason: "catalog not writable: \(error)")
        }
    }

    /// Names of the migrations applied to this file, oldest first.
    public func appliedMigrations() throws(CatalogError) -> [String] {
        do {
            return try database.read { db in try Self.migrator.appliedMigrations(db) }
        } catch {
            throw CatalogError.query(reason: "\(error)")
        }
    }

    /// A round trip through SQLite, for health checks.
    public func probe() throws(CatalogError) {
        do {
            _ = try database.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
        } catch {
            throw CatalogError.query(reason: "\(error)")
        }
    }

    public func recordAudit(_ event: AuditEvent) throws(CatalogError) {
        do {
            try database.write { db in
                try db.execute(
                    sql: "INSERT INTO audit_event (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                    arguments: [event.at, event.actor, event.action, event.target, event.detail]
                )
            }
        } catch {
            throw CatalogError.query(reason: "\(error)")
        }
    }

    /// Newest events first.
    public func auditEvents(limit: Int = 100) throws(CatalogError) -> [AuditEvent] {
        do {
            return try database.read { db in
                try Row.fetchAll(db, sql: "SELECT at, actor, action, target, detail FROM audit_event ORDER BY id DESC LIMIT ?", arguments: [limit])
                    .map { AuditEvent(at: $0["at"], actor: $0["actor"], action: $0["action"], target: $0["target"], detail: $0["detail"]) }
            }
        } catch {
            throw CatalogError.query(reason: "\(error)")
        }
    }

    /// Checkpoints the SQLite WAL into the main file; called at shutdown.
    public func close() throws(CatalogError) {
        do {
            _ = try database.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
            try database.close()
        } catch {
            throw CatalogError.query(reason: "\(error)")
        }
    }
}

/// Something an actor did, kept in the audit log.
public struct AuditEvent: Sendable, Equatable {
    /// Seconds since the Unix epoch.
    public var at: Double
    public var actor: String
    public var action: String
    public var target: String
    public var detail: String

    public init(at: Double, actor: String, action: String, target: String, detail: String = "") {
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.detail = detail
    }
}

public enum CatalogError: Error, Sendable, CustomStringConvertible {
    case open(path: String, reason: String)
    case query(reason: String)

    public var description: String {
        switch self {
        case .open(let path, let reason): "cannot open the catalog \(path): \(reason)"
        case .query(let reason): "catalog query failed: \(reason)"
        }
    }
}
