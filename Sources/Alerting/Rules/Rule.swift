public import Query
public import TSDB

/// A rule of a group: an alerting rule or a recording rule.
public enum Rule: Sendable {
    case alerting(AlertingRule)
    case recording(RecordingRule)

    /// The alert name or the recorded metric name.
    public var name: String {
        switch self {
        case .alerting(let rule): rule.name
        case .recording(let rule): rule.name
        }
    }

    public var expr: Expr {
        switch self {
        case .alerting(let rule): rule.expr
        case .recording(let rule): rule.expr
        }
    }

    /// The expression as the rule file wrote it.
    public var query: String {
        switch self {
        case .alerting(let rule): rule.query
        case .recording(let rule): rule.query
        }
    }
}

/// `alert: HighLoad`: fires an alert for each series its expression returns, once the
/// series has been returned for ``holdDuration``.
public struct AlertingRule: Sendable {
    public let name: String
    public let expr: Expr
    public let query: String
    /// `for`, in milliseconds.
    public let holdDuration: Int64
    /// `keep_firing_for`, in milliseconds.
    public let keepFiringFor: Int64
    /// Labels added to each alert, templated.
    public let labels: [String: AlertTemplate]
    /// Annotations of each alert, templated.
    public let annotations: [String: AlertTemplate]

    /// The labels in name order, as Prometheus applies them.
    let orderedLabels: [(name: String, template: AlertTemplate)]
    let orderedAnnotations: [(name: String, template: AlertTemplate)]

    public init(
        name: String, expr: Expr, query: String, holdDuration: Int64 = 0, keepFiringFor: Int64 = 0,
        labels: [String: AlertTemplate] = [:], annotations: [String: AlertTemplate] = [:]
    ) {
        self.name = name
        self.expr = expr
        self.query = query
        self.holdDuration = holdDuration
        self.keepFiringFor = keepFiringFor
        self.labels = labels
        self.annotations = annotations
        orderedLabels = labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        orderedAnnotations = annotations.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The name its templates are parsed and reported under, as Prometheus names them.
    public static func templateName(_ alertName: String) -> String { "__alert_" + alertName }
}

/// `record: job:requests:rate5m`: stores its expression's result under a new metric name.
public struct RecordingRule: Sendable {
    /// The metric name written.
    public let name: String
    public let expr: Expr
    public let query: String
    /// Labels set on every series written, replacing the result's own.
    public let labels: Labels

    public init(name: String, expr: Expr, query: String, labels: Labels = .empty) {
        self.name = name
        self.expr = expr
        self.query = query
        self.labels = labels
    }
}
