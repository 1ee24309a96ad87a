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

    var count: Int { end < start ? 0 : Int((end - start) / interval) + 1 }

    func makeIterator() -> StrideThrough<Int64>.Iterator {
        stride(from: start, through: end, by: Int(interval)).makeIterator()
    }
}

/// A pull iterator of samples in time order: a stored series or evaluated points.
protocol SampleSource {
    mutating func next() -> Sample?
}

extension SampleCursor: SampleSource {}

/// Points already in memory (a subquery's result) as a ``SampleSource``.
struct ArraySampleSource: SampleSource {
    let samples: [Sample]
    var index = 0

    init(_ samples: [Sample]) { self.samples = samples }

    mutating func next() -> Sample? {
        guard index < samples.count else { return nil }
        defer { index += 1 }
        return samples[index]
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
}
