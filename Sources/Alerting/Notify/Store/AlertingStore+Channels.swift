public import Fleet
import Foundation
import GRDB

extension AlertingStore {
    /// Every channel, secrets opened with `box`.
    public func channels(box: SecretBox) throws(CatalogError) -> [NotificationChannel] {
        let rows = try read { db in try Row.fetchAll(db, sql: "SELECT * FROM notification_channel ORDER BY name") }
        var out: [NotificationChannel] = []
        for row in rows {
            guard let kind = NotificationChannel.Kind(rawValue: row["type"]) else { continue }
            var secrets: [String: String] = [:]
            if let sealed: Data = row["secrets"] {
                do {
                    secrets = try JSONDecoder().decode([String: String].self, from: try box.open(sealed))
                } catch {
                    throw CatalogError.query(reason: "the secrets of channel \(row["name"] as String) cannot be opened: \(error)")
                }
            }
            let settingsText: String = row["settings"]
            out.append(NotificationChannel(
                id: row["id"], name: row["name"], kind: kind,
                settings: (try? JSONDecoder().decode([String: String].self, from: Data(settingsText.utf8))) ?? [:], secrets: secrets,
                matchers: Self.decodeMatchers(row["matchers"]) ?? [], sendResolved: row["send_resolved"],
                createdAt: Self.milliseconds(row["created_at"]), updatedAt: Self.milliseconds(row["updated_at"])))
        }
        return out
    }

    public func saveChannel(_ channel: NotificationChannel, box: SecretBox) throws(CatalogError) {
        let sealed: Data
        do {
            sealed = try box.seal(try JSONEncoder().encode(channel.secrets))
        } catch {
            throw CatalogError.query(reason: "sealing the secrets of channel \(channel.name) failed: \(error)")
        }
        let settings = String(decoding: (try? JSONEncoder().encode(channel.settings)) ?? Data("{}".utf8), as: UTF8.self)
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO notification_channel (id, name, type, settings, secrets, matchers, send_resolved, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET name = excluded.name, type = excluded.type, settings = excluded.settings,
                    secrets = excluded.secrets, matchers = excluded.matchers, send_resolved = excluded.send_resolved, updated_at = excluded.updated_at
                    """,
                arguments: [
                    channel.id, channel.name, channel.kind.rawValue, settings, sealed, Self.encodeMatchers(channel.matchers), channel.sendResolved,
                    Self.seconds(channel.createdAt), Self.seconds(channel.updatedAt),
                ])
        }
    }

    /// Whether a channel was there to delete.
    public func deleteChannel(id: String) throws(CatalogError) -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM notification_channel WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }
}
