public import Fleet
import Foundation
import GRDB
public import TSDB

/// The alerting pipeline's durable state in the SQLite catalog: silences, acknowledgements,
/// the alert history, the notification log and the outbox. Every write is one transaction,
/// so a crash leaves either the old or the new state.
public final class AlertingStore: Sendable {
    let database: DatabasePool

    public init(catalog: Catalog) {
        database = catalog.database
    }

    func read<T>(_ body: (Database) throws -> T) throws(CatalogError) -> T {
        do { return try database.read(body) } catch { throw CatalogError.query(reason: "\(error)") }
    }

    func write<T>(_ body: (Database) throws -> T) throws(CatalogError) -> T {
        do { return try database.write(body) } catch { throw CatalogError.query(reason: "\(error)") }
    }

    static func seconds(_ milliseconds: Int64) -> Double { Double(milliseconds) / 1000 }
    static func milliseconds(_ seconds: Double) -> Int64 { Int64((seconds * 1000).rounded()) }

    // MARK: Silences

    public func silences() throws(CatalogError) -> [Silence] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM silence ORDER BY starts_at").compactMap(Self.silence)
        }
    }

    public func saveSilence(_ silence: Silence) throws(CatalogError) {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO silence (id, matchers, starts_at, ends_at, created_by, comment, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET matchers = excluded.matchers, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
                    created_by = excluded.created_by, comment = excluded.comment, updated_at = excluded.updated_at
                    """,
                arguments: [
                    silence.id, Self.encodeMatchers(silence.matchers), Self.seconds(silence.startsAt), Self.seconds(silence.endsAt),
                    silence.createdBy, silence.comment, Self.seconds(silence.updatedAt),
                ])
        }
    }

    struct StoredMatcher: Codable {
        var name: String
        var value: String
        var isRegex: Bool
        var isEqual: Bool
    }

    static func encodeMatchers(_ matchers: [LabelMatcher]) -> String {
        let stored = matchers.map {
            StoredMatcher(name: $0.name, value: $0.value, isRegex: $0.kind == .regexMatch || $0.kind == .regexNoMatch,
                          isEqual: $0.kind == .equal || $0.kind == .regexMatch)
        }
        let data = (try? JSONEncoder().encode(stored)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeMatchers(_ text: String) -> [LabelMatcher]? {
        guard let stored = try? JSONDecoder().decode([StoredMatcher].self, from: Data(text.utf8)) else { return nil }
        var out: [LabelMatcher] = []
        for m in stored {
            let kind: LabelMatcher.Kind = m.isRegex ? (m.isEqual ? .regexMatch : .regexNoMatch) : (m.isEqual ? .equal : .notEqual)
            guard let matcher = try? LabelMatcher(kind, m.name, m.value) else { return nil }
            out.append(matcher)
        }
        return out
    }

    static func silence(_ row: Row) -> Silence? {
        guard let matchers = decodeMatchers(row["matchers"]) else { return nil }
        return Silence(
            id: row["id"], matchers: matchers, startsAt: milliseconds(row["starts_at"]), endsAt: milliseconds(row["ends_at"]),
            createdBy: row["created_by"], comment: row["comment"], updatedAt: milliseconds(row["updated_at"]))
    }

    // MARK: Acknowledgements

    public struct Acknowledgement: Sendable, Equatable {
        public var fingerprint: AlertFingerprint
        /// The episode acknowledged: the alert's `startsAt` then.
        public var startsAt: Int64
        public var by: String
        public var comment: String
        public var at: Int64
    }

    public func acknowledge(_ ack: Acknowledgement) throws(CatalogError) {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO alert_ack (fingerprint, starts_at, by, comment, at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(fingerprint) DO UPDATE SET starts_at = excluded.starts_at, by = excluded.by, comment = excluded.comment, at = excluded.at
                    """,
                arguments: [ack.fingerprint.description, Self.seconds(ack.startsAt), ack.by, ack.comment, Self.seconds(ack.at)])
        }
    }

    public func acknowledgements() throws(CatalogError) -> [AlertFingerprint: Acknowledgement] {
        try read { db in
            var out: [AlertFingerprint: Acknowledgement] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM alert_ack") {
                guard let fingerprint = AlertFingerprint(hex: row["fingerprint"]) else { continue }
                out[fingerprint] = Acknowledgement(
                    fingerprint: fingerprint, startsAt: Self.milliseconds(row["starts_at"]), by: row["by"], comment: row["comment"],
                    at: Self.milliseconds(row["at"]))
            }
            return out
        }
    }

    // MARK: History

    public struct HistoryEntry: Sendable, Equatable {
        public var at: Int64
        public var fingerprint: AlertFingerprint
        public var alertname: String
        public var labels: Labels
        /// pending, firing, resolved, cancelled, acknowledged, silenced
        public var state: String
        public var value: Double?

        public init(at: Int64, labels: Labels, state: String, value: Double? = nil) {
            self.at = at
            self.fingerprint = AlertFingerprint(labels)
            self.alertname = labels["alertname"] ?? ""
            self.labels = labels
            self.state = state
            self.value = value
        }
    }

    public func recordHistory(_ entries: [HistoryEntry]) throws(CatalogError) {
        guard !entries.isEmpty else { return }
        try write { db in
            for entry in entries {
                try db.execute(
                    sql: "INSERT INTO alert_history (at, fingerprint, alertname, labels, state, value) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [
                        Self.seconds(entry.at), entry.fingerprint.description, entry.alertname, Self.encodeLabels(entry.labels), entry.state,
                        entry.value.flatMap { $0.isFinite ? $0 : nil },
                    ])
            }
        }
    }

    /// Newest first.
    public func history(fingerprint: AlertFingerprint? = nil, alertname: String? = nil, since: Int64? = nil, limit: Int = 100) throws(CatalogError) -> [HistoryEntry] {
        try read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let fingerprint {
                conditions.append("fingerprint = ?")
                arguments += [fingerprint.description]
            }
            if let alertname {
                conditions.append("alertname = ?")
                arguments += [alertname]
            }
            if let since {
                conditions.append("at >= ?")
                arguments += [Self.seconds(since)]
            }
            arguments += [limit]
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(db, sql: "SELECT * FROM alert_history \(filter) ORDER BY id DESC LIMIT ?", arguments: arguments).map { row in
                var entry = HistoryEntry(at: Self.milliseconds(row["at"]), labels: Self.decodeLabels(row["labels"]), state: row["state"], value: row["value"])
                entry.alertname = row["alertname"]
                return entry
            }
        }
    }

    static func encodeLabels(_ labels: Labels) -> String {
        let data = (try? JSONEncoder().encode(labels.pairs.map { [$0.name, $0.value] })) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeLabels(_ text: String) -> Labels {
        let pairs = (try? JSONDecoder().decode([[String]].self, from: Data(text.utf8))) ?? []
        return Labels(pairs.compactMap { $0.count == 2 ? Label($0[0], $0[1]) : nil })
    }
}
