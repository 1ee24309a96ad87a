import Alerting
import Foundation
import Logging
import Query
import TSDB

/// Runs a ``RuleTestScript`` against a real ``Store`` in a temporary directory and collects
/// every difference from what the script expects.
struct RuleTestRunner {
    let script: RuleTestScript
    private(set) var failures: [String] = []
    /// How many expectations were checked.
    private(set) var checks = 0

    private var store: Store?
    private let engine = Engine()
    private var externalLabels = Labels.empty
    private var externalURL = ""
    private var groups: [RuleGroup] = []
    private var evaluators: [RuleGroupEvaluator] = []
    /// The next evaluation time of each group.
    private var next: [Int64] = []
    /// Groups whose next evaluation is the first after a restart.
    private var restoring: [Bool] = []
    private var restoreOptions = (outageTolerance: Int64(3_600_000), grace: Int64(600_000))
    private var results: [Int64: [GroupEvaluation]] = [:]
    /// Times the script expects rule errors at.
    private let errorTimes: Set<Int64>

    init(_ script: RuleTestScript) {
        self.script = script
        errorTimes = Set(script.commands.compactMap { if case .errors(_, let t, _) = $0 { t } else { nil } })
    }

    mutating func run() {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sextant-rules-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logger = Logger(label: "rule-test")
        logger.logLevel = .error
        do {
            store = try Store(options: StoreOptions(path: directory, walSync: .none), logger: logger)
        } catch {
            failures.append("cannot open a store: \(error)")
            return
        }
        var pendingRules: (line: Int, groups: [RuleGroupDefinition])?
        for command in script.commands {
            if let rules = pendingRules {
                pendingRules = nil
                if case .invalid(_, let expected) = command {
                    checks += 1
                    // Lines depend on the layout of the script; the messages are what is checked.
                    let actual = RuleFile.validate(groups: rules.groups).map { error in
                        var error = error
                        error.line = nil
                        return error.description
                    }
                    if actual != expected {
                        failures.append("line \(rules.line): rule file errors\n  expected: \(expected)\n  actual:   \(actual)")
                    }
                    continue
                }
                load(rules.groups, line: rules.line)
            }
            switch command {
            case .load(let line, let interval, let series):
                guard let store else { return }
                var appender = store.appender()
                do {
                    for entry in series {
                        for (index, value) in entry.values.enumerated() {
                            guard let value else { continue }
                            try appender.append(.unknown, entry.labels, Int64(index) * interval, value)
                        }
                    }
                    try appender.commit()
                } catch {
                    failures.append("line \(line): load failed: \(error)")
                }
            case .externalLabels(let labels):
                externalLabels = labels
            case .externalURL(let url):
                externalURL = url
            case .rules(let line, let definitions):
                pendingRules = (line, definitions)
            case .invalid(let line, _):
                failures.append("line \(line): `invalid` must follow `rules`")
            case .alerts(let line, let time, let expected):
                advance(to: time)
                let actual = evaluators.flatMap(\.alerts).filter { $0.state != .inactive }
                compare(actual, expected, line: line, resolved: false)
            case .resolved(let line, let time, let expected):
                advance(to: time)
                let actual = evaluators.flatMap(\.alerts).filter { $0.state == .inactive }
                compare(actual, expected, line: line, resolved: true)
            case .transitions(let line, let time, let expected):
                advance(to: time)
                let actual = (results[time] ?? []).flatMap(\.transitions).map { transition in
                    switch transition.transition {
                    case .pending(let l): "pending \(l)"
                    case .firing(let l): "firing \(l)"
                    case .resolved(let l): "resolved \(l)"
                    case .cancelled(let l): "cancelled \(l)"
                    }
                }
                check(actual.sorted(), expected.sorted(), line: line, what: "transitions at \(time)")
            case .series(let line, let time, let expected):
                advance(to: time)
                let actual = (results[time] ?? []).flatMap(\.samples).map { ($0.labels, $0.sample.value) }
                compareSamples(actual, expected, line: line, what: "series at \(time)")
            case .errors(let line, let time, let expected):
                advance(to: time)
                let actual = (results[time] ?? []).flatMap(\.ruleErrors).map { "\($0.ruleName): \($0.message)" }
                check(actual.sorted(), expected.sorted(), line: line, what: "errors at \(time)")
            case .query(let line, let time, let expr, let expected):
                advance(to: time)
                guard let store else { return }
                do {
                    let result = try engine.instant(expr, at: time, querier: store.querier())
                    let actual: [(Labels, Double)]
                    switch result {
                    case .vector(let samples): actual = samples.map { ($0.labels, $0.value) }
                    case .scalar(let sample): actual = [(Labels.empty, sample.value)]
                    default: actual = []
                    }
                    compareSamples(actual, expected, line: line, what: "query \(expr) at \(time)")
                } catch {
                    failures.append("line \(line): query \(expr) failed: \(error)")
                }
            case .restart(_, let time, let downSince, let tolerance, let grace):
                advance(to: (downSince ?? time) - 1)
                restoreOptions = (tolerance, grace)
                for index in groups.indices {
                    evaluators[index] = RuleGroupEvaluator(
                        group: groups[index], engine: engine, externalLabels: externalLabels, externalURL: externalURL,
                        restoring: true)
                    var t = next[index]
                    while t < time { t += groups[index].interval }
                    next[index] = t
                    restoring[index] = true
                }
            }
        }
        if let rules = pendingRules { load(rules.groups, line: rules.line) }
    }

    private mutating func load(_ definitions: [RuleGroupDefinition], line: Int) {
        do {
            let loaded = try RuleFile.groups(from: definitions, file: script.name)
            for group in loaded {
                groups.append(group)
                evaluators.append(RuleGroupEvaluator(group: group, engine: engine, externalLabels: externalLabels, externalURL: externalURL))
                next.append(0)
                restoring.append(false)
            }
        } catch {
            failures.append("line \(line): rule file refused:\n  \(error.errors.map(\.description).joined(separator: "\n  "))")
        }
    }

    /// Runs every evaluation due at or before `time`, in time order.
    private mutating func advance(to time: Int64) {
        guard let store else { return }
        while true {
            guard let index = groups.indices.filter({ next[$0] <= time }).min(by: { (next[$0], $0) < (next[$1], $1) }) else { return }
            let t = next[index]
            let result = evaluators[index].evaluate(at: t, querier: { store.querier() }, appender: { store.appender() })
            if restoring[index] {
                restoring[index] = false
                let report = evaluators[index].restore(
                    from: store.querier(), at: t, outageTolerance: restoreOptions.outageTolerance,
                    forGracePeriod: restoreOptions.grace)
                if !report.errors.isEmpty { failures.append("restore at \(t): \(report.errors)") }
            }
            results[t, default: []].append(result)
            if !result.ruleErrors.isEmpty && !errorTimes.contains(t) {
                failures.append("unexpected rule errors at \(format(t)): \(result.ruleErrors.map(\.description))")
            }
            next[index] = t + groups[index].interval
        }
    }

    // MARK: - Comparing

    private func format(_ time: Int64) -> String { PromQL.Duration(milliseconds: time).description }

    private mutating func check(_ actual: [String], _ expected: [String], line: Int, what: String) {
        checks += 1
        if actual != expected {
            failures.append("line \(line): \(what)\n  expected: \(expected)\n  actual:   \(actual)")
        }
    }

    private static func same(_ a: Double, _ b: Double) -> Bool {
        if StaleMarker.isStale(a) || StaleMarker.isStale(b) { return StaleMarker.isStale(a) && StaleMarker.isStale(b) }
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        if a == b { return true }
        return Swift.abs(a - b) <= 1e-9 * max(Swift.abs(a), Swift.abs(b))
    }

    private static func show(_ value: Double) -> String {
        StaleMarker.isStale(value) ? "stale" : PromQLNumber.format(value)
    }

    private mutating func compareSamples(_ actual: [(Labels, Double)], _ expected: [(labels: Labels, value: Double)], line: Int, what: String) {
        checks += 1
        var remaining = actual
        var problems: [String] = []
        for (labels, value) in expected {
            if let index = remaining.firstIndex(where: { $0.0 == labels }) {
                if !Self.same(remaining[index].1, value) {
                    problems.append("\(labels): expected \(Self.show(value)), got \(Self.show(remaining[index].1))")
                }
                remaining.remove(at: index)
            } else {
                problems.append("missing \(labels) \(Self.show(value))")
            }
        }
        for (labels, value) in remaining { problems.append("unexpected \(labels) \(Self.show(value))") }
        if !problems.isEmpty { failures.append("line \(line): \(what)\n  " + problems.joined(separator: "\n  ")) }
    }

    private mutating func compare(_ actual: [ActiveAlert], _ expected: [RuleTestScript.ExpectedAlert], line: Int, resolved: Bool) {
        checks += 1
        var remaining = actual
        var problems: [String] = []
        for want in expected {
            guard let index = remaining.firstIndex(where: { $0.labels == want.labels }) else {
                problems.append("line \(want.line): missing \(want.labels)")
                continue
            }
            let got = remaining.remove(at: index)
            let state = resolved ? "resolved" : got.state.rawValue
            let wanted = want.state ?? (resolved ? "resolved" : state)
            if state != wanted { problems.append("line \(want.line): state \(state), expected \(wanted)") }
            if let value = want.value, !Self.same(value, got.value) {
                problems.append("line \(want.line): value \(Self.show(got.value)), expected \(Self.show(value))")
            }
            if let activeAt = want.activeAt, activeAt != got.activeAt {
                problems.append("line \(want.line): active at \(format(got.activeAt)), expected \(format(activeAt))")
            }
            if let firedAt = want.firedAt, firedAt != got.firedAt {
                problems.append("line \(want.line): fired at \(got.firedAt.map(format) ?? "never"), expected \(format(firedAt))")
            }
            if let resolvedAt = want.resolvedAt, resolvedAt != got.resolvedAt {
                problems.append("line \(want.line): resolved at \(got.resolvedAt.map(format) ?? "never"), expected \(format(resolvedAt))")
            }
            if let annotations = want.annotations, annotations != got.annotations {
                for key in Set(annotations.keys).union(got.annotations.keys).sorted() where annotations[key] != got.annotations[key] {
                    problems.append(
                        "line \(want.line): annotation \(key) is \(got.annotations[key]?.debugDescription ?? "missing"), "
                            + "expected \(annotations[key]?.debugDescription ?? "none")")
                }
            }
        }
        for alert in remaining { problems.append("unexpected \(alert.state.rawValue) \(alert.labels) \(alert.annotations)") }
        if !problems.isEmpty { failures.append("line \(line): \(resolved ? "resolved" : "alerts")\n  " + problems.joined(separator: "\n  ")) }
    }
}
