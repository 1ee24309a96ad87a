public import TSDB

/// One alert of an alerting rule: a label set the rule's expression returned.
public struct Alert: Sendable, Equatable {
    public enum State: String, Sendable { case pending, firing, inactive }

    public var labels: Labels
    public var state: State
    /// The latest value the expression gave for this label set.
    public var value: Double
    /// When (ms) the expression first returned this label set in the current episode.
    public var activeAt: Int64
    public var firedAt: Int64?
    public var resolvedAt: Int64?
    /// The last evaluation (ms) at which the expression returned this label set.
    public var lastSeenAt: Int64
    /// The first evaluation (ms) at which a firing alert was no longer returned; it resolves
    /// once `keep_firing_for` has passed since then, as in Prometheus.
    public var keepFiringSince: Int64? = nil
}

/// What changed in one evaluation, for the history log and the notifier.
public enum AlertTransition: Sendable, Equatable {
    case pending(Labels)
    case firing(Labels)
    case resolved(Labels)
    /// Pending, then gone before `for` elapsed: never fired, so nothing to resolve.
    case cancelled(Labels)
}

/// The states of one alerting rule's alerts, advanced by each evaluation as Prometheus
/// does: pending until `for` has elapsed, firing, kept firing for `keep_firing_for` after
/// the expression stops returning it, then resolved. Resolved alerts are remembered for
/// `resolvedRetention` so notifiers can send the resolution.
///
/// A pure value: the caller supplies the evaluation time and performs side effects
/// (writing `ALERTS`, sending notifications) from the transitions it returns.
public struct AlertRuleState: Sendable, Equatable {
    public let holdDuration: Int64
    public let keepFiringFor: Int64
    public let resolvedRetention: Int64
    public private(set) var alerts: [Labels: Alert] = [:]

    public init(for holdDuration: Int64, keepFiringFor: Int64 = 0, resolvedRetention: Int64 = 15 * 60_000) {
        self.holdDuration = holdDuration
        self.keepFiringFor = keepFiringFor
        self.resolvedRetention = resolvedRetention
    }

    /// Advances every alert to evaluation time `now`, given the label sets (and values)
    /// the expression returned.
    public mutating func evaluate(active: [Labels: Double], at now: Int64) -> [AlertTransition] {
        var transitions: [AlertTransition] = []
        for (labels, value) in active {
            if var alert = alerts[labels], alert.state != .inactive {
                alert.value = value
                alert.lastSeenAt = now
                alert.keepFiringSince = nil
                alerts[labels] = alert
            } else {
                alerts[labels] = Alert(labels: labels, state: .pending, value: value, activeAt: now, lastSeenAt: now)
                transitions.append(.pending(labels))
            }
        }
        for (labels, var alert) in alerts {
            let returned = active[labels] != nil
            switch alert.state {
            case .pending where returned:
                if now - alert.activeAt >= holdDuration {
                    alert.state = .firing
                    alert.firedAt = now
                    transitions.append(.firing(labels))
                }
            case .pending:
                alerts[labels] = nil
                transitions.append(.cancelled(labels))
                continue
            case .firing where !returned:
                if keepFiringFor > 0 && alert.keepFiringSince == nil { alert.keepFiringSince = now }
                if now - (alert.keepFiringSince ?? now) >= keepFiringFor {
                    alert.state = .inactive
                    alert.resolvedAt = now
                    transitions.append(.resolved(labels))
                }
            case .inactive where !returned:
                if let resolvedAt = alert.resolvedAt, now - resolvedAt > resolvedRetention {
                    alerts[labels] = nil
                    continue
                }
            default:
                break
            }
            alerts[labels] = alert
        }
        return transitions.sorted { Self.order($0) < Self.order($1) }
    }

    /// Restores an alert's episode after a restart (from `ALERTS_FOR_STATE`), so `for`
    /// does not start over.
    public mutating func restore(_ labels: Labels, activeAt: Int64) {
        guard var alert = alerts[labels], alert.state == .pending else { return }
        alert.activeAt = activeAt
        alerts[labels] = alert
    }

    private static func order(_ t: AlertTransition) -> Labels {
        switch t {
        case .pending(let l), .firing(let l), .resolved(let l), .cancelled(let l): l
        }
    }
}
