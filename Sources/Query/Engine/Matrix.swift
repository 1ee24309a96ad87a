import TSDB

/// One series as the evaluator passes it between nodes: for instant-vector and scalar
/// nodes one point per evaluation step where the series has a value, stamped with the
/// step's time; for range-vector nodes the raw samples.
struct EvalSeries {
    var labels: Labels
    var points: [Sample]
}

/// Prometheus's `Matrix`: what every node of the evaluator produces.
typealias Matrix = [EvalSeries]

extension Array where Element == EvalSeries {
    var totalPoints: Int { reduce(0) { $0 + $1.points.count } }

    /// Whether two series share a label set (Prometheus's `ContainsSameLabelset`).
    var containsDuplicateLabels: Bool {
        var seen = Set<Labels>(minimumCapacity: count)
        for series in self where !seen.insert(series.labels).inserted { return true }
        return false
    }
}

/// The evaluation times of a node: `start`, `start + interval`, … up to `end`.
struct StepRange: Sequence {
    var start: Int64
    var end: Int64
    var interval: Int64

    var count: Int {
        guard end >= start else { return 0 }
        // In unsigned arithmetic the span cannot overflow, however far apart the ends are.
        let span = UInt64(bitPattern: end) &- UInt64(bitPattern: start)
        return Int(Swift.min(span / UInt64(interval), UInt64(Int.max - 1))) + 1
    }

    func makeIterator() -> Iterator { Iterator(time: start, remaining: count, interval: interval) }

    struct Iterator: IteratorProtocol {
        var time: Int64
        var remaining: Int
        let interval: Int64

        mutating func next() -> Int64? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            defer { time &+= interval }
            return time
        }
    }
}

/// A pull iterator of samples in time order: a stored series or evaluated points.
protocol SampleSource {
    mutating func next() -> Sample?
    /// Appends the next run of samples to `batch`; false once the source is exhausted.
    mutating func next(batch: inout [Sample]) -> Bool
    /// Why the source stopped early (a chunk that did not decode), if it did.
    var failure: String? { get }
}

extension SampleCursor: SampleSource {
    var failure: String? { error.map { "\($0)" } }
}

/// Points already in memory (a subquery's result) as a ``SampleSource``.
struct ArraySampleSource: SampleSource {
    let samples: [Sample]
    var index = 0

    init(_ samples: [Sample]) { self.samples = samples }

    var failure: String? { nil }

    mutating func next() -> Sample? {
        guard index < samples.count else { return nil }
        defer { index += 1 }
        return samples[index]
    }

    mutating func next(batch: inout [Sample]) -> Bool {
        guard index < samples.count else { return false }
        batch.append(contentsOf: samples[index...])
        index = samples.count
        return true
    }
}

/// The samples of a range argument's series: stored, or evaluated by a subquery.
struct SeriesSamples: SampleSource {
    private var stored: SampleCursor?
    private var evaluated: ArraySampleSource?

    init(stored: SampleCursor) { self.stored = stored }
    init(evaluated points: [Sample]) { self.evaluated = ArraySampleSource(points) }

    mutating func next() -> Sample? {
        if stored != nil { return stored!.next() }
        return evaluated!.next()
    }

    mutating func next(batch: inout [Sample]) -> Bool {
        if stored != nil { return stored!.next(batch: &batch) }
        return evaluated!.next(batch: &batch)
    }

    var failure: String? { stored?.failure }
}
