public import Foundation
public import TSDB

/// One group notification, in the shape of Alertmanager's webhook JSON (version 4): what the
/// outbox stores and what every integration renders from. Existing webhook receivers read it
/// unchanged.
public struct NotificationPayload: Codable, Sendable, Equatable {
    public var version = "4"
    public var groupKey: String
    public var truncatedAlerts = 0
    /// `firing` when any alert fires, else `resolved`.
    public var status: String
    public var receiver: String
    public var groupLabels: [String: String]
    public var commonLabels: [String: String]
    public var commonAnnotations: [String: String]
    public var externalURL: String
    public var alerts: [Alert]

    public struct Alert: Codable, Sendable, Equatable {
        public var status: String
        public var labels: [String: String]
        public var annotations: [String: String]
        /// RFC 3339, as Alertmanager writes times.
        public var startsAt: String
        public var endsAt: String
        public var generatorURL: String
        public var fingerprint: String
    }

    public init(receiver: String, groupKey: String, groupLabels: Labels, alerts: [NotifiableAlert], externalURL: String, at now: Int64) {
        self.receiver = receiver
        self.groupKey = groupKey
        self.groupLabels = Self.dictionary(groupLabels)
        self.externalURL = externalURL
        let sorted = alerts.sorted { $0.labels < $1.labels }
        self.alerts = sorted.map { alert in
            let resolved = alert.isResolved(at: now)
            return Alert(
                status: resolved ? "resolved" : "firing", labels: Self.dictionary(alert.labels), annotations: alert.annotations,
                startsAt: Self.rfc3339(alert.startsAt), endsAt: alert.endsAt.map(Self.rfc3339) ?? "0001-01-01T00:00:00Z",
                generatorURL: alert.generatorURL, fingerprint: alert.fingerprint.description)
        }
        status = self.alerts.contains { $0.status == "firing" } ? "firing" : "resolved"
        commonLabels = Self.common(self.alerts.map(\.labels))
        commonAnnotations = Self.common(self.alerts.map(\.annotations))
    }

    public var firing: [Alert] { alerts.filter { $0.status == "firing" } }
    public var resolved: [Alert] { alerts.filter { $0.status == "resolved" } }

    /// At most `limit` alerts (0: all), the rest counted in `truncatedAlerts`, as Alertmanager's `max_alerts`.
    public func truncated(to limit: Int) -> NotificationPayload {
        guard limit > 0, alerts.count > limit else { return self }
        var copy = self
        copy.truncatedAlerts = alerts.count - limit
        copy.alerts = Array(alerts.prefix(limit))
        return copy
    }

    /// Only the firing alerts: what integrations without `send_resolved` get.
    public func firingOnly() -> NotificationPayload {
        var copy = self
        copy.alerts = firing
        return copy
    }

    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and dictionaries cannot fail.
        return (try? encoder.encode(self)) ?? Data()
    }

    public static func decode(_ data: Data) throws -> NotificationPayload {
        try JSONDecoder().decode(NotificationPayload.self, from: data)
    }

    static func dictionary(_ labels: Labels) -> [String: String] {
        var out: [String: String] = [:]
        for label in labels { out[label.name] = label.value }
        return out
    }

    static func common(_ sets: [[String: String]]) -> [String: String] {
        guard var common = sets.first else { return [:] }
        for set in sets.dropFirst() {
            common = common.filter { set[$0.key] == $0.value }
        }
        return common
    }

    /// Milliseconds as RFC 3339 in UTC, as Alertmanager writes times.
    public static func rfc3339(_ milliseconds: Int64) -> String { GoTime.rfc3339(milliseconds: milliseconds) }

    /// Parses what Go's `time.RFC3339Nano` writes (`Z` or a `±hh:mm` offset, any fraction,
    /// cut to milliseconds); nil for anything else.
    public static func milliseconds(rfc3339 text: String) -> Int64? { GoInstant(rfc3339: text)?.unixMilliseconds }
}
