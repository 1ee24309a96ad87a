import Alerting
import Fleet
import Foundation
import Logging
import Query
import TSDB

/// Runs a ``RuleTestScript`` against a real ``Store`` in a temporary directory and collects
/// every difference from what the script expects. With a `notifications` block, the alerts
/// also go through a ``NotificationDispatcher`` on a temporary SQLite catalog.
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
    /// Whether any evaluation has run: the notification configuration must come before.
    private var evaluated = false

    private var catalogDirectory: String?
    private var notificationConfig: NotificationConfig?
    private var alertingStore: AlertingStore?
    private var dispatcher: NotificationDispatcher?
    /// The latest time the dispatcher was ticked at; it is never asked to go back.
    private var lastTick = Int64.min
    /// Outbox rows an earlier `notifications at` has accounted for.
    private var reported: Set<Int64> = []
    private var silenceCount = 0

    init(_ script: RuleTestScript) {
        self.script = script
        errorTimes = Set(script.commands.compactMap { if case .errors(_, let t, _) = $0 { t } else { nil } })
    }

    mutating func run() async {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sextant-rules-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        defer { if let catalogDirectory { try? FileManager.default.removeItem(atPath: catalogDirectory) } }
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
                await advance(to: time)
                let actual = evaluators.flatMap(\.alerts).filter { $0.state != .inactive }
                compare(actual, expected, line: line, resolved: false)
            case .resolved(let line, let time, let expected):
                await advance(to: time)
                let actual = evaluators.flatMap(\.alerts).filter { $0.state == .inactive }
                compare(actual, expected, line: line, resolved: true)
            case .transitions(let line, let time, let expected):
                await advance(to: time)
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
                await advance(to: time)
                let actual = (results[time] ?? []).flatMap(\.samples).map { ($0.labels, $0.sample.value) }
                compareSamples(actual, expected, line: line, what: "series at \(time)")
            case .errors(let line, let time, let expected):
                await advance(to: time)
                let actual = (results[time] ?? []).flatMap(\.ruleErrors).map { "\($0.ruleName): \($0.message)" }
                check(actual.sorted(), expected.sorted(), line: line, what: "errors at \(time)")
            case .query(let line, let time, let expr, let expected):
                await advance(to: time)
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
            case .restart(let line, let time, let downSince, let tolerance, let grace):
                await advance(to: (downSince ?? time) - 1)
                // The dispatcher goes down with the server: its groups are lost, its log is not.
                if let config = notificationConfig, let alertingStore {
                    do {
                        dispatcher = try NotificationDispatcher(config: config, store: alertingStore)
                    } catch {
                        failures.append("line \(line): the dispatcher does not start again: \(error)")
                        dispatcher = nil
                    }
                }
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
            case .notifications(let line, let config):
                startNotifications(config, line: line)
            case .notificationsAt(let line, let time, let expected):
                await advance(to: time)
                checkNotifications(expected, at: time, line: line)
            case .silence(let line, let time, let until, let matchers):
                await advance(to: time)
                silenceCount += 1
                let silence = Silence(
                    id: "\(silenceCount)", matchers: matchers, startsAt: time, endsAt: until, createdBy: "rule-test",
                    comment: "line \(line)", updatedAt: time)
                if let problem = Silence.validate(
                    matchers: matchers, startsAt: time, endsAt: until, createdBy: silence.createdBy, comment: silence.comment)
                {
                    failures.append("line \(line): silence refused: \(problem)")
                    continue
                }
                await saveSilence(silence, line: line)
            case .expireSilence(let line, let time, let number):
                await advance(to: time)
                guard let alertingStore else {
                    failures.append("line \(line): expire silence needs a notifications block")
                    continue
                }
                do {
                    guard var silence = try alertingStore.silences().first(where: { $0.id == "\(number)" }) else {
                        failures.append("line \(line): no silence \(number)")
                        continue
                    }
                    // As Alertmanager expires: a pending silence never starts, an active one ends now.
                    silence.startsAt = min(silence.startsAt, time)
                    silence.endsAt = min(silence.endsAt, time)
                    silence.updatedAt = time
                    await saveSilence(silence, line: line)
                } catch {
                    failures.append("line \(line): silences unreadable: \(error)")
                }
            case .ack(let line, let time, let labels, let by, let comment):
                await advance(to: time)
                guard let dispatcher else {
                    failures.append("line \(line): ack needs a notifications block")
                    continue
                }
                do {
                    try await dispatcher.acknowledge(AlertFingerprint(labels), by: by, comment: comment, at: time)
                } catch {
                    failures.append("line \(line): acknowledging \(labels) failed: \(error)")
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

    /// Runs every evaluation due at or before `time`, in time order. With notifications, each
    /// evaluation's alerts go to the dispatcher, which ticks once every group evaluated at that
    /// time has handed its alerts over, at every time one of its groups falls due in between,
    /// and at `time`.
    private mutating func advance(to time: Int64) async {
        evaluated = true
        guard let store else { return }
        while true {
            let due = groups.indices.filter({ next[$0] <= time }).min(by: { (next[$0], $0) < (next[$1], $1) })
            let flush = await dispatcher?.nextFlush()
            if let index = due, flush.map({ next[index] <= $0 }) ?? true {
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
                await notify(result)
                if !groups.indices.contains(where: { next[$0] == t }) { await tick(at: t) }
            } else if let flush, flush <= time {
                // Evaluations come first at equal times, so a due group is always ahead of the last tick.
                guard flush > lastTick else {
                    failures.append("the dispatcher is due at \(format(flush)) again after ticking at \(format(lastTick))")
                    dispatcher = nil
                    continue
                }
                await tick(at: flush)
            } else {
                break
            }
        }
        await tick(at: time)
    }

    // MARK: - Notifications

    private mutating func startNotifications(_ config: NotificationConfig, line: Int) {
        guard !evaluated else {
            failures.append("line \(line): notifications must come before the first command with a time")
            return
        }
        guard dispatcher == nil else {
            failures.append("line \(line): a second notifications block")
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sextant-notify-\(UUID().uuidString.prefix(8))").path
        catalogDirectory = directory
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let store = AlertingStore(catalog: try Catalog(path: directory + "/catalog.sqlite"))
            dispatcher = try NotificationDispatcher(config: config, store: store)
            alertingStore = store
            notificationConfig = config
        } catch {
            failures.append("line \(line): cannot start the notification dispatcher: \(error)")
        }
    }

    private mutating func saveSilence(_ silence: Silence, line: Int) async {
        guard let alertingStore, let dispatcher else {
            failures.append("line \(line): silences need a notifications block")
            return
        }
        do {
            try alertingStore.saveSilence(silence)
            try await dispatcher.silencesChanged()
        } catch {
            failures.append("line \(line): silence not stored: \(error)")
        }
    }

    /// Hands an evaluation's alerts over as the server does (`NotificationService.receive`).
    private func notify(_ evaluation: GroupEvaluation) async {
        guard let dispatcher else { return }
        let alerts = evaluation.alerts.filter { $0.state == .firing || $0.resolvedAt != nil }.map { alert in
            NotifiableAlert(
                labels: alert.labels, annotations: alert.annotations, startsAt: alert.firedAt ?? alert.activeAt, endsAt: alert.resolvedAt,
                value: alert.value, updatedAt: evaluation.time)
        }
        await dispatcher.receive(alerts, at: evaluation.time)
    }

    private mutating func tick(at time: Int64) async {
        guard let dispatcher, time >= lastTick else { return }
        lastTick = time
        do {
            try await dispatcher.tick(at: time)
        } catch {
            failures.append("dispatcher tick at \(format(time)) failed: \(error)")
            self.dispatcher = nil
        }
    }

    private mutating func checkNotifications(_ expected: [String], at time: Int64, line: Int) {
        guard let alertingStore else {
            failures.append("line \(line): notifications at needs a notifications block")
            return
        }
        checks += 1
        let items: [OutboxItem]
        do {
            items = try alertingStore.outbox(limit: 100_000).filter { $0.createdAt <= time && !reported.contains($0.id) }
        } catch {
            failures.append("line \(line): outbox unreadable: \(error)")
            return
        }
        reported.formUnion(items.map(\.id))
        func text(_ item: OutboxItem) -> String {
            RuleTestScript.notificationText(
                receiver: item.receiver, status: item.payload.status, groupLabels: Labels(item.payload.groupLabels),
                alerts: item.payload.alerts.map { (Labels($0.labels), $0.status) })
        }
        var remaining = items.map(text)
        var problems: [String] = []
        for want in expected {
            if let index = remaining.firstIndex(of: want) {
                remaining.remove(at: index)
            } else {
                problems.append("missing    \(want)")
            }
        }
        for extra in remaining { problems.append("unexpected \(extra)") }
        if !problems.isEmpty {
            // When each was queued helps tell a wrong timing from a wrong content.
            let queued = items.sorted { $0.id < $1.id }.map { "\(format($0.createdAt)) \(text($0))" }
            failures.append(
                "line \(line): notifications at \(format(time))\n  " + problems.joined(separator: "\n  ")
                    + "\n  queued: " + (queued.isEmpty ? "nothing" : queued.joined(separator: "\n          ")))
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
