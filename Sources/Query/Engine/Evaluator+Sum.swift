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
        let interval = UInt64(stepInterval)
        var onGrid = true
        sums.withUnsafeMutableBufferPointer { sums in
            filled.withUnsafeMutableBufferPointer { filled in
                inputsAt.withUnsafeMutableBufferPointer { inputsAt in
                    groupsAt.withUnsafeMutableBufferPointer { groupsAt in
                        series: for (s, series) in input.enumerated() {
                            let group = groupOf[s]
                            let base = group * stepCount
                            var previous = -1
                            for point in series.points {
                                let k: Int
                                // Points mostly sit on consecutive steps: try the step after the
                                // previous one before dividing (a 64-bit division per point).
                                if previous + 1 < stepCount, point.timestamp == start &+ Int64(previous + 1) &* stepInterval {
                                    k = previous + 1
                                } else {
                                    guard point.timestamp >= start else { onGrid = false; break series }
                                    // Unsigned, so that no span overflows.
                                    let span = UInt64(bitPattern: point.timestamp) &- UInt64(bitPattern: start)
                                    let (quotient, remainder) = span.quotientAndRemainder(dividingBy: interval)
                                    guard remainder == 0, quotient < UInt64(stepCount), Int(quotient) > previous else {
                                        onGrid = false
                                        break series
                                    }
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
                            if let first = series.points.first {
                                let k = Int((UInt64(bitPattern: first.timestamp) &- UInt64(bitPattern: start)) / interval)
                                if k < firstStep[group] {
                                    firstStep[group] = k
                                    firstSeries[group] = s
                                }
                            }
                        }
                    }
                }
            }
        }
        guard onGrid else { return nil }

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
