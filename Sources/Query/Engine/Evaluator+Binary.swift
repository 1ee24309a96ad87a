import TSDB

extension Evaluator {
    mutating func evalBinary(_ binary: BinaryExpr) throws(QueryError) -> Matrix {
        switch (binary.lhs.type, binary.rhs.type) {
        case (.scalar, .scalar):
            var op = ScalarBinaryOperator(op: binary.op)
            return try rangeEval(&op, [binary.lhs, binary.rhs])
        case (.vector, .vector):
            guard let matching = binary.matching else { throw .internal("vector operation without matching") }
            if binary.op.isSetOperator {
                var op = SetOperator(op: binary.op, matching: matching)
                return try rangeEval(&op, [binary.lhs, binary.rhs])
            }
            var op = VectorBinaryOperator(op: binary.op, matching: matching, returnBool: binary.returnBool)
            return try rangeEval(&op, [binary.lhs, binary.rhs])
        case (.vector, .scalar):
            var op = VectorScalarOperator(op: binary.op, scalarOnLeft: false, returnBool: binary.returnBool)
            return try rangeEval(&op, [binary.lhs, binary.rhs])
        case (.scalar, .vector):
            var op = VectorScalarOperator(op: binary.op, scalarOnLeft: true, returnBool: binary.returnBool)
            return try rangeEval(&op, [binary.lhs, binary.rhs])
        default:
            throw .internal("binary operation on \(binary.lhs.type.rawValue) and \(binary.rhs.type.rawValue)")
        }
    }
}

extension BinaryOp {
    /// Arithmetic drops the metric name; comparisons and `atan2` keep it (Prometheus
    /// 2.42's `shouldDropMetricName`).
    var dropsMetricName: Bool {
        switch self {
        case .add, .sub, .mul, .div, .pow, .mod: true
        default: false
        }
    }

    /// The result of the operator on two values, and for comparisons whether it holds (a
    /// comparison's value is its left operand).
    @inline(__always)
    func apply(_ lhs: Double, _ rhs: Double) -> (value: Double, keep: Bool) {
        switch self {
        case .add: (lhs + rhs, true)
        case .sub: (lhs - rhs, true)
        case .mul: (lhs * rhs, true)
        case .div: (lhs / rhs, true)
        case .pow: (GoMath.pow(lhs, rhs), true)
        case .mod: (GoMath.mod(lhs, rhs), true)
        case .atan2: (GoMath.atan2(lhs, rhs), true)
        case .equal: (lhs, lhs == rhs)
        case .notEqual: (lhs, lhs != rhs)
        case .greater: (lhs, lhs > rhs)
        case .less: (lhs, lhs < rhs)
        case .greaterOrEqual: (lhs, lhs >= rhs)
        case .lessOrEqual: (lhs, lhs <= rhs)
        case .and, .or, .unless: (.nan, false)
        }
    }
}

/// Two scalars; comparisons (which need `bool`) give 1 or 0.
struct ScalarBinaryOperator: StepOperator {
    let op: BinaryOp
    private var id = 0

    init(op: BinaryOp) { self.op = op }

    mutating func prepare(_ inputs: [Matrix], _ output: inout OutputTable) throws(QueryError) {
        id = output.id(for: .empty)
    }

    mutating func step(_ t: Int64, _ args: [[StepElement]], _ output: inout OutputTable) throws(QueryError) {
        let (value, keep) = op.apply(args[0][0].value, args[1][0].value)
        output.emit(id, op.isComparison ? (keep ? 1 : 0) : value)
    }
}

/// A vector and a scalar: each element against the scalar. A filtering comparison keeps
/// the element's own value even when the scalar is on the left.
struct VectorScalarOperator: StepOperator {
    let op: BinaryOp
    let scalarOnLeft: Bool
    let returnBool: Bool
    private var ids: [Int] = []

    init(op: BinaryOp, scalarOnLeft: Bool, returnBool: Bool) {
        self.op = op
        self.scalarOnLeft = scalarOnLeft
        self.returnBool = returnBool
    }

    mutating func prepare(_ inputs: [Matrix], _ output: inout OutputTable) throws(QueryError) {
        let drop = op.dropsMetricName || returnBool
        ids = inputs[scalarOnLeft ? 1 : 0].map { output.id(for: drop ? $0.labels.droppingMetricName() : $0.labels) }
    }

    mutating func step(_ t: Int64, _ args: [[StepElement]], _ output: inout OutputTable) throws(QueryError) {
        let scalar = args[scalarOnLeft ? 0 : 1][0].value
        for element in args[scalarOnLeft ? 1 : 0] {
            var (value, keep) = scalarOnLeft ? op.apply(scalar, element.value) : op.apply(element.value, scalar)
            if op.isComparison && scalarOnLeft { value = element.value }
            if returnBool {
                value = keep ? 1 : 0
                keep = true
            }
            if keep { output.emit(ids[element.series], value) }
        }
    }
}

/// How the two sides of a vector operation are keyed for matching: by the `on` labels, or
/// by all but the `ignoring` labels and the metric name.
struct MatchSignatures {
    private var ids: [Labels: Int] = [:]
    let on: Bool
    let names: Set<String>

    init(_ matching: VectorMatching) {
        on = matching.on
        names = on ? Set(matching.matchingLabels) : Set(matching.matchingLabels + [Labels.metricName])
    }

    var count: Int { ids.count }

    func signature(of labels: Labels) -> Labels { on ? labels.keeping(names) : labels.removing(names) }

    mutating func id(of labels: Labels) -> Int {
        let signature = signature(of: labels)
        if let id = ids[signature] { return id }
        let id = ids.count
        ids[signature] = id
        return id
    }
}

/// `and`, `or` and `unless`, matched on signatures; elements keep their labels.
struct SetOperator: StepOperator {
    let op: BinaryOp
    private var signatures: MatchSignatures
    private var leftSignature: [Int] = []
    private var rightSignature: [Int] = []
    private var leftIDs: [Int] = []
    private var rightIDs: [Int] = []
    /// Per signature: the last step it was seen on the side being looked up.
    private var seen: [Int] = []
    private var step = 0

    init(op: BinaryOp, matching: VectorMatching) {
        self.op = op
        self.signatures = MatchSignatures(matching)
    }

    mutating func prepare(_ inputs: [Matrix], _ output: inout OutputTable) throws(QueryError) {
        leftSignature = inputs[0].map { signatures.id(of: $0.labels) }
        rightSignature = inputs[1].map { signatures.id(of: $0.labels) }
        leftIDs = inputs[0].map { output.id(for: $0.labels) }
        if op == .or { rightIDs = inputs[1].map { output.id(for: $0.labels) } }
        seen = Array(repeating: -1, count: signatures.count)
    }

    mutating func step(_ t: Int64, _ args: [[StepElement]], _ output: inout OutputTable) throws(QueryError) {
        step += 1
        let (lhs, rhs) = (args[0], args[1])
        switch op {
        case .and:
            guard !lhs.isEmpty, !rhs.isEmpty else { return }
            for element in rhs { seen[rightSignature[element.series]] = step }
            for element in lhs where seen[leftSignature[element.series]] == step {
                output.emit(leftIDs[element.series], element.value)
            }
        case .or:
            for element in lhs {
                seen[leftSignature[element.series]] = step
                output.emit(leftIDs[element.series], element.value)
            }
            for element in rhs where seen[rightSignature[element.series]] != step {
                output.emit(rightIDs[element.series], element.value)
            }
        default:  // unless
            if !rhs.isEmpty {
                for element in rhs { seen[rightSignature[element.series]] = step }
            }
            for element in lhs where rhs.isEmpty || seen[leftSignature[element.series]] != step {
                output.emit(leftIDs[element.series], element.value)
            }
        }
    }
}

/// Arithmetic and comparisons between two vectors: one-to-one, or many-to-one /
/// one-to-many with `group_left` / `group_right`, as Prometheus's `VectorBinop`.
struct VectorBinaryOperator: StepOperator {
    let op: BinaryOp
    let matching: VectorMatching
    let returnBool: Bool
    private var signatures: MatchSignatures
    private var signatureOf: [[Int]] = [[], []]
    private var labelsOf: [[Labels]] = [[], []]
    /// Output series per (many side, one side) pair of input series; the last pair of each
    /// many-side series is kept at hand, as matches rarely change between steps.
    private var resultIDs: [Pair: Int] = [:]
    private var lastOne: [Int] = []
    private var lastResult: [Int] = []
    /// Per signature: the step it was last seen on the one side, and where.
    private var oneSeenAt: [Int] = []
    private var oneIndex: [Int] = []
    /// Per signature: the step it last matched (one-to-one).
    private var matchedAt: [Int] = []
    /// Per output series (many-to-one): the step it was last produced, and from which
    /// signature; a second production in a step consults `matchedPairs`.
    private var producedAt: [Int] = []
    private var producedBy: [Int] = []
    /// (signature, output) pairs of outputs produced more than once in this step.
    private var matchedPairs: Set<Pair> = []
    private var step = 0

    struct Pair: Hashable {
        var a: Int
        var b: Int
    }

    init(op: BinaryOp, matching: VectorMatching, returnBool: Bool) {
        self.op = op
        self.matching = matching
        self.returnBool = returnBool
        self.signatures = MatchSignatures(matching)
    }

    mutating func prepare(_ inputs: [Matrix], _ output: inout OutputTable) throws(QueryError) {
        for side in 0..<2 {
            labelsOf[side] = inputs[side].map(\.labels)
            signatureOf[side] = inputs[side].map { signatures.id(of: $0.labels) }
        }
        oneSeenAt = Array(repeating: -1, count: signatures.count)
        oneIndex = Array(repeating: 0, count: signatures.count)
        matchedAt = Array(repeating: -1, count: signatures.count)
        let manySide = matching.cardinality == .oneToMany ? 1 : 0
        lastOne = Array(repeating: -1, count: inputs[manySide].count)
        lastResult = Array(repeating: -1, count: inputs[manySide].count)
    }

    mutating func step(_ t: Int64, _ args: [[StepElement]], _ output: inout OutputTable) throws(QueryError) {
        step += 1
        guard !args[0].isEmpty, !args[1].isEmpty else { return }
        // The "one" side is the right one, unless group_right swaps them.
        let swapped = matching.cardinality == .oneToMany
        let manySide = swapped ? 1 : 0
        let oneSide = 1 - manySide
        let many = args[manySide]
        let one = args[oneSide]

        for (index, element) in one.enumerated() {
            let signature = signatureOf[oneSide][element.series]
            if oneSeenAt[signature] == step {
                let previous = one[oneIndex[signature]]
                let labels = labelsOf[oneSide][element.series]
                let matched = matching.on
                    ? labels.keeping(Set(matching.matchingLabels))
                    : labels.removing(Set(matching.matchingLabels + [Labels.metricName]))
                throw .execution(
                    "found duplicate series for the match group \(matched.bracedDescription) on the \(swapped ? "left" : "right") "
                        + "hand-side of the operation: [\(labels.bracedDescription), \(labelsOf[oneSide][previous.series].bracedDescription)]"
                        + ";many-to-many matching not allowed: matching labels must be unique on one side")
            }
            oneSeenAt[signature] = step
            oneIndex[signature] = index
        }
        if !matchedPairs.isEmpty { matchedPairs.removeAll(keepingCapacity: true) }

        for element in many {
            let signature = signatureOf[manySide][element.series]
            guard oneSeenAt[signature] == step else { continue }
            let match = one[oneIndex[signature]]
            let (lhs, rhs) = swapped ? (match.value, element.value) : (element.value, match.value)
            var (value, keep) = op.apply(lhs, rhs)
            if returnBool {
                value = keep ? 1 : 0
            } else if !keep {
                continue
            }
            let id = resultID(many: element.series, one: match.series, manySide: manySide, &output)
            if matching.cardinality == .oneToOne {
                if matchedAt[signature] == step {
                    throw .execution("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)")
                }
                matchedAt[signature] = step
            } else if producedAt[id] != step {
                producedAt[id] = step
                producedBy[id] = signature
            } else {
                // The same output twice in a step: fine for the match grouping only if from
                // different signatures (the step's duplicate check then reports it).
                if producedBy[id] == signature || matchedPairs.contains(Pair(a: signature, b: id)) {
                    throw .execution("multiple matches for labels: grouping labels must ensure unique matches")
                }
                matchedPairs.insert(Pair(a: producedBy[id], b: id))
                matchedPairs.insert(Pair(a: signature, b: id))
            }
            output.emit(id, value)
        }
    }

    /// The labels of a result (Prometheus's `resultMetric`): the many side's, without the
    /// metric name for arithmetic or `bool`, narrowed to the matching labels for one-to-one
    /// matching, plus the `group_*` labels copied from the one side.
    private mutating func resultID(many: Int, one: Int, manySide: Int, _ output: inout OutputTable) -> Int {
        if lastOne[many] == one { return lastResult[many] }
        let id = newResultID(many: many, one: one, manySide: manySide, &output)
        lastOne[many] = one
        lastResult[many] = id
        return id
    }

    private mutating func newResultID(many: Int, one: Int, manySide: Int, _ output: inout OutputTable) -> Int {
        let key = Pair(a: many, b: one)
        if let id = resultIDs[key] { return id }
        var labels = labelsOf[manySide][many]
        if op.dropsMetricName { labels = labels.droppingMetricName() }
        if matching.cardinality == .oneToOne {
            labels = matching.on
                ? labels.keeping(Set(matching.matchingLabels))
                : labels.removing(Set(matching.matchingLabels))
        }
        let oneLabels = labelsOf[1 - manySide][one]
        for name in matching.include {
            labels = labels.setting(name, to: oneLabels[name] ?? "")
        }
        if returnBool { labels = labels.droppingMetricName() }
        let id = output.id(for: labels)
        resultIDs[key] = id
        while producedAt.count <= id {
            producedAt.append(-1)
            producedBy.append(-1)
        }
        return id
    }
}
