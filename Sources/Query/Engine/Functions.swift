import TSDB

/// The values at one step that a function sees besides its vector: its scalar arguments by
/// position, and the step's time.
struct CallScalars {
    /// The evaluation time (ms), Prometheus's `enh.Ts`.
    var time: Int64 = 0
    /// How many arguments the call has.
    var count: Int = 0
    private var first: Double = .nan
    private var second: Double = .nan
    private var third: Double = .nan

    init(time: Int64, count: Int) {
        self.time = time
        self.count = count
    }

    subscript(position: Int) -> Double {
        get {
            switch position {
            case 0: first
            case 1: second
            default: third
            }
        }
        set {
            switch position {
            case 0: first = newValue
            case 1: second = newValue
            default: third = newValue
            }
        }
    }
}

/// What a function over a range vector sees for one series at one step.
struct RangeCall {
    /// The series' samples in `[rangeStart, rangeEnd]`, oldest first; never empty.
    var samples: ArraySlice<Sample>
    var rangeStart: Int64
    var rangeEnd: Int64
    /// The selector's range (ms), `5m` in `x[5m]`.
    var range: Int64
    var scalars: CallScalars
    /// How many of `samples` are below the sample before them (counter resets).
    var counterResets: Int
}

/// A function of one series' samples in a window; nil leaves the series out at that step.
typealias RangeFunction = @Sendable (RangeCall) throws(QueryError) -> Double?
/// A function of one element's value; nil drops the element.
typealias ElementFunction = @Sendable (Double, CallScalars) -> Double?

/// How the evaluator runs a function; the cases name the shapes PromQL's functions come in.
enum FunctionImplementation: Sendable {
    /// Over a range vector, per series and step. The result drops `__name__` unless
    /// `keepsMetricName` (only `last_over_time`, which acts like `offset`).
    case overRange(RangeFunction, keepsMetricName: Bool)
    /// `rate`, `increase` and `delta`: over a range vector like ``overRange(_:keepsMetricName:)``,
    /// but from the window's first and last samples and its counter resets, which the
    /// window keeps as it slides, without looking at the samples between.
    case extrapolatedRate(isCounter: Bool, isRate: Bool)
    /// `absent_over_time`: 1 at the steps where no series has samples.
    case absentOverTime
    /// On each element's value, dropping `__name__`.
    case elementwise(ElementFunction)
    /// A calendar field of the element's value (seconds), or of the evaluation time
    /// without an argument.
    case date(CalendarField)
    /// `timestamp`: the time of the samples a selector reads, else the evaluation time.
    case timestamp
    /// `absent`: one element when the vector is empty.
    case absent
    /// `scalar`: the only element's value, else NaN.
    case scalar
    /// `vector`: the scalar as an element without labels.
    case vector
    /// A scalar computed from the evaluation time alone (`time`, `pi`).
    case clock(@Sendable (Int64) -> Double)
    /// `sort` / `sort_desc`.
    case sort(descending: Bool)
    case labelReplace
    case labelJoin
    case histogramQuantile
    /// `histogram_count`, `histogram_sum`, `histogram_fraction`: they read native
    /// histograms only, which this store does not hold, so float series yield nothing.
    case nativeHistogramOnly
}

/// Every function of PromQL 2.42 by name, beside ``FunctionSignatures`` which the parser
/// checks calls against.
enum Functions {
    static let table: [String: FunctionImplementation] = {
        var table: [String: FunctionImplementation] = [
            "absent": .absent,
            "scalar": .scalar,
            "vector": .vector,
            "sort": .sort(descending: false),
            "sort_desc": .sort(descending: true),
            "histogram_quantile": .histogramQuantile,
            "histogram_count": .nativeHistogramOnly,
            "histogram_sum": .nativeHistogramOnly,
            "histogram_fraction": .nativeHistogramOnly,
        ]
        for part in [rateFunctions, overTimeFunctions, mathFunctions, labelFunctions, timeFunctions] {
            table.merge(part) { first, _ in first }
        }
        return table
    }()

    /// Functions whose result depends on the evaluation time even when their arguments do
    /// not (Prometheus's `AtModifierUnsafeFunctions`): never evaluated once for all steps.
    static let readsEvaluationTime: Set<String> = [
        "days_in_month", "day_of_month", "day_of_week", "day_of_year",
        "hour", "minute", "month", "year", "predict_linear", "time", "timestamp",
    ]
}

// MARK: - Operators for functions of instant vectors

/// Applies an ``ElementFunction`` to every element of argument 0; later arguments are
/// scalars.
struct ElementwiseOperator: StepOperator {
    let function: ElementFunction
    let argumentCount: Int
    private var ids: [Int] = []

    init(_ function: @escaping ElementFunction, argumentCount: Int) {
        self.function = function
        self.argumentCount = argumentCount
    }

    mutating func prepare(_ inputs: [Matrix], _ output: inout OutputTable) throws(QueryError) {
        ids = inputs[0].map { output.id(for: $0.labels.droppingMetricName()) }
    }

    mutating func step(_ t: Int64, _ args: [[StepElement]], _ output: inout OutputTable) throws(QueryError) {
        var scalars = CallScalars(time: t, count: argumentCount)
        for position in args.indices.dropFirst() { scalars[position] = args[position].first?.value ?? .nan }
        for element in args[0] {
            if let value = function(element.value, scalars) { output.emit(ids[element.series], value) }
        }
    }
}

/// `absent(v)`: 1 with the labels the selector pins by equality, when `v` is empty.
struct AbsentOperator: StepOperator {
    let labels: Labels
    private var id = 0

    init(labels: Labels) { self.labels = labels }

    mutating func prepare(_ inputs: [Matrix], _ output: inout OutputTable) throws(QueryError) {
        id = output.id(for: labels)
    }

    mutating func step(_ t: Int64, _ args: [[StepElement]], _ output: inout OutputTable) throws(QueryError) {
        if args[0].isEmpty { output.emit(id, 1) }
    }

    /// Labels of `absent(x{a="b"})`: the equality matchers other than the name; a label
    /// matched more than once is left out (Prometheus's `createLabelsForAbsentFunction`).
    static func labels(for expr: Expr) -> Labels {
        let matchers: [LabelMatcher]
        switch expr.unwrappingParens {
        case .vectorSelector(let selector): matchers = selector.matchers
        case .matrixSelector(let matrix): matchers = matrix.selector.matchers
        default: return .empty
        }
        var values: [String: String] = [:]
        var seen: Set<String> = []
        for matcher in matchers where matcher.name != Labels.metricName {
            if matcher.kind == .equal, !seen.contains(matcher.name) {
                values[matcher.name] = matcher.value
                seen.insert(matcher.name)
            } else {
                values[matcher.name] = nil
            }
        }
        return Labels(values.filter { !$0.value.isEmpty })
    }
}

/// A result without labels computed from the step: `scalar`, `vector`, `time`, `pi`, and
/// the date functions without argument.
struct UnlabelledOperator: StepOperator {
    let compute: (Int64, [[StepElement]]) -> Double
    private var id = 0

    init(_ compute: @escaping (Int64, [[StepElement]]) -> Double) { self.compute = compute }

    mutating func prepare(_ inputs: [Matrix], _ output: inout OutputTable) throws(QueryError) {
        id = output.id(for: .empty)
    }

    mutating func step(_ t: Int64, _ args: [[StepElement]], _ output: inout OutputTable) throws(QueryError) {
        output.emit(id, compute(t, args))
    }
}

/// `sort` and `sort_desc`: elements ordered by value, NaN last, labels kept.
struct SortOperator: StepOperator {
    let descending: Bool
    private var ids: [Int] = []

    init(descending: Bool) { self.descending = descending }

    mutating func prepare(_ inputs: [Matrix], _ output: inout OutputTable) throws(QueryError) {
        ids = inputs[0].map { output.id(for: $0.labels) }
    }

    mutating func step(_ t: Int64, _ args: [[StepElement]], _ output: inout OutputTable) throws(QueryError) {
        var elements = args[0]
        // Prometheus reverses a NaN-first heap order: NaN ends up last either way.
        if descending {
            GoSort.sort(&elements) { a, b in b.value.isNaN || b.value < a.value }
        } else {
            GoSort.sort(&elements) { a, b in b.value.isNaN || b.value > a.value }
        }
        for element in elements { output.emit(ids[element.series], element.value) }
    }
}

/// Nothing, every step: functions of native histograms over float series.
struct EmptyOperator: StepOperator {
    mutating func prepare(_ inputs: [Matrix], _ output: inout OutputTable) throws(QueryError) {}
    mutating func step(_ t: Int64, _ args: [[StepElement]], _ output: inout OutputTable) throws(QueryError) {}
}

/// Orders as Go's `sort.Sort` does where it is observable: up to 12 elements Go runs an
/// insertion sort, whose handling of ties and NaN this reproduces exactly. Longer inputs
/// are sorted stably (Go's pdqsort may order ties differently).
enum GoSort {
    static func sort<T>(_ elements: inout [T], by less: (T, T) -> Bool) {
        if elements.count <= 12 {
            guard elements.count > 1 else { return }
            for i in 1..<elements.count {
                var j = i
                while j > 0, less(elements[j], elements[j - 1]) {
                    elements.swapAt(j, j - 1)
                    j -= 1
                }
            }
            return
        }
        // A strict weak order for the stable sort: NaN (which `less` puts last) after all
        // numbers, ties in input order.
        let indexed = elements.enumerated().map { ($0.offset, $0.element) }
        elements = indexed.sorted { a, b in
            if less(a.1, b.1) && !less(b.1, a.1) { return true }
            if less(b.1, a.1) && !less(a.1, b.1) { return false }
            return a.0 < b.0
        }.map(\.1)
    }
}
