import Testing
import TSDB
@testable import Alerting

struct AlertStateTests {
    let a = Labels(["alertname": "HighCPU", "instance": "a"])
    let b = Labels(["alertname": "HighCPU", "instance": "b"])

    @Test func pendingThenFiringAfterForThenResolved() {
        var state = AlertRuleState(for: 60_000)
        #expect(state.evaluate(active: [a: 0.95], at: 0) == [.pending(a)])
        #expect(state.evaluate(active: [a: 0.96], at: 30_000) == [])
        #expect(state.alerts[a]?.state == .pending)
        #expect(state.evaluate(active: [a: 0.97], at: 60_000) == [.firing(a)])
        #expect(state.alerts[a]?.firedAt == 60_000)
        #expect(state.alerts[a]?.value == 0.97)
        #expect(state.evaluate(active: [:], at: 90_000) == [.resolved(a)])
        #expect(state.alerts[a]?.state == .inactive)
        #expect(state.alerts[a]?.resolvedAt == 90_000)
    }

    @Test func zeroForFiresOnFirstEvaluation() {
        var state = AlertRuleState(for: 0)
        #expect(state.evaluate(active: [a: 1], at: 0) == [.pending(a), .firing(a)])
    }

    @Test func pendingThatDisappearsIsCancelledNotResolved() {
        var state = AlertRuleState(for: 60_000)
        _ = state.evaluate(active: [a: 1, b: 1], at: 0)
        #expect(state.evaluate(active: [b: 1], at: 15_000) == [.cancelled(a)])
        #expect(state.alerts[a] == nil)
        #expect(state.alerts[b]?.state == .pending)
    }

    @Test func keepFiringForHoldsAfterTheExpressionClears() {
        var state = AlertRuleState(for: 0, keepFiringFor: 60_000)
        _ = state.evaluate(active: [a: 1], at: 0)
        #expect(state.evaluate(active: [:], at: 30_000) == [])
        #expect(state.alerts[a]?.state == .firing)
        // Returning within the window keeps the same episode.
        #expect(state.evaluate(active: [a: 2], at: 45_000) == [])
        #expect(state.alerts[a]?.firedAt == 0)
        // Counted from the first evaluation that no longer returned it (100 s), as Prometheus.
        #expect(state.evaluate(active: [:], at: 100_000) == [])
        #expect(state.evaluate(active: [:], at: 159_000) == [])
        #expect(state.evaluate(active: [:], at: 160_000) == [.resolved(a)])
    }

    @Test func resolvedAlertsAreForgottenAfterRetentionAndCanFireAgain() {
        var state = AlertRuleState(for: 0, resolvedRetention: 60_000)
        _ = state.evaluate(active: [a: 1], at: 0)
        _ = state.evaluate(active: [:], at: 15_000)
        #expect(state.evaluate(active: [a: 1], at: 30_000) == [.pending(a), .firing(a)], "a new episode")
        #expect(state.alerts[a]?.activeAt == 30_000)
        _ = state.evaluate(active: [:], at: 45_000)
        _ = state.evaluate(active: [:], at: 105_000)
        #expect(state.alerts[a] != nil, "kept while no more than the retention has passed")
        _ = state.evaluate(active: [:], at: 106_000)
        #expect(state.alerts[a] == nil)
    }

    @Test func restoreKeepsTheEpisodeStartAcrossRestart() {
        var state = AlertRuleState(for: 10 * 60_000)
        _ = state.evaluate(active: [a: 1], at: 1_000_000)
        state.restore(a, activeAt: 1_000_000 - 9 * 60_000)
        #expect(state.evaluate(active: [a: 1], at: 1_000_000 + 60_000) == [.firing(a)])
    }
}
