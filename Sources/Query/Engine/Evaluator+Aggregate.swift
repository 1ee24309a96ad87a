import TSDB

extension Evaluator {
    mutating func evalAggregate(_ aggregate: AggregateExpr) throws(QueryError) -> Matrix {
        if aggregate.op == .countValues {
            guard case .string(let label) = aggregate.parameter?.unwrappingParens else {
                throw .internal("count_values without a label name")
            }
            var op = CountValuesOperator(label: label.value, grouping: aggregate.grouping, without: aggregate.without)
            return try rangeEval(&op, [aggregate.expr])
        }
        var op = AggregationOperator(
            op: aggregate.op, grouping: Set(aggregate.grouping), without: aggregate.without,
            hasParameter: aggregate.parameter != nil)
        if aggregate.op == .sum && aggregate.parameter == nil {
            let original = currentSamples
            let input = try eval(aggregate.expr)
            if let sum = try sumOnGrid(input, grouping: op.grouping, without: op.without, original: original) { return sum }
            return try rangeEval(&op, inputs: [input], original: original)
        }
        return try rangeEval(&op, (aggregate.parameter.map { [$0] } ?? []) + [aggregate.expr])
    }
}

extension Labels {
    /// The labels an aggregation's group keeps: those named by `by`, or all but those
    /// named by `without` and the metric name.
    func grouped(_ grouping: Set<String>, without: Bool) -> Labels {
        without ? removing(grouping.union([Labels.metricName])) : keeping(grouping)
    }
}

/// `sum`, `avg`, `min`, `max`, `count`, `group`, `stddev`, `stdvar`, `topk`, `bottomk` and
/// `quantile`, per step and group, with Prometheus 2.42's arithmetic: plain sums, an
/// incremental mean for `avg`, Welford's method for the deviations, Go's heap for `topk`.
struct AggregationOperator: StepOperator {
    let op: AggregateOp
    let grouping: Set<String>
    let without: Bool
    let hasParameter: Bool

    /// Per input series: its group.
    private var groupOf: [Int] = []
    /// Per group: its output series.
    private var groupIDs: [Int] = []
    /// Per input series: its output series, for `topk` and `bottomk` (created lazily).
    private var seriesIDs: [Int] = []
    private var seriesLabels: [Labels] = []
    /// Per group: its slot in this step's `states`, or -1.
    private var slotOf: [Int] = []
    private var states: [GroupState] = []

    private struct GroupState {
        var group: Int
        var value: Double
        var mean: Double
        var count: Int
        var heap: [StepElement]
    }

    init(op: AggregateOp, grouping: Set<String>, without: Bool, hasParameter: Bool) {
        self.op = op
        self.grouping = grouping
        self.without = without
        self.hasParameter = hasParameter
    }

    mutating func prepare(_ inputs: [Matrix], _ output: inout OutputTable) throws(QueryError) {
        let vector = inputs[hasParameter ? 1 : 0]
        var groups: [Labels: Int] = [:]
        groupOf.reserveCapacity(vector.count)
        for series in vector {
            let labels = series.labels.grouped(grouping, without: without)
            if let group = groups[labels] {
                groupOf.append(group)
            } else {
                let group = groupIDs.count
                groups[labels] = group
                groupOf.append(group)
                groupIDs.append(op == .topk || op == .bottomk ? -1 : output.id(for: labels))
            }
        }
        slotOf = Array(repeating: -1, count: groupIDs.count)
        if op == .topk || op == .bottomk {
            seriesIDs = Array(repeating: -1, count: vector.count)
            seriesLabels = vector.map(\.labels)
        }
    }

    mutating func step(_ t: Int64, _ args: [[StepElement]], _ output: inout OutputTable) throws(QueryError) {
        let vector = args[hasParameter ? 1 : 0]
        let parameter = hasParameter ? args[0].first?.value ?? .nan : 0
        var k = 0
        if op == .topk || op == .bottomk {
            guard parameter <= 9_223_372_036_854_774_784, parameter >= -9_223_372_036_854_775_808 else {
                throw .execution("Scalar value \(GoFloatFormat.value(parameter)) overflows int64")
            }
            let k64 = Int64(parameter)
            if k64 < 1 { return }
            k = Int(clamping: k64)
        }
        defer {
            for state in states { slotOf[state.group] = -1 }
            states.removeAll(keepingCapacity: true)
        }
        for element in vector {
            let group = groupOf[element.series]
            let value = element.value
            let slot = slotOf[group]
            if slot < 0 {
                slotOf[group] = states.count
                var state = GroupState(group: group, value: value, mean: value, count: 1, heap: [])
                switch op {
                case .stddev, .stdvar: state.value = 0
                case .topk, .bottomk, .quantile: state.heap = [element]
                case .group: state.value = 1
                default: break
                }
                states.append(state)
                continue
            }
            switch op {
            case .sum:
                states[slot].value += value
            case .avg:
                states[slot].count += 1
                let mean = states[slot].mean
                if mean.isInfinite {
                    // Inf + x - Inf would be NaN: an infinite mean only changes for an
                    // infinity of the other sign or a NaN.
                    if value.isInfinite && (mean > 0) == (value > 0) { break }
                    if !value.isInfinite && !value.isNaN { break }
                }
                // Both terms divided by the count first, against overflow.
                let count = Double(states[slot].count)
                states[slot].mean += value / count - mean / count
            case .group:
                break
            case .max:
                if states[slot].value < value || states[slot].value.isNaN { states[slot].value = value }
            case .min:
                if states[slot].value > value || states[slot].value.isNaN { states[slot].value = value }
            case .count, .countValues:
                states[slot].count += 1
            case .stddev, .stdvar:
                states[slot].count += 1
                let delta = value - states[slot].mean
                states[slot].mean += delta / Double(states[slot].count)
                states[slot].value += delta * (value - states[slot].mean)
            case .topk:
                GoHeap.offer(element, into: &states[slot].heap, k: k, replaces: { top, new in top.value < new.value || top.value.isNaN },
                             less: Self.topkLess)
            case .bottomk:
                GoHeap.offer(element, into: &states[slot].heap, k: k, replaces: { top, new in top.value > new.value || top.value.isNaN },
                             less: Self.bottomkLess)
            case .quantile:
                states[slot].heap.append(element)
            }
        }
        for state in states {
            switch op {
            case .avg:
                output.emit(groupIDs[state.group], state.mean)
            case .count:
                output.emit(groupIDs[state.group], Double(state.count))
            case .stdvar:
                output.emit(groupIDs[state.group], state.value / Double(state.count))
            case .stddev:
                output.emit(groupIDs[state.group], (state.value / Double(state.count)).squareRoot())
            case .topk, .bottomk:
                var heap = state.heap
                // The heap keeps the element to evict on top; reversing its order lists
                // the kept ones best first, NaN last.
                if heap.count > 1 {
                    if op == .topk {
                        GoSort.sort(&heap) { a, b in Self.topkLess(b, a) }
                    } else {
                        GoSort.sort(&heap) { a, b in Self.bottomkLess(b, a) }
                    }
                }
                for element in heap {
                    let id = seriesID(element.series, &output)
                    output.emit(id, element.value)
                }
            case .quantile:
                output.emit(groupIDs[state.group], Functions.quantile(parameter, state.heap.map(\.value)))
            case .sum, .min, .max, .group, .countValues:
                output.emit(groupIDs[state.group], state.value)
            }
        }
    }

    private mutating func seriesID(_ series: Int, _ output: inout OutputTable) -> Int {
        if seriesIDs[series] < 0 { seriesIDs[series] = output.id(for: seriesLabels[series]) }
        return seriesIDs[series]
    }

    /// `vectorByValueHeap`: a min-heap with NaN smallest.
    static func topkLess(_ a: StepElement, _ b: StepElement) -> Bool { a.value.isNaN || a.value < b.value }
    /// `vectorByReverseValueHeap`: a max-heap with NaN largest.
    static func bottomkLess(_ a: StepElement, _ b: StepElement) -> Bool { a.value.isNaN || a.value > b.value }
}

/// `count_values("label", v)`: how many elements have each value, the value (formatted as
/// Go's `strconv.FormatFloat(v, 'f', -1, 64)`) becoming the label.
struct CountValuesOperator: StepOperator {
    let label: String
    let grouping: Set<String>
    let without: Bool
    private var labels: [Labels] = []
    private var counts: [Labels: Int] = [:]
    private var order: [Labels] = []

    init(label: String, grouping: [String], without: Bool) {
        self.label = label
        self.without = without
        // With `by`, the new label is one of the labels grouped by.
        self.grouping = without ? Set(grouping) : Set(grouping + [label])
    }

    mutating func prepare(_ inputs: [Matrix], _ output: inout OutputTable) throws(QueryError) {
        guard LabelName.isValid(label) else { throw .execution("invalid label name \(GoFormat.quote(label))") }
        labels = inputs[0].map(\.labels)
    }

    mutating func step(_ t: Int64, _ args: [[StepElement]], _ output: inout OutputTable) throws(QueryError) {
        counts.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
        for element in args[0] {
            let metric = labels[element.series].setting(label, to: GoFormat.shortestFixed(element.value))
            let group = metric.grouped(grouping, without: without)
            if let count = counts[group] {
                counts[group] = count + 1
            } else {
                counts[group] = 1
                order.append(group)
            }
        }
        for group in order { output.emit(output.id(for: group), Double(counts[group]!)) }
    }
}

/// Go's `container/heap` as `topk` and `bottomk` use it, so that ties are resolved the
/// same way.
enum GoHeap {
    /// Adds `element` if the heap has room, or in place of the top when `replaces(top,
    /// element)`.
    static func offer<T>(
        _ element: T, into heap: inout [T], k: Int, replaces: (T, T) -> Bool, less: (T, T) -> Bool
    ) {
        guard heap.count < k || replaces(heap[0], element) else { return }
        if heap.count == k {
            if k == 1 {
                heap[0] = element
                return
            }
            pop(&heap, less: less)
        }
        heap.append(element)
        up(&heap, heap.count - 1, less: less)
    }

    static func pop<T>(_ heap: inout [T], less: (T, T) -> Bool) {
        let n = heap.count - 1
        heap.swapAt(0, n)
        down(&heap, 0, n, less: less)
        heap.removeLast()
    }

    static func up<T>(_ heap: inout [T], _ index: Int, less: (T, T) -> Bool) {
        var j = index
        while true {
            let i = (j - 1) / 2
            if i == j || !less(heap[j], heap[i]) { break }
            heap.swapAt(i, j)
            j = i
        }
    }

    static func down<T>(_ heap: inout [T], _ start: Int, _ n: Int, less: (T, T) -> Bool) {
        var i = start
        while true {
            let j1 = 2 * i + 1
            if j1 >= n || j1 < 0 { break }
            var j = j1
            let j2 = j1 + 1
            if j2 < n && less(heap[j2], heap[j1]) { j = j2 }
            if !less(heap[j], heap[i]) { break }
            heap.swapAt(i, j)
            i = j
        }
    }
}
