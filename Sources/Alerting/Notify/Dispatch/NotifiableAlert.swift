public import TSDB

/// An alert as the notification pipeline sees it — Alertmanager's alert: labels,
/// annotations, when it started and, once resolved, when it ended.
public struct NotifiableAlert: Sendable, Equatable {
    public var labels: Labels
    public var annotations: [String: String]
    /// Milliseconds since the epoch.
    public var startsAt: Int64
    /// Set when the alert resolved; `nil` while it fires.
    public var endsAt: Int64?
    public var generatorURL: String
    /// The latest value of the rule's expression, when a rule produced the alert.
    public var value: Double?
    /// When the source last reported the alert; one silent for `resolve_timeout` is resolved.
    public var updatedAt: Int64

    public init(
        labels: Labels, annotations: [String: String] = [:], startsAt: Int64, endsAt: Int64? = nil, generatorURL: String = "",
        value: Double? = nil, updatedAt: Int64
    ) {
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.generatorURL = generatorURL
        self.value = value
        self.updatedAt = updatedAt
    }

    public var fingerprint: AlertFingerprint { AlertFingerprint(labels) }

    public func isResolved(at now: Int64) -> Bool {
        if let endsAt { return endsAt <= now }
        return false
    }

    public var alertname: String { labels["alertname"] ?? "" }
}

/// A label set's stable identity: FNV-1a over the sorted names and values, so it is the
/// same on every run and every machine (Swift's `Hasher` is seeded per process).
public struct AlertFingerprint: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let value: UInt64

    public init(_ labels: Labels) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        for label in labels {
            for byte in label.name.utf8 { mix(byte) }
            mix(0xff)
            for byte in label.value.utf8 { mix(byte) }
            mix(0xff)
        }
        value = hash
    }

    public init?(hex: String) {
        guard hex.utf8.count == 16, let value = UInt64(hex, radix: 16) else { return nil }
        self.value = value
    }

    private init(value: UInt64) { self.value = value }

    /// 16 lowercase hex digits, as Alertmanager prints fingerprints.
    public var description: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.utf8.count) + digits
    }

    public static func < (lhs: AlertFingerprint, rhs: AlertFingerprint) -> Bool { lhs.value < rhs.value }
}
