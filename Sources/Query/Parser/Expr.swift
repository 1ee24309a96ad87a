public import TSDB

/// A parsed and type-checked PromQL expression.
///
/// The cases mirror Prometheus's AST node types; a `switch` over them is checked by the
/// compiler, so a new node kind cannot be forgotten by the evaluator. `description` prints
/// the expression back as Prometheus's `String()` does.
///
/// ```swift
/// let expr = try PromQL.parse("sum by (job) (rate(http_requests_total[5m]))")
/// expr.type          // .vector
/// expr.description   // "sum by(job) (rate(http_requests_total[5m]))"
/// ```
public indirect enum Expr: Sendable {
    case number(NumberLiteral)
    case string(StringLiteral)
    case vectorSelector(VectorSelector)
    case matrixSelector(MatrixSelector)
    case subquery(SubqueryExpr)
    case call(FunctionCall)
    case aggregate(AggregateExpr)
    case binary(BinaryExpr)
    case unary(UnaryExpr)
    case paren(ParenExpr)

    /// The type of value the expression produces (Prometheus's `Expr.Type()`).
    public var type: ValueType {
        switch self {
        case .number: .scalar
        case .string: .string
        case .vectorSelector, .aggregate: .vector
        case .matrixSelector, .subquery: .matrix
        case .call(let call): call.function.returnType
        case .binary(let binary):
            binary.lhs.type == .scalar && binary.rhs.type == .scalar ? .scalar : .vector
        case .unary(let unary): unary.expr.type
        case .paren(let paren): paren.expr.type
        }
    }

    /// Byte offsets of the expression in the query, as Prometheus's `PositionRange()`.
    public var position: Range<Int> {
        switch self {
        case .number(let n): n.position
        case .string(let s): s.position
        case .vectorSelector(let v): v.position
        case .matrixSelector(let m): m.position
        case .subquery(let s): s.position
        case .call(let c): c.position
        case .aggregate(let a): a.position
        case .binary(let b): b.position
        case .unary(let u): u.position
        case .paren(let p): p.position
        }
    }

    /// Direct sub-expressions, in evaluation order (an aggregation's parameter first).
    public var children: [Expr] {
        switch self {
        case .number, .string, .vectorSelector: []
        case .matrixSelector(let m): [.vectorSelector(m.selector)]
        case .subquery(let s): [s.expr]
        case .call(let c): c.args
        case .aggregate(let a): (a.parameter.map { [$0] } ?? []) + [a.expr]
        case .binary(let b): [b.lhs, b.rhs]
        case .unary(let u): [u.expr]
        case .paren(let p): [p.expr]
        }
    }
}

/// A number such as `1`, `-2.5e3`, `0x1f` or `Inf`.
public struct NumberLiteral: Sendable {
    public var value: Double
    public var position: Range<Int>
}

/// A string in `"…"`, `'…'` or `` `…` ``, unquoted.
public struct StringLiteral: Sendable {
    public var value: String
    public var position: Range<Int>
}

/// The time an `@` modifier pins a selector or subquery to.
public enum AtModifier: Sendable, Hashable {
    /// Milliseconds since the epoch.
    case timestamp(Int64)
    /// `@ start()`: the start of the query range; resolved by ``Expr/resolvingAtModifiers(start:end:)``.
    case start
    /// `@ end()`: the end of the query range.
    case end
}

/// `name{label="value", …}`, with optional `offset` and `@`.
public struct VectorSelector: Sendable {
    /// The metric name written before the braces, or "" (a `__name__` matcher inside the
    /// braces does not set it).
    public var name: String
    /// Every matcher, the one for `name` last.
    public var matchers: [LabelMatcher]
    public var offset: PromQL.Duration
    public var at: AtModifier?
    public var position: Range<Int>
}

/// `selector[range]`. The selector holds the `offset` and `@` written after the brackets.
public struct MatrixSelector: Sendable {
    public var selector: VectorSelector
    public var range: PromQL.Duration
    public var position: Range<Int>
}

/// `expr[range:step]`; a zero `step` means the evaluation step (`[1h:]`).
public struct SubqueryExpr: Sendable {
    public var expr: Expr
    public var range: PromQL.Duration
    public var step: PromQL.Duration
    public var offset: PromQL.Duration
    public var at: AtModifier?
    public var position: Range<Int>
}

/// `name(args…)`, checked against ``FunctionSignatures``.
public struct FunctionCall: Sendable {
    public var function: FunctionSignature
    public var args: [Expr]
    public var position: Range<Int>
}

/// `op by|without (labels) ([parameter,] expr)`.
public struct AggregateExpr: Sendable {
    public var op: AggregateOp
    public var expr: Expr
    /// The first argument of `topk`, `bottomk`, `quantile` and `count_values`.
    public var parameter: Expr?
    public var grouping: [String]
    /// `without (…)` rather than `by (…)`.
    public var without: Bool
    public var position: Range<Int>
}

/// How the series of two instant vectors are paired in a binary operation.
public struct VectorMatching: Sendable, Hashable {
    public enum Cardinality: Sendable, Hashable {
        case oneToOne
        /// `group_left`
        case manyToOne
        /// `group_right`
        case oneToMany
        /// Set operators.
        case manyToMany
    }

    public var cardinality: Cardinality
    /// The labels of `on (…)` or `ignoring (…)`.
    public var matchingLabels: [String]
    /// `on` rather than `ignoring`.
    public var on: Bool
    /// The labels of `group_left (…)` / `group_right (…)`.
    public var include: [String]
}

/// `lhs op [bool] [on|ignoring (…) [group_left|group_right (…)]] rhs`.
public struct BinaryExpr: Sendable {
    public var op: BinaryOp
    public var lhs: Expr
    public var rhs: Expr
    /// Nil unless both sides are instant vectors.
    public var matching: VectorMatching?
    /// The `bool` modifier of a comparison.
    public var returnBool: Bool

    public var position: Range<Int> { lhs.position.lowerBound..<rhs.position.upperBound }
}

/// `-expr` or `+expr`. A sign before a number literal is folded into the literal instead.
public struct UnaryExpr: Sendable {
    public var op: UnaryOp
    public var expr: Expr
    public var position: Range<Int>
}

/// `(expr)`.
public struct ParenExpr: Sendable {
    public var expr: Expr
    public var position: Range<Int>
}
