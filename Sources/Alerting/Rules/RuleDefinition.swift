/// A rule group as a Prometheus rule file states it, before validation: the plain values
/// the YAML layer reads (`groups: - name: … interval: … limit: … rules: […]`).
public struct RuleGroupDefinition: Sendable, Equatable {
    public var name: String
    /// `interval` in milliseconds; nil for the global evaluation interval.
    public var interval: Int64?
    /// `limit`: how many alerts an alerting rule, or series a recording rule, may produce;
    /// nil or 0 for no limit.
    public var limit: Int?
    public var rules: [RuleDefinition]
    /// Where the group starts in its file, for error messages.
    public var line: Int?

    public init(name: String, interval: Int64? = nil, limit: Int? = nil, rules: [RuleDefinition], line: Int? = nil) {
        self.name = name
        self.interval = interval
        self.limit = limit
        self.rules = rules
        self.line = line
    }
}

/// One rule as a rule file states it: exactly one of `alert` and `record` is set.
public struct RuleDefinition: Sendable, Equatable {
    public var alert: String?
    public var record: String?
    public var expr: String
    /// `for` in milliseconds.
    public var `for`: Int64?
    /// `keep_firing_for` in milliseconds.
    public var keepFiringFor: Int64?
    public var labels: [String: String]
    public var annotations: [String: String]
    /// Where the rule starts in its file, for error messages.
    public var line: Int?

    public init(
        alert: String? = nil, record: String? = nil, expr: String, for holdDuration: Int64? = nil,
        keepFiringFor: Int64? = nil, labels: [String: String] = [:], annotations: [String: String] = [:], line: Int? = nil
    ) {
        self.alert = alert
        self.record = record
        self.expr = expr
        self.for = holdDuration
        self.keepFiringFor = keepFiringFor
        self.labels = labels
        self.annotations = annotations
        self.line = line
    }
}
