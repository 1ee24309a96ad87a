import TestSupport
import Foundation
import Testing
@testable import TSDB

/// A random stream of appends — jittered and gapped timestamps, out-of-order and duplicate
/// samples, every awkward float, batches committed, rolled back or interrupted by a head cut —
/// reads back exactly as ``StoreReferenceModel`` says, bit for bit: from the head, after WAL
/// replay, after head cuts, after block merges, and after reopening again. Each scenario is
/// one seed; a failure names the seed, the stage and the first differing sample.
struct StorePropertyTests {
    /// 10 minutes: a few hours of stream make dozens of blocks, merged at 30, 90 and 270 min.
    static let blockRange: Int64 = 600_000

    struct Scenario: Sendable, CustomTestStringConvertible {
        var seed: UInt64
        /// Out-of-order window (ms).
        var window: Int64
        /// First timestamp of the stream.
        var start: Int64

        var testDescription: String { "seed \(seed), out-of-order window \(window) ms, from \(start)" }
    }

    static let scenarios: [Scenario] = [
        Scenario(seed: 1, window: 0, start: 1_700_000_000_000),
        Scenario(seed: 2, window: 300_000, start: 1_700_000_123_456),
        // Before 1970 and across zero: negative timestamps and block boundaries.
        Scenario(seed: 3, window: 60_000, start: -7_200_000),
        Scenario(seed: 4, window: 0, start: 0),
        // A window longer than a block: late samples run into the head's lower bound.
        Scenario(seed: 5, window: 1_800_000, start: 1_650_000_000_001),
    ]

    @Test(arguments: scenarios)
    func randomStreamReadsBackIdenticallyThroughEveryStage(_ scenario: Scenario) throws {
        var rng = SplitMix64(seed: scenario.seed)
        let dir = TemporaryDirectory("property-\(scenario.seed)")
        let options = StoreOptions(
            path: dir.path, walSync: .none, walSegmentSize: 64 << 10, outOfOrderWindow: scenario.window,
            retention: 3650 * 86_400_000, blockRange: Self.blockRange
        )
        var store = try Store(options: options)
        var model = StoreReferenceModel(window: scenario.window)
        var stream = AppendStream(start: scenario.start, rng: &rng)
        var coverage = Coverage()
        let context = "seed \(scenario.seed)"

        func check(_ stage: String) throws -> Bool {
            try ReadBack.matches(store, model, stage: "\(context), \(stage)", ranges: 8, rng: &rng)
        }
        func reopen() throws {
            guard try check("before reopening") else { throw ReadBack.Mismatch() }
            try store.close()
            store = try Store(options: options)
            #expect(store.replayReport.corruption == nil, "\(context): WAL damaged at reopen")
            #expect(store.corruptBlocks.isEmpty, "\(context): blocks damaged at reopen")
            coverage.reopens += 1
        }
        func compact(force: Bool = false) throws {
            let report = try store.compact(now: stream.clock, force: force)
            coverage.headCuts += report.headBlocksCut
            coverage.blocksMerged += report.blocksMerged
            coverage.maxLevel = max(coverage.maxLevel, store.blocks.map(\.compaction.level).max() ?? 0)
            model.minValidTime = max(model.minValidTime, store.blocks.map(\.maxTime).max() ?? .min)
        }

        for round in 0..<600 {
            stream.advanceClock(&rng)
            var app = store.appender()
            for (labels, t, v, ref) in stream.batch(model: model, rng: &rng) {
                var threw: AppendError?
                do {
                    stream.remember(labels, try app.append(ref, labels, t, v))
                } catch {
                    threw = error
                }
                let want = model.append(labels, t, v)
                coverage.count(want, threw: threw != nil)
                if let threw, want != .rejected {
                    Issue.record("\(context), round \(round): the store refused \(labels) @\(t) = \(v.bitPattern.hex) (\(threw)); the model \(want)")
                    return
                }
            }
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<10:
                app.rollback()
                model.rollback()
                #expect(try app.commit() == 0)
                coverage.rollbacks += 1
            case 10..<15:
                // A head cut between append and commit: what it made too old is dropped.
                try compact()
                fallthrough
            default:
                let stored = try app.commit()
                let want = model.commit()
                stream.stored(want)
                if stored != want.count {
                    Issue.record("\(context), round \(round): commit stored \(stored) samples; the model \(want.count)")
                    _ = try check("after the commit of round \(round)")
                    return
                }
            }
            if round == 30 {
                guard try check("in the head") else { return }
                try reopen()
                guard try check("after WAL replay") else { return }
            }
            if round % 40 == 39 {
                try compact()
                guard try check("after compaction at round \(round)") else { return }
            }
            if round % 150 == 149 {
                try reopen()
                guard try check("after reopening at round \(round)") else { return }
            }
        }
        try compact()
        guard try check("after the last compaction") else { return }
        try compact(force: true)
        guard try check("after cutting the whole head") else { return }
        try reopen()
        guard try check("after the last reopen") else { return }

        // The stream reached every path it is meant to test.
        #expect(coverage.headCuts > 10 && coverage.blocksMerged > 0 && coverage.maxLevel >= 3, "\(context): \(coverage)")
        #expect(coverage.stored > 5_000 && coverage.duplicates > 0 && coverage.rejected > 0 && coverage.rollbacks > 0, "\(context): \(coverage)")
        #expect(coverage.refusedAtAppend > 0 && coverage.reopens >= 5, "\(context): \(coverage)")
        #expect(store.stats.blocks > 1)
    }
}

/// How often each path was taken, so a scenario that stops exercising one is noticed.
struct Coverage: CustomStringConvertible {
    var stored = 0
    var duplicates = 0
    var rejected = 0
    var refusedAtAppend = 0
    var rollbacks = 0
    var reopens = 0
    var headCuts = 0
    var blocksMerged = 0
    var maxLevel = 0

    mutating func count(_ outcome: StoreReferenceModel.Outcome, threw: Bool) {
        switch outcome {
        case .stored: stored += 1
        case .duplicate: duplicates += 1
        case .rejected: rejected += 1
        }
        if threw { refusedAtAppend += 1 }
    }

    var description: String {
        "stored \(stored), duplicates \(duplicates), rejected \(rejected) (\(refusedAtAppend) at append), rollbacks \(rollbacks), "
            + "reopens \(reopens), head cuts \(headCuts), blocks merged \(blocksMerged), max level \(maxLevel)"
    }
}

/// Reads the store through its public ``Querier`` and compares with the model.
enum ReadBack {
    /// Thrown after the difference was recorded, to end the scenario.
    struct Mismatch: Error {}

    /// Everything over the full range, then `ranges` random sub-ranges with random matchers.
    /// Records an issue for the first difference and returns false.
    static func matches(_ store: Store, _ model: StoreReferenceModel, stage: String, ranges: Int, rng: inout SplitMix64) throws -> Bool {
        let all = [try LabelMatcher(.regexMatch, Labels.metricName, ".+")]
        let someNodes = [try LabelMatcher(.regexMatch, Labels.metricName, "(up|x|node_.*)"), try LabelMatcher(.notEqual, "instance", "a")]
        guard try compare(store, model, all, mint: .min, maxt: .max, stage: stage, rng: &rng) else { return false }
        let times: [Int64] = model.committed.values.flatMap { series -> [Int64] in series.values.isEmpty ? [] : [series.values.keys.min()!, series.newest] }
        guard let lo = times.min(), let hi = times.max() else { return true }
        let labelSets = model.committed.keys.sorted()
        for _ in 0..<ranges {
            var a = Int64.random(in: lo - 1_000...hi + 1_000, using: &rng)
            var b = Int64.random(in: lo - 1_000...hi + 1_000, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: b = a  // one instant
            case 1:  // block boundaries, give or take a millisecond
                a = StorePropertyTests.blockRange * (a / StorePropertyTests.blockRange) + Int64.random(in: -1...1, using: &rng)
                b = a + StorePropertyTests.blockRange * Int64.random(in: 1...4, using: &rng) + Int64.random(in: -1...1, using: &rng)
            default: break
            }
            let series = labelSets.randomElement(using: &rng)!
            let matchers: [LabelMatcher] = switch Int.random(in: 0..<4, using: &rng) {
            case 0: all
            case 1: [.equal(Labels.metricName, series.metricName!)]
            case 2: series.map { LabelMatcher.equal($0.name, $0.value) }
            default: someNodes
            }
            guard try compare(store, model, matchers, mint: min(a, b), maxt: max(a, b), stage: stage, rng: &rng) else { return false }
        }
        return true
    }

    static func compare(
        _ store: Store, _ model: StoreReferenceModel, _ matchers: [LabelMatcher], mint: Int64, maxt: Int64, stage: String,
        rng: inout SplitMix64
    ) throws -> Bool {
        let query = "\(stage): select \(matchers) in [\(mint), \(maxt)]"
        let selected = try store.querier().select(matchers, mint: mint, maxt: maxt, hints: SelectHints())
        if selected.map(\.labels) != selected.map(\.labels).sorted() {
            Issue.record("\(query): series not sorted by labels")
            return false
        }
        var got: [Labels: [Sample]] = [:]
        for series in selected {
            var cursor = series.samples
            let samples = cursor.collect()
            if let error = cursor.error {
                Issue.record("\(query): \(series.labels) failed to decode: \(error)")
                return false
            }
            if got[series.labels] != nil {
                Issue.record("\(query): \(series.labels) selected twice")
                return false
            }
            // A series whose chunks span the range without a sample in it may be listed, as
            // in Prometheus; it must not invent samples.
            if !samples.isEmpty { got[series.labels] = samples }
        }
        let want = model.expected(matching: matchers, mint: mint, maxt: maxt)
        if let difference = firstDifference(got: got, want: want) {
            Issue.record("\(query): \(difference)")
            return false
        }
        // Seeking lands on the first sample at or after the target and goes on from there.
        if let pick = want.sorted(by: { $0.key < $1.key }).randomElement(using: &rng),
           var cursor = selected.first(where: { $0.labels == pick.key })?.samples {
            let (labels, samples) = (pick.key, pick.value)
            let target = Int64.random(in: samples.first!.timestamp - 1...samples.last!.timestamp + 1, using: &rng)
            let rest = samples.filter { $0.timestamp >= target }
            var read: [Sample] = []
            if let first = cursor.seek(target) { read = [first] + cursor.collect() }
            if read != rest {
                Issue.record("\(query): \(labels) seek(\(target)) read \(read.count) samples from \(read.first.map(describe) ?? "none"); want \(rest.count) from \(rest.first.map(describe) ?? "none")")
                return false
            }
        }
        // The series API (labels only) lists every series with data in the range.
        let listed = Set(try store.querier().select(matchers, mint: mint, maxt: maxt, hints: SelectHints(seriesOnly: true)).map(\.labels))
        if let missing = want.keys.first(where: { !listed.contains($0) }) {
            Issue.record("\(query): series-only select misses \(missing)")
            return false
        }
        return true
    }

    static func firstDifference(got: [Labels: [Sample]], want: [Labels: [Sample]]) -> String? {
        for labels in Set(got.keys).union(want.keys).sorted() {
            let g = got[labels] ?? [], w = want[labels] ?? []
            if g == w { continue }
            let i = zip(g, w).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset ?? min(g.count, w.count)
            let gs = i < g.count ? describe(g[i]) : "nothing", ws = i < w.count ? describe(w[i]) : "nothing"
            return "\(labels): \(g.count) samples, want \(w.count); sample \(i) is \(gs), want \(ws)"
        }
        return nil
    }

    static func describe(_ s: Sample) -> String { "\(s.timestamp)=\(s.value) (\(s.value.bitPattern.hex))" }
}

extension UInt64 {
    var hex: String { "0x" + String(self, radix: 16) }
}

/// The random stream: series with label sets and value shapes of their own, a clock that
/// advances by a jittered scrape interval with gaps, and batches of scrapes mixed with
/// out-of-order, duplicate, too-old and backfilled samples.
struct AppendStream {
    enum Shape: CaseIterable {
        case counter, bigCounter, cents, gauge, constant, randomBits, specials, extremes, staleAndDecimals
    }

    struct Series {
        let labels: Labels
        let shape: Shape
        var value: Double
        var ref = SeriesRef.unknown
        /// Samples stored lately, for duplicates and out-of-order neighbours.
        var recent: [Sample] = []
        /// Scraped this round or not: series come and go (churn).
        var active = true
    }

    private(set) var clock: Int64
    private var series: [Series] = []
    private var index: [Labels: Int] = [:]

    static let specials: [Double] = [
        .nan, StaleMarker.value, Double(bitPattern: 0xFFF8_0000_0000_0000), Double(bitPattern: 0x7FF8_0000_0000_0001),
        Double(bitPattern: 0x7FF4_0000_0000_0000), .infinity, -.infinity, 0, -0.0,
        .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
        -.greatestFiniteMagnitude, 1e-300, 1e300, 0.1, 0.1 + 0.2, 1.0 / 3, 0x1p53, 0x1p53 + 2, 0x1p63, -0x1p63,
        123_456_789.123_456_789, 1e22, 1e23, 5e-324, 2.2250738585072009e-308, 9_007_199_254_740_993,
    ]

    static let values = [
        "a", "b", "node", "0", "-1", "1e3", "caf\u{E9}", "cafe\u{301}", "日本語", "🦄", "with space", "quote\"d",
        "back\\slash", "new\nline", String(repeating: "v", count: 300), "NaN", "+Inf", "{}", "=~", "ß", "SS",
    ]

    init(start: Int64, rng: inout SplitMix64) {
        clock = start
        let names = ["up", "node_cpu_seconds_total", "node_memory_bytes", "http:requests:rate5m", "x", "A_b"]
        let labelNames = ["instance", "job", "mode", "path", "le", "zone", "__tenant", "cpu"]
        var sets: Set<Labels> = []
        // The bare metric name, the most labels, and unicode values equal only as Swift strings.
        sets.insert(Labels(["__name__": "up"]))
        sets.insert(Labels([Label("__name__", "x")] + (0..<20).map { Label("l\($0)", "v\($0)") }))
        sets.insert(Labels(["__name__": "x", "instance": "caf\u{E9}"]))
        sets.insert(Labels(["__name__": "x", "instance": "cafe\u{301}"]))
        while sets.count < 40 {
            var pairs = [Label("__name__", names.randomElement(using: &rng)!)]
            for name in labelNames.shuffled(using: &rng).prefix(Int.random(in: 1...4, using: &rng)) {
                let value = Bool.random(using: &rng) ? Self.values.randomElement(using: &rng)! : "v\(Int.random(in: 0..<5, using: &rng))"
                pairs.append(Label(name, value))
            }
            sets.insert(Labels(pairs))
        }
        for labels in sets.sorted() {
            let shape = Shape.allCases.randomElement(using: &rng)!
            let value: Double = switch shape {
            case .bigCounter: 0x1p53 - 300
            case .constant: Self.specials.randomElement(using: &rng)!
            default: Double(Int.random(in: 0...1000, using: &rng))
            }
            index[labels] = series.count
            series.append(Series(labels: labels, shape: shape, value: value))
        }
    }

    /// Moves the clock by a jittered 15 s, sometimes by minutes, rarely by hours (more than
    /// a block), sometimes onto a block boundary; some series stop or start.
    mutating func advanceClock(_ rng: inout SplitMix64) {
        switch Int.random(in: 0..<1000, using: &rng) {
        case 0..<3: clock += Int64.random(in: 3_600_000...10_800_000, using: &rng)
        case 3..<25: clock += Int64.random(in: 60_000...1_200_000, using: &rng)
        case 25..<60: clock = (clock / StorePropertyTests.blockRange + 1) * StorePropertyTests.blockRange - Int64.random(in: 0...1, using: &rng)
        default: clock += 15_000 + Int64.random(in: -2_000...2_000, using: &rng)
        }
        for i in series.indices where Int.random(in: 0..<100, using: &rng) == 0 { series[i].active.toggle() }
    }

    /// The next batch: (labels, timestamp, value, ref to pass).
    mutating func batch(model: StoreReferenceModel, rng: inout SplitMix64) -> [(Labels, Int64, Double, SeriesRef)] {
        var out: [(Labels, Int64, Double, SeriesRef)] = []
        func ref(_ i: Int) -> SeriesRef {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<6: series[i].ref
            case 6..<9: .unknown
            default: series.randomElement(using: &rng)!.ref  // another series' ref: must be ignored
            }
        }
        // The scrape: every active series once, timestamps jittered around the clock.
        for i in series.indices where series[i].active {
            let t = clock + Int64.random(in: -500...500, using: &rng)
            out.append((series[i].labels, t, nextValue(i, &rng), ref(i)))
        }
        for _ in 0..<Int.random(in: 0...4, using: &rng) {
            let i = Int.random(in: 0..<series.count, using: &rng)
            let labels = series[i].labels
            let newest = model.newest(labels) ?? clock
            let recent = series[i].recent.randomElement(using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0:  // a run of newer samples (remote write, backfill): the appender's fast path
                var t = newest
                for _ in 0..<Int.random(in: 2...12, using: &rng) {
                    t += Int64.random(in: 1...3_000, using: &rng)
                    out.append((labels, t, nextValue(i, &rng), series[i].ref))
                }
            case 1:  // out of order, inside or outside the window
                let behind = Int64.random(in: 1...max(2, model.window * 2), using: &rng)
                out.append((labels, newest - behind, nextValue(i, &rng), ref(i)))
            case 2:  // the same sample again: accepted and ignored
                if let recent { out.append((labels, recent.timestamp, recent.value, ref(i))) }
            case 3:  // the same timestamp, another value: refused
                if let recent { out.append((labels, recent.timestamp, Self.specials.randomElement(using: &rng)!, ref(i))) }
            case 4:  // before what the blocks hold
                if model.minValidTime != .min {
                    out.append((labels, model.minValidTime - Int64.random(in: 1...StorePropertyTests.blockRange, using: &rng), 1, ref(i)))
                }
            default:  // a second sample in this batch, close to the scrape's
                out.append((labels, clock + Int64.random(in: -2_000...2_000, using: &rng), nextValue(i, &rng), ref(i)))
            }
        }
        return out
    }

    mutating func remember(_ labels: Labels, _ ref: SeriesRef) {
        if let i = index[labels] { series[i].ref = ref }
    }

    /// Samples the model says a commit stored.
    mutating func stored(_ samples: [(labels: Labels, sample: Sample)]) {
        for (labels, sample) in samples {
            guard let i = index[labels] else { continue }
            if series[i].recent.count == 16 { series[i].recent.removeFirst() }
            series[i].recent.append(sample)
        }
    }

    private mutating func nextValue(_ i: Int, _ rng: inout SplitMix64) -> Double {
        let roll = Int.random(in: 0..<100, using: &rng)
        if roll < 3 { return Self.specials.randomElement(using: &rng)! }
        if roll < 10 { return series[i].value }  // repeated
        var v = series[i].value
        switch series[i].shape {
        case .counter:
            v = Int.random(in: 0..<50, using: &rng) == 0 ? 0 : (v.isFinite ? v : 0) + Double(Int.random(in: 0...1_000, using: &rng))
        case .bigCounter:  // past 2^53, where not every integer is a float
            v = (v.isFinite ? v : 0x1p53) + Double(Int.random(in: 1...7, using: &rng))
        case .cents:
            v = Double(Int.random(in: -100_000...10_000_000, using: &rng)) / 100
        case .gauge:
            v = Double.random(in: -1e6...1e6, using: &rng)
        case .constant:
            if Int.random(in: 0..<40, using: &rng) == 0 { v = Self.specials.randomElement(using: &rng)! }
        case .randomBits:
            v = Double(bitPattern: rng.next())
        case .specials:
            v = Self.specials.randomElement(using: &rng)!
        case .extremes:
            v = Double("\(Int.random(in: -999_999...999_999, using: &rng))e\(Int.random(in: -330...310, using: &rng))")!
        case .staleAndDecimals:
            v = Int.random(in: 0..<4, using: &rng) == 0
                ? StaleMarker.value
                : Double("\(Int.random(in: -99_999...99_999, using: &rng)).\(Int.random(in: 0...999_999, using: &rng))")!
        }
        series[i].value = v
        return v
    }
}
