public import TSDB

/// Restoring the `for` state of alerts after a restart, from the `ALERTS_FOR_STATE` series
/// the group wrote before, as Prometheus 2.42's `RestoreForState` does.
extension RuleGroupEvaluator {
    /// One alert whose pending time was restored.
    public struct RestoredAlert: Sendable, Equatable {
        public var ruleIndex: Int
        public var labels: Labels
        /// The `activeAt` the alert continues with.
        public var activeAt: Int64
    }

    /// Call after the first evaluation following a restart (the evaluator created with
    /// `restoring: true`). For each pending alert of each alerting rule whose `for` is at
    /// least `forGracePeriod`, reads the newest `ALERTS_FOR_STATE` sample of the alert's
    /// series within `outageTolerance` before `time` and moves the alert's `activeAt`:
    ///
    /// - if the alert had been pending for its whole `for` before going down, back to where
    ///   it was, so the next evaluation fires it;
    /// - if less than `forGracePeriod` of its `for` remained, so that it fires
    ///   `forGracePeriod` after `time`;
    /// - otherwise later by the downtime, so the downtime does not count as pending.
    ///
    /// A stale sample means the alert was not active, and nothing is restored. Rules with a
    /// shorter `for` simply start over. From now on the rules write `ALERTS` series.
    /// Returns the restored alerts and the store errors met.
    @discardableResult
    public mutating func restore(
        from querier: some Querier, at time: Int64, outageTolerance: Int64 = 3_600_000, forGracePeriod: Int64 = 600_000
    ) -> (restored: [RestoredAlert], errors: [StorageError]) {
        var restored: [RestoredAlert] = []
        var errors: [StorageError] = []
        for (index, rule) in group.rules.enumerated() {
            guard case .alerting(let alerting) = rule, var state = states[index].alerts else { continue }
            defer { states[index].restored = true }
            let hold = alerting.holdDuration
            if hold < forGracePeriod { continue }
            for alert in state.alerts.values.sorted(by: { $0.labels < $1.labels }) where alert.state == .pending {
                let series = alert.labels.setting(Labels.metricName, to: "ALERTS_FOR_STATE")
                let matchers = series.map { LabelMatcher.equal($0.name, $0.value) }
                let selected: [StoredSeries]
                do throws(StorageError) {
                    selected = Array(try querier.select(matchers, mint: time - outageTolerance, maxt: time, hints: SelectHints()))
                } catch {
                    errors.append(error)
                    continue
                }
                guard let found = selected.first(where: { $0.labels.count == series.count }) else { continue }
                var cursor = found.samples
                var last: Sample?
                while let sample = cursor.next() { last = sample }
                guard let last, !StaleMarker.isStale(last.value), last.value.isFinite,
                      Swift.abs(last.value) < 9.2e15
                else { continue }
                // Prometheus works in whole seconds here: the time the server went down and
                // the activeAt it had recorded.
                let downAt = Self.seconds(last.timestamp) * 1000
                var activeAt = Int64(last.value) * 1000
                let remaining = hold - (downAt - activeAt)
                if remaining <= 0 {
                    // It was firing; the next evaluation fires it again.
                } else if remaining < forGracePeriod {
                    activeAt = time + forGracePeriod - hold
                } else {
                    activeAt += time - downAt
                }
                state.restore(alert.labels, activeAt: activeAt)
                restored.append(RestoredAlert(ruleIndex: index, labels: alert.labels, activeAt: activeAt))
            }
            states[index].alerts = state
        }
        return (restored, errors)
    }
}
