public import Query
public import TSDB

/// Evaluates a ``RuleGroup`` at the times it is given, as Prometheus 2.42's rule manager
/// evaluates a group, and keeps the state that must carry from one evaluation to the next:
/// each alerting rule's ``AlertRuleState`` and annotations, and the series each rule wrote
/// last time (to mark them stale when they stop).
///
/// ```swift
/// var evaluator = RuleGroupEvaluator(group: group, externalLabels: Labels(["env": "prod"]))
/// let result = evaluator.evaluate(at: group.evaluationTime(atOrBefore: now),
///                                 querier: { store.querier() }, appender: { store.appender() })
/// for alert in result.alerts where alert.state == .firing { … }
/// ```
///
/// A recording rule writes its result with `__name__` set to the record name and its
/// labels applied. An alerting rule makes one alert per series its expression returns:
/// the series' labels without `__name__`, plus the rule's labels (templated), plus
/// `alertname`; it writes `ALERTS{alertstate="pending"|"firing"} 1` and
/// `ALERTS_FOR_STATE` (the `activeAt` in seconds) for each pending or firing alert. A
/// failing rule writes nothing and reports why; the others go on.
public struct RuleGroupEvaluator: Sendable {
    public let group: RuleGroup
    public let engine: Engine
    public var externalLabels: Labels
    public var externalURL: String
    /// A monotonic clock for measuring evaluations, injectable for tests.
    private let clock: @Sendable () -> Duration
    var states: [RuleState]
    /// The time of the last evaluation.
    public private(set) var lastEvaluation: Int64?

    /// Whether the group still waits for ``restore(from:at:outageTolerance:forGracePeriod:)`` after a (re)start.
    public var restoring: Bool { states.contains { !$0.restored } }

    struct RuleState: Sendable {
        var alerts: AlertRuleState?
        var annotations: [Labels: [String: String]] = [:]
        /// Series the rule wrote at its last successful evaluation.
        var written: Set<Labels> = []
        /// Whether `ALERTS` and `ALERTS_FOR_STATE` are written: not until the `for` state
        /// has been restored after a restart.
        var restored = true
        var health = RuleHealth()
    }

    /// `restoring`: the group starts with a restart, and will be given ``restore(from:at:outageTolerance:forGracePeriod:)``
    /// after its first evaluation; until then its alerting rules write no `ALERTS` series.
    public init(
        group: RuleGroup, engine: Engine = Engine(), externalLabels: Labels = .empty, externalURL: String = "",
        restoring: Bool = false, clock: @escaping @Sendable () -> Duration = MonotonicClock.elapsed
    ) {
        self.group = group
        self.engine = engine
        self.externalLabels = externalLabels
        self.externalURL = externalURL
        self.clock = clock
        states = group.rules.map { rule in
            var state = RuleState()
            if case .alerting(let alerting) = rule {
                state.alerts = AlertRuleState(for: alerting.holdDuration, keepFiringFor: alerting.keepFiringFor)
                state.restored = !restoring
            }
            return state
        }
    }

    /// The health of each rule, in rule order.
    public var ruleHealth: [RuleHealth] { states.map(\.health) }

    /// Every alert the group holds, in rule order then label order.
    public var alerts: [ActiveAlert] {
        var result: [ActiveAlert] = []
        for (index, rule) in group.rules.enumerated() {
            guard let alerts = states[index].alerts?.alerts else { continue }
            for alert in alerts.values.sorted(by: { $0.labels < $1.labels }) {
                result.append(ActiveAlert(
                    ruleIndex: index, ruleName: rule.name, labels: alert.labels,
                    annotations: states[index].annotations[alert.labels] ?? [:], state: alert.state, value: alert.value,
                    activeAt: alert.activeAt, firedAt: alert.firedAt, resolvedAt: alert.resolvedAt,
                    lastSeenAt: alert.lastSeenAt))
            }
        }
        return result
    }

    // MARK: - Evaluating

    /// Evaluates every rule against one view of the store and returns what to write. Later
    /// rules do not see what earlier rules of this evaluation record; to give them that, as
    /// Prometheus does, use ``evaluate(at:querier:appender:)``.
    public mutating func evaluate(at time: Int64, querier: some Querier) -> GroupEvaluation {
        evaluate(at: time) { samples in
            (samples.filter { !$0.isStale }.map(\.labels), [])
        } query: { querier }
    }

    /// Evaluates the rules in order, writing each rule's samples through a fresh appender and
    /// committing them before the next rule runs against a fresh querier, so that rules see
    /// what earlier rules of the group recorded at this time, as in Prometheus.
    ///
    /// A sample the store refuses marks its rule unhealthy with the store's reason; the
    /// series is then not remembered, so it is not marked stale later.
    public mutating func evaluate<Q: Querier, A: Appender & ~Copyable>(
        at time: Int64, querier: () -> Q, appender: () -> A
    ) -> GroupEvaluation {
        evaluate(at: time) { samples in
            var app = appender()
            var written: [Labels] = []
            var problems: [String] = []
            for sample in samples {
                do throws(AppendError) {
                    try app.append(.unknown, sample.labels, sample.sample.timestamp, sample.sample.value)
                    if !sample.isStale { written.append(sample.labels) }
                } catch {
                    // Prometheus ignores a refused stale marker; a refused sample makes the rule unhealthy.
                    if !sample.isStale { problems.append(error.description) }
                }
            }
            do throws(StorageError) {
                try app.commit()
            } catch {
                return (nil, ["rule sample appending failed: \(error)"])
            }
            // Prometheus keeps the last refusal as the rule's error.
            return (written, problems.suffix(1))
        } query: { querier() }
    }

    /// The evaluation loop. `write` stores one rule's samples (or not) and returns the
    /// series it stored (nil when the batch failed) and the errors to report; `makeQuerier`
    /// gives the view each rule queries.
    private mutating func evaluate<Q: Querier>(
        at time: Int64,
        write: ([RuleSample]) -> (written: [Labels]?, errors: [String]),
        query makeQuerier: () -> Q
    ) -> GroupEvaluation {
        let started = clock()
        var result = GroupEvaluation(group: group.name, time: time)
        for index in group.rules.indices {
            let ruleStarted = clock()
            let querier = makeQuerier()
            var evaluated: [RuleSample]
            var transitions: [AlertTransition] = []
            do throws(RuleFailure) {
                switch group.rules[index] {
                case .alerting(let rule):
                    (evaluated, transitions) = try evaluateAlerting(index, rule, at: time, querier: querier)
                case .recording(let rule):
                    evaluated = try evaluateRecording(index, rule, at: time, querier: querier)
                }
            } catch {
                fail(index, error.message, at: time, started: ruleStarted, into: &result)
                continue
            }
            let current = Set(evaluated.map(\.labels))
            let stale = states[index].written.subtracting(current).sorted()
            evaluated += stale.map { RuleSample(ruleIndex: index, labels: $0, sample: Sample(time, StaleMarker.value)) }
            let (written, errors) = write(evaluated)
            result.samples += evaluated
            result.transitions += transitions.map {
                RuleTransition(ruleIndex: index, ruleName: group.rules[index].name, transition: $0)
            }
            if let written { states[index].written = Set(written) }
            var health = RuleHealth()
            health.status = errors.isEmpty ? .ok : .err
            health.lastError = errors.last
            health.lastEvaluation = time
            health.evaluationDuration = clock() - ruleStarted
            states[index].health = health
            for message in errors {
                result.ruleErrors.append(RuleEvaluationError(ruleIndex: index, ruleName: group.rules[index].name, message: message))
            }
        }
        result.alerts = alerts
        result.duration = clock() - started
        lastEvaluation = time
        return result
    }

    private mutating func fail(_ index: Int, _ message: String, at time: Int64, started: Duration, into result: inout GroupEvaluation) {
        var health = RuleHealth()
        health.status = .err
        health.lastError = message
        health.lastEvaluation = time
        health.evaluationDuration = clock() - started
        states[index].health = health
        result.ruleErrors.append(RuleEvaluationError(ruleIndex: index, ruleName: group.rules[index].name, message: message))
    }

    struct RuleFailure: Error {
        var message: String
    }

    /// A query's result as the samples a rule works on: a vector, or a scalar as one
    /// sample without labels; anything else is an error, as in Prometheus.
    private func vector(_ expr: Expr, at time: Int64, querier: some Querier) throws(RuleFailure) -> [InstantSample] {
        let result: QueryResult
        do {
            result = try engine.instant(expr, at: time, querier: querier)
        } catch {
            throw RuleFailure(message: error.message)
        }
        switch result {
        case .vector(let samples): return samples
        case .scalar(let sample): return [InstantSample(labels: .empty, timestamp: time, value: sample.value)]
        default: throw RuleFailure(message: "rule result is not a vector or scalar")
        }
    }

    private func evaluateRecording(_ index: Int, _ rule: RecordingRule, at time: Int64, querier: some Querier) throws(RuleFailure) -> [RuleSample] {
        var samples: [RuleSample] = []
        var seen: Set<Labels> = []
        for element in try vector(rule.expr, at: time, querier: querier) {
            var labels = element.labels.setting(Labels.metricName, to: rule.name)
            for label in rule.labels { labels = labels.setting(label.name, to: label.value) }
            guard seen.insert(labels).inserted else {
                throw RuleFailure(message: "vector contains metrics with the same labelset after applying rule labels")
            }
            samples.append(RuleSample(ruleIndex: index, labels: labels, sample: Sample(time, element.value)))
        }
        if group.limit > 0 && samples.count > group.limit {
            throw RuleFailure(message: "exceeded limit of \(group.limit) with \(samples.count) series")
        }
        return samples
    }

    private mutating func evaluateAlerting(
        _ index: Int, _ rule: AlertingRule, at time: Int64, querier: some Querier
    ) throws(RuleFailure) -> ([RuleSample], [AlertTransition]) {
        let results = try vector(rule.expr, at: time, querier: querier)
        let engine = engine
        let query: AlertTemplate.QueryFunction = { expression in
            try Self.templateQuery(expression, engine: engine, at: time, querier: querier)
        }
        var active: [Labels: Double] = [:]
        var annotations: [Labels: [String: String]] = [:]
        for element in results {
            var labels = element.labels.removing([Labels.metricName])
            for (name, template) in rule.orderedLabels {
                let value = template.expandOrPlaceholder(
                    labels: element.labels, externalLabels: externalLabels, value: element.value, externalURL: externalURL,
                    query: query)
                labels = labels.setting(name, to: value)
            }
            labels = labels.setting("alertname", to: rule.name)
            if active[labels] != nil {
                throw RuleFailure(message: "vector contains metrics with the same labelset after applying alert labels")
            }
            active[labels] = element.value
            var expanded: [String: String] = [:]
            for (name, template) in rule.orderedAnnotations {
                expanded[name] = template.expandOrPlaceholder(
                    labels: element.labels, externalLabels: externalLabels, value: element.value, externalURL: externalURL,
                    query: query)
            }
            annotations[labels] = expanded
        }

        var state = states[index].alerts ?? AlertRuleState(for: rule.holdDuration, keepFiringFor: rule.keepFiringFor)
        let transitions = state.evaluate(active: active, at: time)
        let current = state.alerts.values.filter { $0.state != .inactive }.sorted { $0.labels < $1.labels }
        if group.limit > 0 && current.count > group.limit {
            // As Prometheus: the rule forgets its alerts and fails until it is back under the limit.
            states[index].alerts = AlertRuleState(for: rule.holdDuration, keepFiringFor: rule.keepFiringFor)
            states[index].annotations = [:]
            throw RuleFailure(message: "exceeded limit of \(group.limit) with \(current.count) alerts")
        }
        var kept = states[index].annotations.filter { state.alerts[$0.key] != nil }
        kept.merge(annotations) { _, new in new }
        states[index].annotations = kept
        states[index].alerts = state

        guard states[index].restored else { return ([], transitions) }
        var samples: [RuleSample] = []
        for alert in current {
            let alerts = alert.labels.setting(Labels.metricName, to: "ALERTS").setting("alertstate", to: alert.state.rawValue)
            samples.append(RuleSample(ruleIndex: index, labels: alerts, sample: Sample(time, 1)))
            let forState = alert.labels.setting(Labels.metricName, to: "ALERTS_FOR_STATE")
            samples.append(RuleSample(ruleIndex: index, labels: forState, sample: Sample(time, Double(Self.seconds(alert.activeAt)))))
        }
        return (samples, transitions)
    }

    /// Milliseconds to whole seconds, rounding down as Go's `time.Unix()` does.
    static func seconds(_ milliseconds: Int64) -> Int64 {
        milliseconds >= 0 ? milliseconds / 1000 : -((-milliseconds + 999) / 1000)
    }

    /// A template's `query`: an instant query at the evaluation time.
    private static func templateQuery(_ expression: String, engine: Engine, at time: Int64, querier: some Querier) throws -> [TemplateSample] {
        let result: QueryResult
        do {
            result = try engine.instant(expression, at: time, querier: querier)
        } catch {
            throw TemplateQueryError(description: error.message)
        }
        switch result {
        case .vector(let samples):
            return samples.map { sample in
                TemplateSample(labels: Dictionary(sample.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { _, b in b }), value: sample.value)
            }
        case .scalar(let sample):
            return [TemplateSample(labels: [:], value: sample.value)]
        default:
            throw TemplateQueryError(description: "rule result is not a vector or scalar")
        }
    }

    private struct TemplateQueryError: Error, CustomStringConvertible {
        var description: String
    }

    /// Stale markers at `time` for every series the group wrote at its last evaluation, for
    /// when the group is removed (Prometheus marks a removed group's series stale on reload).
    public func staleMarkers(at time: Int64) -> [RuleSample] {
        states.enumerated().flatMap { index, state in
            state.written.sorted().map { RuleSample(ruleIndex: index, labels: $0, sample: Sample(time, StaleMarker.value)) }
        }
    }
}
