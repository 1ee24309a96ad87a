public import TSDB

/// What one evaluation of a rule group produced: the samples to store, the alerts after
/// it, what changed, and which rules failed.
public struct GroupEvaluation: Sendable {
    public var group: String
    /// The evaluation time (ms); every sample is stamped with it.
    public var time: Int64
    /// Recorded series, `ALERTS` and `ALERTS_FOR_STATE`, and stale markers for series an
    /// earlier evaluation wrote and this one did not, in rule order.
    public var samples: [RuleSample]
    /// Every alert the group's alerting rules hold: pending, firing, and resolved ones kept
    /// for the notifiers.
    public var alerts: [ActiveAlert]
    public var transitions: [RuleTransition]
    /// Rules whose evaluation failed; they wrote nothing this time.
    public var ruleErrors: [RuleEvaluationError]
    /// How long the evaluation took.
    public var duration: Duration

    public init(
        group: String, time: Int64, samples: [RuleSample] = [], alerts: [ActiveAlert] = [],
        transitions: [RuleTransition] = [], ruleErrors: [RuleEvaluationError] = [], duration: Duration = .zero
    ) {
        self.group = group
        self.time = time
        self.samples = samples
        self.alerts = alerts
        self.transitions = transitions
        self.ruleErrors = ruleErrors
        self.duration = duration
    }
}

/// A sample a rule wrote.
public struct RuleSample: Sendable, Equatable {
    public var ruleIndex: Int
    public var labels: Labels
    public var sample: Sample

    public init(ruleIndex: Int, labels: Labels, sample: Sample) {
        self.ruleIndex = ruleIndex
        self.labels = labels
        self.sample = sample
    }

    /// Whether this is a staleness marker: the series was written before and is not now.
    public var isStale: Bool { StaleMarker.isStale(sample.value) }
}

/// An alert of an alerting rule with its expanded annotations.
public struct ActiveAlert: Sendable, Equatable {
    public var ruleIndex: Int
    /// The rule's alert name, also the `alertname` label.
    public var ruleName: String
    public var labels: Labels
    public var annotations: [String: String]
    public var state: Alert.State
    /// The latest value the expression gave for this alert.
    public var value: Double
    public var activeAt: Int64
    public var firedAt: Int64?
    public var resolvedAt: Int64?
    /// The last evaluation that returned this alert.
    public var lastSeenAt: Int64

    public init(
        ruleIndex: Int, ruleName: String, labels: Labels, annotations: [String: String], state: Alert.State,
        value: Double, activeAt: Int64, firedAt: Int64? = nil, resolvedAt: Int64? = nil, lastSeenAt: Int64
    ) {
        self.ruleIndex = ruleIndex
        self.ruleName = ruleName
        self.labels = labels
        self.annotations = annotations
        self.state = state
        self.value = value
        self.activeAt = activeAt
        self.firedAt = firedAt
        self.resolvedAt = resolvedAt
        self.lastSeenAt = lastSeenAt
    }
}

/// A change of an alert, with the rule it belongs to.
public struct RuleTransition: Sendable, Equatable {
    public var ruleIndex: Int
    public var ruleName: String
    public var transition: AlertTransition

    public init(ruleIndex: Int, ruleName: String, transition: AlertTransition) {
        self.ruleIndex = ruleIndex
        self.ruleName = ruleName
        self.transition = transition
    }
}

/// Why a rule's evaluation failed, in Prometheus's words (its `lastError`).
public struct RuleEvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var ruleIndex: Int
    public var ruleName: String
    public var message: String

    public init(ruleIndex: Int, ruleName: String, message: String) {
        self.ruleIndex = ruleIndex
        self.ruleName = ruleName
        self.message = message
    }

    public var description: String { "rule \(ruleIndex) (\(ruleName)): \(message)" }
}

/// A rule's health as Prometheus's rules API reports it.
public struct RuleHealth: Sendable, Equatable {
    public enum Status: String, Sendable {
        case unknown
        case ok
        case err
    }

    public var status: Status = .unknown
    public var lastError: String?
    public var lastEvaluation: Int64?
    public var evaluationDuration: Duration = .zero

    public init() {}
}
