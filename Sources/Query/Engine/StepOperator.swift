import TSDB

/// The value of one series of an argument at the current step.
struct StepElement {
    /// Index of the series in the argument's matrix.
    var series: Int
    var value: Double
}

/// An operation that runs once per step over its arguments' values at that step:
/// operators, aggregations and functions of instant vectors (the `funcCall` of
/// Prometheus's `rangeEval`).
protocol StepOperator {
    /// Sees the evaluated arguments once, before the first step, to work out per series
    /// what does not change between steps (group keys, match signatures, output labels).
    mutating func prepare(_ inputs: [Matrix], _ output: inout OutputTable) throws(QueryError)

    /// Computes the step at time `t` from `args[i]`, the elements of argument `i` present
    /// at `t`, emitting into `output`.
    mutating func step(_ t: Int64, _ args: [[StepElement]], _ output: inout OutputTable) throws(QueryError)
}

/// The series an operator produces, identified by small integers so that steps hash label
/// sets only when a new one appears.
struct OutputTable {
    private var ids: [Labels: Int] = [:]
    private(set) var labels: [Labels] = []
    private var points: [[Sample]] = []
    private var lastStep: [Int] = []
    /// Series in the order of their first point: for one step, the order they were emitted.
    private var order: [Int] = []
    private var pending: [(id: Int, value: Double)] = []
    private var step = -1
    private var time: Int64 = 0

    /// The id of the output series with these labels, creating it if needed.
    mutating func id(for labels: Labels) -> Int {
        if let id = ids[labels] { return id }
        let id = self.labels.count
        ids[labels] = id
        self.labels.append(labels)
        points.append([])
        lastStep.append(-1)
        return id
    }

    /// Adds a sample for the current step.
    mutating func emit(_ id: Int, _ value: Double) {
        pending.append((id, value))
    }

    mutating func begin(_ t: Int64) {
        step += 1
        time = t
        pending.removeAll(keepingCapacity: true)
    }

    /// Stores the step's samples; two with the same labels are an error, as Prometheus
    /// checks each step's result vector.
    mutating func commit() throws(QueryError) -> Int {
        for (id, value) in pending {
            if lastStep[id] == step { throw .duplicateLabelset }
            lastStep[id] = step
            if points[id].isEmpty { order.append(id) }
            points[id].append(Sample(time, value))
        }
        return pending.count
    }

    consuming func matrix() -> Matrix {
        var result: Matrix = []
        result.reserveCapacity(order.count)
        for id in order { result.append(EvalSeries(labels: labels[id], points: points[id])) }
        return result
    }
}

extension Evaluator {
    /// Evaluates `args`, then calls `op` at every step with their values at that step
    /// (Prometheus's `rangeEval`, including how it counts samples against the limit).
    mutating func rangeEval<Op: StepOperator>(_ op: inout Op, _ args: [Expr]) throws(QueryError) -> Matrix {
        let original = currentSamples
        var inputs: [Matrix] = []
        inputs.reserveCapacity(args.count)
        for arg in args { inputs.append(try eval(arg)) }
        return try rangeEval(&op, inputs: inputs, original: original)
    }

    /// ``rangeEval(_:_:)`` over arguments already evaluated; `original` is the sample
    /// count from before they were.
    mutating func rangeEval<Op: StepOperator>(_ op: inout Op, inputs: [Matrix], original: Int) throws(QueryError) -> Matrix {
        var output = OutputTable()
        try op.prepare(inputs, &output)

        var cursors = inputs.map(StepCursor.init)
        var vectors = inputs.map { matrix -> [StepElement] in
            var vector: [StepElement] = []
            vector.reserveCapacity(matrix.count)
            return vector
        }
        var held = currentSamples
        for t in steps {
            try deadline.check()
            currentSamples = held
            for i in inputs.indices {
                cursors[i].gather(t, into: &vectors[i])
                // Prometheus counts each element as it takes it; the limit is crossed or not
                // all the same.
                guard currentSamples + vectors[i].count <= maxSamples else { throw .tooManySamples }
                currentSamples += vectors[i].count
            }
            output.begin(t)
            try op.step(t, vectors, &output)
            let emitted = try output.commit()
            currentSamples += emitted
            held += emitted
            if currentSamples > maxSamples { throw .tooManySamples }
        }
        let result = output.matrix()
        currentSamples = original + result.totalPoints
        return result
    }
}

/// One argument's points laid end to end, with each series' next unread point: what
/// ``Evaluator/rangeEval(_:inputs:original:)`` reads at every step, without walking nested
/// arrays.
private struct StepCursor {
    private var points: [Sample] = []
    private var next: [Int] = []
    private var end: [Int] = []

    init(_ matrix: Matrix) {
        points.reserveCapacity(matrix.totalPoints)
        next.reserveCapacity(matrix.count)
        end.reserveCapacity(matrix.count)
        for series in matrix {
            next.append(points.count)
            points.append(contentsOf: series.points)
            end.append(points.count)
        }
    }

    /// Replaces `vector` with the elements of the series that have a point at `t`, and moves
    /// past those points.
    mutating func gather(_ t: Int64, into vector: inout [StepElement]) {
        vector.removeAll(keepingCapacity: true)
        let end = self.end
        points.withUnsafeBufferPointer { points in
            next.withUnsafeMutableBufferPointer { next in
                for s in 0..<next.count {
                    let cursor = next[s]
                    guard cursor < end[s], points[cursor].timestamp == t else { continue }
                    vector.append(StepElement(series: s, value: points[cursor].value))
                    next[s] = cursor + 1
                }
            }
        }
    }
}
