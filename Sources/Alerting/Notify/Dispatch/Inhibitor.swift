public import TSDB

/// Applies inhibit rules: a target alert is muted while a firing source alert of the same
/// rule carries the same values of the rule's `equal` labels. An alert never inhibits
/// itself, as in Alertmanager.
public struct Inhibitor: Sendable {
    public let rules: [InhibitRule]

    public init(rules: [InhibitRule]) {
        self.rules = rules
    }

    /// The alerts among `alerts` that are inhibited, by fingerprint.
    public func inhibited(_ alerts: [NotifiableAlert], at now: Int64) -> Set<AlertFingerprint> {
        Set(inhibitors(alerts, at: now).keys)
    }

    /// For each inhibited alert, the firing alerts that inhibit it (Alertmanager's `inhibitedBy`).
    public func inhibitors(_ alerts: [NotifiableAlert], at now: Int64) -> [AlertFingerprint: Set<AlertFingerprint>] {
        guard !rules.isEmpty else { return [:] }
        var muted: [AlertFingerprint: Set<AlertFingerprint>] = [:]
        for rule in rules {
            // Sources: firing alerts matching the source side, keyed by their `equal` values.
            var sources: [[String]: [AlertFingerprint]] = [:]
            for alert in alerts where !alert.isResolved(at: now) && Self.matchesAll(rule.sourceMatchers, alert.labels) {
                sources[rule.equal.map { alert.labels[$0] ?? "" }, default: []].append(alert.fingerprint)
            }
            guard !sources.isEmpty else { continue }
            for alert in alerts where Self.matchesAll(rule.targetMatchers, alert.labels) {
                guard let owners = sources[rule.equal.map { alert.labels[$0] ?? "" }] else { continue }
                let fingerprint = alert.fingerprint
                for owner in owners where owner != fingerprint { muted[fingerprint, default: []].insert(owner) }
            }
        }
        return muted
    }

    static func matchesAll(_ matchers: [LabelMatcher], _ labels: Labels) -> Bool {
        matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") }
    }
}
