import TestSupport
import Query
import Testing
import TSDB

/// `rate`, `increase`, `delta` and `resets` over many series and steps — enough for the
/// evaluator to split the series over threads — checked bit for bit against Prometheus's
/// arithmetic written out plainly over the raw samples, on the head and on compacted blocks.
struct RangeFunctionTests {
    static let interval: Int64 = 15_000
    static let hours: Int64 = 4
    static let seriesCount = 64

    /// Counters with resets (at every position a window can have them), stale markers, a
    /// NaN, gaps, and series of zero, one and two samples.
    static func load(_ store: Store) throws {
        var appender = store.appender()
        var random = SplitMix64(seed: 42)
        let samples = Int(hours * 3_600_000 / interval)
        for s in 0..<seriesCount {
            let labels = Labels(["__name__": "requests_total", "id": String(s), "job": "job\(s % 3)"])
            var ref = SeriesRef.unknown
            var value = Double(s)
            let length = s < 3 ? s : samples
            for index in 0..<length {
                let roll = random.next() % 1000
                if roll < 8 { continue }                                  // a gap
                if roll < 12 { value = Double(random.next() % 7) }        // a reset
                else { value += Double(random.next() % 50) / 10 }
                var stored = value
                if roll >= 12 && roll < 15 { stored = StaleMarker.value }
                if roll == 15 && s % 5 == 0 { stored = .nan }
                ref = try appender.append(ref, labels, Int64(index) * interval, stored)
            }
        }
        try appender.commit()
    }

    static let queries: [(function: String, range: Int64, offset: Int64)] = [
        ("rate", 300_000, 0), ("increase", 90_000, 0), ("delta", 120_000, -60_000), ("resets", 300_000, 30_000), ("rate", 15_000, 0),
    ]

    @Test(arguments: [false, true])
    func matchesPrometheusArithmetic(compacted: Bool) throws {
        let temporary = try TemporaryStore("rangeFunctions\(compacted)")
        let store = temporary.store
        try Self.load(store)
        if compacted { _ = try store.compact(now: Self.hours * 3_600_000, force: true) }
        let engine = Engine(options: EngineOptions())
        let raw = try store.querier().select([try LabelMatcher(.equal, "__name__", "requests_total")], mint: .min, maxt: .max, hints: SelectHints())
        let series = raw.map { stored -> (Labels, [Sample]) in
            var cursor = stored.samples
            return (stored.labels, cursor.collect().filter { !StaleMarker.isStale($0.value) })
        }
        for (start, end, step) in [(Int64(0), Self.hours * 3_600_000, Int64(7_000)), (-60_000, Self.hours * 3_600_000 + 60_000, 60_000)] {
            for query in Self.queries {
                let offset = query.offset == 0 ? "" : " offset \(query.offset)ms"
                let text = "\(query.function)(requests_total[\(query.range)ms]\(offset))"
                guard case .matrix(let result) = try engine.range(text, start: start, end: end, step: step, querier: store.querier()) else {
                    Issue.record("\(text): not a matrix")
                    continue
                }
                var expected: [Labels: [Sample]] = [:]
                for (labels, samples) in series {
                    var points: [Sample] = []
                    var t = start
                    while t <= end {
                        let maxt = t - query.offset
                        let window = samples.filter { $0.timestamp >= maxt - query.range && $0.timestamp <= maxt }
                        if let value = Self.reference(query.function, window, rangeStart: maxt - query.range, rangeEnd: maxt, range: query.range) {
                            points.append(Sample(t, value))
                        }
                        t += step
                    }
                    if !points.isEmpty { expected[labels.removing([Labels.metricName])] = points }
                }
                #expect(result.count == expected.count, "\(text) from \(start) step \(step)")
                for series in result {
                    let wanted = expected[series.labels] ?? []
                    #expect(series.samples == wanted, "\(text) from \(start) step \(step): \(series.labels)")
                }
            }
        }
    }

    /// Prometheus 2.42's `extrapolatedRate` and `resets`, sample by sample.
    static func reference(_ function: String, _ window: [Sample], rangeStart: Int64, rangeEnd: Int64, range: Int64) -> Double? {
        if function == "resets" {
            guard !window.isEmpty else { return nil }
            return Double(zip(window, window.dropFirst()).filter { $1.value < $0.value }.count)
        }
        guard window.count >= 2 else { return nil }
        let isCounter = function != "delta"
        let first = window[0], last = window[window.count - 1]
        var result = last.value - first.value
        if isCounter {
            var previous = first.value
            for sample in window.dropFirst() {
                if sample.value < previous { result += previous }
                previous = sample.value
            }
        }
        var durationToStart = Double(first.timestamp - rangeStart) / 1000
        let durationToEnd = Double(rangeEnd - last.timestamp) / 1000
        let sampled = Double(last.timestamp - first.timestamp) / 1000
        let average = sampled / Double(window.count - 1)
        if isCounter && result > 0 && first.value >= 0 {
            let durationToZero = sampled * (first.value / result)
            if durationToZero < durationToStart { durationToStart = durationToZero }
        }
        let threshold = average * 1.1
        var extrapolateTo = sampled
        extrapolateTo += durationToStart < threshold ? durationToStart : average / 2
        extrapolateTo += durationToEnd < threshold ? durationToEnd : average / 2
        var factor = extrapolateTo / sampled
        if function == "rate" { factor /= Double(range) / 1000 }
        return result * factor
    }
}
