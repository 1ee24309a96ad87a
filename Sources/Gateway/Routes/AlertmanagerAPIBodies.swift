import Alerting
import Foundation
import TSDB

/// Alertmanager's `gettableAlert`.
struct GettableAlertBody: Encodable {
    struct Receiver: Encodable { var name: String }
    struct Status: Encodable {
        var state: String
        var silencedBy: [String]
        var inhibitedBy: [String]
    }
    var annotations: [String: String]
    var endsAt: String
    var fingerprint: String
    var receivers: [Receiver]
    var startsAt: String
    var status: Status
    var updatedAt: String
    var generatorURL: String?
    var labels: [String: String]

    /// An alert without an end shows when it will time out, as Alertmanager shows it.
    init(_ status: AlertStatus, resolveTimeout: Int64) {
        let alert = status.alert
        annotations = alert.annotations
        endsAt = RFC3339.format(alert.endsAt ?? alert.updatedAt + resolveTimeout)
        fingerprint = alert.fingerprint.description
        receivers = status.receivers.map(Receiver.init)
        startsAt = RFC3339.format(alert.startsAt)
        self.status = Status(state: status.state, silencedBy: status.silencedBy, inhibitedBy: status.inhibitedBy.map(\.description))
        updatedAt = RFC3339.format(alert.updatedAt)
        generatorURL = alert.generatorURL.isEmpty ? nil : alert.generatorURL
        labels = Dictionary(alert.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
    }
}

/// Alertmanager's `alertGroup`.
struct AlertGroupBody: Encodable {
    var labels: [String: String]
    var receiver: GettableAlertBody.Receiver
    var alerts: [GettableAlertBody]
}

/// Alertmanager's `alertmanagerStatus`.
struct AlertmanagerStatusBody: Encodable {
    struct Cluster: Encodable {
        var status = "disabled"
        var peers: [String] = []
    }
    struct Config: Encodable { var original: String }
    struct VersionInfo: Encodable {
        var branch = BuildInfo.branch
        var buildDate = ""
        var buildUser = "sextant"
        var goVersion = "swift" + BuildInfo.swiftVersion
        var revision = BuildInfo.revision
        var version = BuildInfo.compatibleAlertmanagerVersion
    }
    var cluster = Cluster()
    var config: Config
    var uptime: String
    var versionInfo = VersionInfo()
}

/// Alertmanager's `postableAlert`, as Prometheus and other senders post it.
struct PostableAlertBody: Decodable {
    var labels: [String: String]
    var annotations: [String: String]?
    var startsAt: String?
    var endsAt: String?
    var generatorURL: String?

    /// Go's zero `time.Time`, which Prometheus writes for "no time".
    static let goZeroTime: Int64 = -62_135_596_800_000

    /// The times, read strictly: an unreadable one refuses the whole request.
    func times(index: Int) throws -> (startsAt: Int64?, endsAt: Int64?) {
        func read(_ text: String?, _ field: String) throws -> Int64? {
            guard let text, !text.isEmpty else { return nil }
            guard let ms = RFC3339.milliseconds(text) else {
                throw APIError.badRequest("parsing alerts body failed: [\(index)].\(field): \"\(text)\" is not an RFC 3339 time")
            }
            return ms <= Self.goZeroTime ? nil : ms
        }
        return (try read(startsAt, "startsAt"), try read(endsAt, "endsAt"))
    }

    /// Alertmanager's `Alert.Validate` after it filled in the times: the alert, or why it
    /// is refused. Labels with empty values are dropped first, as Alertmanager drops them.
    func alert(startsAt start: Int64?, endsAt end: Int64?, at now: Int64) -> Result<NotifiableAlert, AlertRefusal> {
        let startsAt = start ?? end ?? now
        if let end, end < startsAt { return .failure(AlertRefusal("start time must be before end time")) }
        let kept = labels.filter { !$0.value.isEmpty }
        if let bad = kept.keys.sorted().first(where: { !Labels.isValidLabelName($0) }) {
            return .failure(AlertRefusal("invalid label set: invalid name \"\(bad)\""))
        }
        if kept.isEmpty { return .failure(AlertRefusal("at least one label pair required")) }
        let annotations = annotations ?? [:]
        if let bad = annotations.keys.sorted().first(where: { !Labels.isValidLabelName($0) }) {
            return .failure(AlertRefusal("invalid annotations: invalid name \"\(bad)\""))
        }
        return .success(NotifiableAlert(
            labels: Labels(kept), annotations: annotations, startsAt: startsAt, endsAt: end, generatorURL: generatorURL ?? "",
            updatedAt: now))
    }

    struct AlertRefusal: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
