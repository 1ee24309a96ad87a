import TestSupport
import Query
import Testing
import TSDB

/// `sum` summed series by series into a table of groups × steps must give what summing
/// each step's vector in series order gives (Prometheus's order), bit for bit: the values
/// here are chosen so that another order of additions would round differently, and include
/// NaN, both infinities, gaps and a series with a single sample.
struct SumTests {
    static let interval: Int64 = 15_000
    static let samples = 400
    static let seriesCount = 48

    static func load(_ store: Store) throws {
        var appender = store.appender()
        var random = SplitMix64(seed: 7)
        for s in 0..<seriesCount {
            let labels = Labels(["__name__": "load", "id": String(s), "one": "x", "few": "f\(s % 5)", "many": "m\(s % 24)"])
            var ref = SeriesRef.unknown
            let length = s == 5 ? 1 : samples
            for index in 0..<length {
                let roll = random.next() % 1000
                if roll < 40 { continue }                                  // a gap (beyond the lookback when long)
                var value: Double
                switch roll {
                case 40..<43: value = .nan
                case 43..<45: value = .infinity
                case 45..<47: value = -.infinity
                default:
                    // Magnitudes from 1e-3 to 1e16, both signs: sums that depend on their order.
                    let exponent = Double(random.next() % 20) - 3
                    let mantissa = Double(random.next() % 1_000_000) / 100_000 + 1
                    value = (random.next() % 2 == 0 ? 1 : -1) * mantissa * pow10(exponent)
                }
                ref = try appender.append(ref, labels, Int64(index) * interval, value)
            }
        }
        try appender.commit()
    }

    static func pow10(_ exponent: Double) -> Double {
        var result = 1.0
        if exponent >= 0 { for _ in 0..<Int(exponent) { result *= 10 } } else { for _ in 0..<Int(-exponent) { result /= 10 } }
        return result
    }

    @Test(arguments: [false, true])
    func equalsStepwiseSumInSeriesOrder(compacted: Bool) throws {
        let temporary = try TemporaryStore("sum\(compacted)")
        let store = temporary.store
        try Self.load(store)
        if compacted { _ = try store.compact(now: Int64(Self.samples) * Self.interval, force: true) }
        let engine = Engine(options: EngineOptions())
        let end = Int64(Self.samples) * Self.interval
        // A step of 1 s gives 48 × 6 000 points: enough for the table to be filled in two
        // halves of the steps on two threads.
        for (start, step) in [(Int64(0), Int64(7_000)), (-60_000, 60_000), (1_000_000, 1), (0, 1_000)] {
            let stepEnd = step == 1 ? start : end
            guard case .matrix(let input) = try engine.range("load", start: start, end: stepEnd, step: step, querier: store.querier()) else {
                Issue.record("load: not a matrix")
                continue
            }
            for (text, key) in [("sum(load)", [String]()), ("sum by (one) (load)", ["one"]), ("sum by (few) (load)", ["few"]),
                                ("sum by (many) (load)", ["many"]), ("sum without (id, few) (load)", ["many", "one"]),
                                ("sum by (id) (load)", ["id"])] {
                // Each step's elements in series order: the first sets the group, the others add.
                var expected: [Labels: [Int64: Double]] = [:]
                for series in input {
                    let group = Labels(Dictionary(uniqueKeysWithValues: key.compactMap { name in series.labels[name].map { (name, $0) } }))
                    for sample in series.samples {
                        if let sum = expected[group, default: [:]][sample.timestamp] {
                            expected[group]![sample.timestamp] = sum + sample.value
                        } else {
                            expected[group, default: [:]][sample.timestamp] = sample.value
                        }
                    }
                }
                guard case .matrix(let result) = try engine.range(text, start: start, end: stepEnd, step: step, querier: store.querier()) else {
                    Issue.record("\(text): not a matrix")
                    continue
                }
                #expect(result.count == expected.count, "\(text) from \(start) step \(step)")
                for series in result {
                    let wanted = (expected[series.labels] ?? [:]).sorted { $0.key < $1.key }.map { Sample($0.key, $0.value) }
                    #expect(series.samples == wanted, "\(text) from \(start) step \(step): \(series.labels)")
                }
            }
        }
    }

    /// `count` still sums step by step and holds the same samples at every step as `sum`
    /// (the inputs present and one output per group), so both must need the same limit.
    @Test func sampleLimitCountedAsStepwise() throws {
        let temporary = try TemporaryStore("sumLimit")
        let store = temporary.store
        try Self.load(store)
        var low = 0, high = 100_000
        #expect(try Self.passes(store, "count by (many) (load)", high))
        while low + 1 < high {
            let middle = (low + high) / 2
            if try Self.passes(store, "count by (many) (load)", middle) { high = middle } else { low = middle }
        }
        #expect(try Self.passes(store, "sum by (many) (load)", high))
        #expect(try !Self.passes(store, "sum by (many) (load)", high - 1))
    }

    static func passes(_ store: Store, _ query: String, _ limit: Int) throws -> Bool {
        var options = EngineOptions()
        options.maxSamples = limit
        let result: QueryResult
        do {
            result = try Engine(options: options).range(query, start: 0, end: 1_200_000, step: 60_000, querier: store.querier())
        } catch {
            guard case .execution(let message) = error, message.contains("too many samples") else { throw error }
            return false
        }
        guard case .matrix = result else { return false }
        return true
    }
}
