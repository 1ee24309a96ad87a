import Dispatch
import Synchronization
import TSDB

extension Evaluator {
    /// `sum` (without a parameter) over its argument: the fast path of
    /// ``evalAggregate(_:)`` when the argument's points all sit on the step grid, which is
    /// how every node but a subquery or `@` can yield them.
    ///
    /// Instead of gathering every step's vector and summing it (``rangeEval(_:_:)``), it
    /// walks the series in order and adds each point into its group's cell for that step.
    /// A cell sees the same additions in the same order as the step-wise sum — the first
    /// series of the group present at that step, then `+=` each later one, as Prometheus
    /// sums — so the results are bit for bit the same; the output series come in the order
    /// the step-wise path first emits them, and the sample limit is checked step by step
    /// as that path counts it; `original` is the sample count from before the argument was
    /// evaluated. Returns nil (having changed nothing) when a point is off the
    /// grid or the table of groups × steps would be too large.
    mutating func sumOnGrid(_ input: Matrix, grouping: Set<String>, without: Bool, original: Int) throws(QueryError) -> Matrix? {
        let stepCount = steps.count
        guard stepCount > 0 else { return nil }
        var groups: [Labels: Int] = [:]
        var groupLabels: [Labels] = []
        var groupOf: [Int] = []
        groupOf.reserveCapacity(input.count)
        for series in input {
            let labels = series.labels.grouped(grouping, without: without)
            if let group = groups[labels] {
                groupOf.append(group)
            } else {
                groups[labels] = groupLabels.count
                groupOf.append(groupLabels.count)
                groupLabels.append(labels)
            }
        }
        let groupCount = groupLabels.count
        guard groupCount <= Self.sumTableCells / stepCount else { return nil }

        var sums = [Double](repeating: 0, count: groupCount * stepCount)
        var filled = [Bool](repeating: false, count: groupCount * stepCount)
        // Per step: input elements, and groups emitted, for the sample limit.
        var inputsAt = [Int](repeating: 0, count: stepCount)
        var groupsAt = [Int](repeating: 0, count: stepCount)
        // Per group: the first step it has a value at, and the first series there.
        var firstStep = [Int](repeating: .max, count: groupCount)
        var firstSeries = [Int](repeating: .max, count: groupCount)
        let start = steps.start
        // Read here, not inside the loop: `self` is generic over the querier, so reading a
        // property of it there costs a metadata lookup per point.
        let stepInterval = steps.interval
        var onGrid = true
        sums.withUnsafeMutableBufferPointer { sums in
            filled.withUnsafeMutableBufferPointer { filled in
                inputsAt.withUnsafeMutableBufferPointer { inputsAt in
                    groupsAt.withUnsafeMutableBufferPointer { groupsAt in
                        groupOf.withUnsafeBufferPointer { groupOf in
                            let table = SumTable(sums: sums, filled: filled, inputsAt: inputsAt, groupsAt: groupsAt, groupOf: groupOf,
                                                 stepCount: stepCount, start: start, interval: stepInterval)
                            // Two halves of the steps on two threads: every cell and step
                            // count belongs to one half, and each half adds its cells' points
                            // in series order, as one pass would.
                            let points = input.reduce(0) { $0 + $1.points.count }
                            if points >= 100_000 && stepCount >= 2 {
                                let halves = [0..<stepCount / 2, stepCount / 2..<stepCount]
                                let results = Mutex([true, true])
                                DispatchQueue.concurrentPerform(iterations: 2) { half in
                                    let ok = table.accumulate(input, steps: halves[half])
                                    results.withLock { $0[half] = ok }
                                }
                                onGrid = results.withLock { $0[0] && $0[1] }
                            } else {
                                onGrid = table.accumulate(input, steps: 0..<stepCount)
                            }
                        }
                    }
                }
            }
        }
        guard onGrid else { return nil }
        let interval = UInt64(stepInterval)
        for (s, series) in input.enumerated() {
            guard let first = series.points.first else { continue }
            let group = groupOf[s]
            let k = Int((UInt64(bitPattern: first.timestamp) &- UInt64(bitPattern: start)) / interval)
            if k < firstStep[group] {
                firstStep[group] = k
                firstSeries[group] = s
            }
        }

        // The limit as the step-wise path counts it: each step holds the outputs so far,
        // that step's inputs and its outputs; the deadline is checked at every step, as there.
        var held = currentSamples
        for k in 0..<stepCount {
            try deadline.check()
            if held + inputsAt[k] + groupsAt[k] > maxSamples { throw .tooManySamples }
            held += groupsAt[k]
        }

        let order = (0..<groupCount).sorted { a, b in
            (firstStep[a], firstSeries[a]) < (firstStep[b], firstSeries[b])
        }
        var result: Matrix = []
        result.reserveCapacity(groupCount)
        var total = 0
        for group in order where firstStep[group] != .max {
            let base = group * stepCount
            var points: [Sample] = []
            points.reserveCapacity(stepCount - firstStep[group])
            for k in firstStep[group]..<stepCount where filled[base + k] {
                points.append(Sample(start &+ Int64(k) &* stepInterval, sums[base + k]))
            }
            total += points.count
            result.append(EvalSeries(labels: groupLabels[group], points: points))
        }
        currentSamples = original + total
        return result
    }

    /// The most cells (groups × steps) ``sumOnGrid(_:grouping:without:original:)`` allocates:
    /// 36 MB of sums and flags.
    static var sumTableCells: Int { 4 << 20 }
}

/// The table ``Evaluator/sumOnGrid(_:grouping:without:original:)`` adds points into: group ×
/// step cells, and per step the inputs seen and groups filled.
///
/// `@unchecked Sendable`: it only points into the caller's arrays, which outlive every
/// `accumulate` call, and concurrent calls are given disjoint step ranges, so they write
/// disjoint cells and step counts.
private struct SumTable: @unchecked Sendable {
    let sums: UnsafeMutableBufferPointer<Double>
    let filled: UnsafeMutableBufferPointer<Bool>
    let inputsAt: UnsafeMutableBufferPointer<Int>
    let groupsAt: UnsafeMutableBufferPointer<Int>
    let groupOf: UnsafeBufferPointer<Int>
    let stepCount: Int
    let start: Int64
    let interval: Int64

    /// Adds every point of `input` at the steps `part` to its group's cell; false (leaving the
    /// table part filled) when a point is off the grid or out of order. A series' points from
    /// the first at or after the part's first step time up to the next part are taken; one
    /// found there at a step outside the part can only be out of order.
    func accumulate(_ input: Matrix, steps part: Range<Int>) -> Bool {
        let unsignedInterval = UInt64(interval)
        for (s, series) in input.enumerated() {
            let base = groupOf[s] * stepCount
            let points = series.points
            let from = part.lowerBound == 0 ? 0 : Self.firstIndex(points, atOrAfter: start &+ Int64(part.lowerBound) &* interval)
            let to = part.upperBound == stepCount ? points.count : Self.firstIndex(points, atOrAfter: start &+ Int64(part.upperBound) &* interval)
            var previous = part.lowerBound - 1
            for index in from..<max(from, to) {
                let point = points[index]
                let k: Int
                // Points mostly sit on consecutive steps: try the step after the previous one
                // before dividing (a 64-bit division per point).
                if previous + 1 < part.upperBound, point.timestamp == start &+ Int64(previous + 1) &* interval {
                    k = previous + 1
                } else {
                    guard point.timestamp >= start else { return false }
                    // Unsigned, so that no span overflows.
                    let span = UInt64(bitPattern: point.timestamp) &- UInt64(bitPattern: start)
                    let (quotient, remainder) = span.quotientAndRemainder(dividingBy: unsignedInterval)
                    guard remainder == 0, quotient < UInt64(part.upperBound), Int(quotient) > previous else { return false }
                    k = Int(quotient)
                }
                previous = k
                let cell = base + k
                if filled[cell] {
                    sums[cell] += point.value
                } else {
                    filled[cell] = true
                    sums[cell] = point.value
                    groupsAt[k] += 1
                }
                inputsAt[k] += 1
            }
        }
        return true
    }

    /// The index of the first point at or after `time`, for points in time order.
    private static func firstIndex(_ points: [Sample], atOrAfter time: Int64) -> Int {
        var low = 0
        var high = points.count
        while low < high {
            let middle = low + (high - low) / 2
            if points[middle].timestamp < time { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
