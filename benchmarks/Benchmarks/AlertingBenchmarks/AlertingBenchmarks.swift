// Alerting in process: rule evaluation and notification throughput.
//
// Rule evaluation: a store holding 100 000 series (1 000 metric names × 100 instances, 10
// jobs), 1 000 rules in 20 groups of 50 (each group 25 alerting rules `bench_gauge_N > 965`
// with `for: 1m`, a label and a templated annotation, and 25 recording rules
// `sum by (job) (rate(bench_counter_N[5m]))`). One iteration is one round: every group
// evaluated with `RuleGroupEvaluator.evaluate(at:querier:appender:)`, samples written back
// to the store. The groups' interval is 15 s; round i is evaluated at t0 + i × 15 s, and the
// data (15 s apart) covers 5 min before t0 up to the last round, so every round sees the same
// amount of data. Alert state carries from round to round (pending, then firing after 1 m).
//
// Notifications: a `NotificationDispatcher` on a fresh SQLite catalog per iteration, route
// grouping by `alertname` (one webhook receiver); 10 000 firing alerts (1 000 alertnames ×
// 10 instances) received in 20 batches of 500 (as 20 rule groups would send them), then one
// `tick` at `group_wait` flushes the 1 000 groups into the outbox. Measured: receive + tick.
//
// Delivery: 100 groups routed to one receiver with 10 webhook integrations queue 1 000
// notifications (Alertmanager webhook JSON, 10 alerts each); the `DeliveryWorker` posts
// them to an in-process HTTP receiver on loopback (`LoopbackReceiver`) until none is
// pending, each integration in order, integrations in parallel, every delivery marked in the
// SQLite outbox. Measured: the drain.
import Alerting
import AsyncHTTPClient
import Logging
import Benchmark
import BenchSupport
import Fleet
import Foundation
import Query
import TSDB

let samplesWritten = BenchmarkMetric.custom("samples written", polarity: .prefersLarger, useScalingFactor: false)
let rulesPerSecond = BenchmarkMetric.custom("rules/s", polarity: .prefersLarger, useScalingFactor: false)
let alertsPerSecond = BenchmarkMetric.custom("alerts/s", polarity: .prefersLarger, useScalingFactor: false)
let notificationsPerSecond = BenchmarkMetric.custom("notifications/s", polarity: .prefersLarger, useScalingFactor: false)

// MARK: - Rule evaluation

let metricNames = 1_000 // 500 gauges, 500 counters
let instances = 100
let jobs = 10
let groupSize = 50
let evalInterval: Int64 = 15_000
let maxRounds = 30 // warm-up and measured rounds together, at most
let t0: Int64 = 1_764_000_000_000
let pastSamples = 21 // 5 min before t0, t0 included

final class RuleFixture: @unchecked Sendable { // used by the one benchmark thread only
    let store: Store
    var evaluators: [RuleGroupEvaluator]
    var round = 0
    let ruleCount: Int

    init(_ directory: TemporaryDirectory) throws {
        let start = ContinuousClock.now
        let store = try openStore(directory.path + "/data")
        // Series: bench_gauge_0..499 and bench_counter_0..499, × 100 instances in 10 jobs.
        var labels: [Labels] = []
        labels.reserveCapacity(metricNames * instances)
        for m in 0..<metricNames {
            let name = m < metricNames / 2 ? "bench_gauge_\(m)" : "bench_counter_\(m - metricNames / 2)"
            for i in 0..<instances {
                labels.append(Labels(["__name__": name, "job": "job-\(i % jobs)", "instance": "host-\(i):9100"]))
            }
        }
        var refs = [SeriesRef](repeating: .unknown, count: labels.count)
        let scrapes = pastSamples + maxRounds
        var appended = 0
        for k in 0..<scrapes {
            let t = t0 - Int64(pastSamples - 1) * evalInterval + Int64(k) * evalInterval
            var app = store.appender()
            for (s, series) in labels.enumerated() {
                let m = s / instances, i = s % instances
                // Gauges: 10 × instance + 0..2 (instances 97–99 above 965); counters: k × (instance + 1).
                let value = m < metricNames / 2 ? Double(10 * i + (k + m) % 3) : Double(k * (i + 1))
                refs[s] = try app.append(refs[s], series, t, value)
            }
            appended += try app.commit()
        }

        // Rules: 20 groups × (25 alerting + 25 recording).
        var definitions: [RuleGroupDefinition] = []
        let groups = metricNames / groupSize
        for g in 0..<groups {
            var rules: [RuleDefinition] = []
            for r in 0..<groupSize / 2 {
                let n = g * groupSize / 2 + r
                rules.append(RuleDefinition(
                    alert: "BenchGauge\(n)High", expr: "bench_gauge_\(n) > 965", for: 60_000,
                    labels: ["severity": "warning"],
                    annotations: ["summary": "{{ $labels.instance }} of {{ $labels.job }} is at {{ $value }}"]))
                rules.append(RuleDefinition(record: "job:bench_counter_\(n):rate5m", expr: "sum by (job) (rate(bench_counter_\(n)[5m]))"))
            }
            definitions.append(RuleGroupDefinition(name: "bench-\(g)", interval: evalInterval, rules: rules))
        }
        precondition(RuleFile.validate(groups: definitions).isEmpty, "\(RuleFile.validate(groups: definitions))")
        var evaluators: [RuleGroupEvaluator] = []
        for (index, definition) in definitions.enumerated() {
            let group = try RuleGroup(definition, file: "bench.rules.yml", defaultInterval: evalInterval, index: index)
            evaluators.append(RuleGroupEvaluator(group: group))
        }
        let ruleCount = evaluators.reduce(0) { $0 + $1.group.rules.count }
        self.store = store
        self.evaluators = evaluators
        self.ruleCount = ruleCount
        let stats = store.stats
        note("AlertingBenchmarks rules: \(stats.series) series, \(appended) samples (\(scrapes) per series, 15 s apart), "
            + "\(evaluators.count) groups, \(ruleCount) rules; set up in \(seconds(since: start)) s")
    }

    func evaluateRound(_ benchmark: Benchmark) {
        guard round < maxRounds else {
            benchmark.error("more than \(maxRounds) rounds: raise maxRounds (the data ends there)")
            return
        }
        let time = t0 + Int64(round) * evalInterval
        round += 1
        let store = self.store
        benchmark.startMeasurement()
        let start = ContinuousClock.now
        var written = 0
        var firing = 0
        var pending = 0
        var errors: [String] = []
        for index in evaluators.indices {
            let result = evaluators[index].evaluate(at: time, querier: { store.querier() }, appender: { store.appender() })
            written += result.samples.count { !$0.isStale }
            for alert in result.alerts {
                if alert.state == .firing { firing += 1 } else if alert.state == .pending { pending += 1 }
            }
            errors += result.ruleErrors.map { "\($0)" }
        }
        let elapsed = seconds(since: start)
        benchmark.stopMeasurement()
        // 500 alerting rules × 3 instances (97–99) → 1 500 alerts, 2 samples each (ALERTS,
        // ALERTS_FOR_STATE); 500 recording rules × 10 jobs → 5 000 samples.
        guard errors.isEmpty, firing + pending == 1_500, written == 8_000 else {
            benchmark.error("round \(round): \(written) samples, \(firing) firing, \(pending) pending, errors: \(errors.prefix(3))")
            return
        }
        if round <= 6 || round == maxRounds {
            note("AlertingBenchmarks rules: round \(round) at t0+\(round - 1)×15 s: \(written) samples written, "
                + "\(firing) firing, \(pending) pending, \(String(format: "%.3f", elapsed)) s")
        }
        benchmark.measurement(samplesWritten, written)
        benchmark.measurement(rulesPerSecond, Int(Double(ruleCount) / elapsed))
    }
}

// MARK: - Notifications

let alertnames = 1_000
let alertsPerName = 10
let batch = 500
let groupWait: Int64 = 30_000

func notificationConfig() -> NotificationConfig {
    NotificationConfig(
        route: Route(receiver: "ops", groupBy: ["alertname"], groupWait: groupWait, groupInterval: 300_000, repeatInterval: 3_600_000),
        receivers: [Receiver(name: "ops", webhooks: [WebhookConfig(url: "http://127.0.0.1:9/hook")])])
}

let incomingAlerts: [NotifiableAlert] = (0..<alertnames * alertsPerName).map { n in
    let name = n / alertsPerName, i = n % alertsPerName
    return NotifiableAlert(
        labels: Labels(["alertname": "BenchAlert\(name)", "instance": "host-\(i):9100", "job": "job-\(i % jobs)", "severity": "warning"]),
        annotations: ["summary": "host-\(i):9100 of job-\(i % jobs) is at \(970 + i)"],
        startsAt: t0 - 60_000, value: Double(970 + i), updatedAt: t0)
}

func notificationIteration(_ benchmark: Benchmark) async throws {
    let directory = TemporaryDirectory("notify")
    directory.create()
    defer { directory.remove() }
    let catalog = try Catalog(path: directory.path + "/catalog.sqlite")
    let store = AlertingStore(catalog: catalog)
    let dispatcher = try NotificationDispatcher(config: notificationConfig(), store: store)
    let alerts = incomingAlerts
    benchmark.startMeasurement()
    let start = ContinuousClock.now
    var offset = 0
    while offset < alerts.count {
        await dispatcher.receive(Array(alerts[offset..<min(offset + batch, alerts.count)]), at: t0)
        offset += batch
    }
    let queued = try await dispatcher.tick(at: t0 + groupWait)
    let elapsed = seconds(since: start)
    benchmark.stopMeasurement()
    let outbox = try store.outbox(limit: 2 * alertnames).count
    guard queued == alertnames, outbox == alertnames else {
        benchmark.error("queued \(queued) notifications, outbox holds \(outbox); expected \(alertnames)")
        return
    }
    benchmark.measurement(alertsPerSecond, Int(Double(alerts.count) / elapsed))
    benchmark.measurement(notificationsPerSecond, Int(Double(queued) / elapsed))
}

// MARK: - Delivery

let deliveryGroups = 100
let integrationsPerReceiver = 10

func deliveryIteration(_ benchmark: Benchmark, receiver: LoopbackReceiver) async throws {
    let directory = TemporaryDirectory("deliver")
    directory.create()
    defer { directory.remove() }
    let catalog = try Catalog(path: directory.path + "/catalog.sqlite")
    let store = AlertingStore(catalog: catalog)
    let hooks = (0..<integrationsPerReceiver).map { WebhookConfig(url: "http://127.0.0.1:\(receiver.port)/hook/\($0)") }
    let config = NotificationConfig(
        route: Route(receiver: "ops", groupBy: ["alertname"], groupWait: 0, groupInterval: 300_000, repeatInterval: 3_600_000),
        receivers: [Receiver(name: "ops", webhooks: hooks)])
    let dispatcher = try NotificationDispatcher(config: config, store: store)
    await dispatcher.receive(Array(incomingAlerts.prefix(deliveryGroups * alertsPerName)), at: t0)
    let queued = try await dispatcher.tick(at: t0)
    let worker = DeliveryWorker(
        store: store, dispatcher: dispatcher, sender: NotificationSender(http: HTTPClient.shared),
        policy: RetryPolicy(initial: 1_000, maximum: 1_000, giveUpAfter: 60_000, timeout: 5_000),
        logger: Logger(label: "bench"), now: { Int64(Date().timeIntervalSince1970 * 1000) })
    let before = receiver.requests
    benchmark.startMeasurement()
    let start = ContinuousClock.now
    while try await worker.deliverDue() > 0 {}
    let elapsed = seconds(since: start)
    benchmark.stopMeasurement()
    let delivered = try store.outbox(status: .delivered, limit: 2 * queued).count
    let received = receiver.requests - before
    guard queued == deliveryGroups * integrationsPerReceiver, delivered == queued, received == queued else {
        benchmark.error("queued \(queued), delivered \(delivered), receiver got \(received)")
        return
    }
    benchmark.measurement(notificationsPerSecond, Int(Double(delivered) / elapsed))
}

// MARK: -

let benchmarks: @Sendable () -> Void = {
    let ruleConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident, samplesWritten, rulesPerSecond],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(30),
        maxIterations: maxRounds - 1
    )
    let directory = TemporaryDirectory("rules")
    Benchmark("Rule evaluation round: 1000 rules (500 alerting, 500 recording) in 20 groups over 100k series", configuration: ruleConfiguration) { benchmark, fixture in
        fixture.evaluateRound(benchmark)
    } setup: {
        try RuleFixture(directory)
    } teardown: {
        directory.remove()
    }

    let notifyConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident, alertsPerSecond, notificationsPerSecond],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(20),
        maxIterations: 20
    )
    Benchmark("Notifications: 10000 alerts in 1000 groups (group_by alertname), receive + tick into the SQLite outbox", configuration: notifyConfiguration) { benchmark async throws in
        try await notificationIteration(benchmark)
    }

    let deliveryConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident, notificationsPerSecond],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(30),
        maxIterations: 20
    )
    Benchmark("Delivery: 1000 webhook notifications (100 groups × 10 integrations) from the outbox to a loopback HTTP receiver", configuration: deliveryConfiguration) { benchmark, receiver async throws in
        try await deliveryIteration(benchmark, receiver: receiver)
    } setup: {
        try await LoopbackReceiver()
    } teardown: {}
}
