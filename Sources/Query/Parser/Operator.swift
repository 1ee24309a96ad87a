/// A binary operator, spelled as in PromQL.
public enum BinaryOp: String, Sendable, Hashable, CaseIterable {
    case add = "+"
    case sub = "-"
    case mul = "*"
    case div = "/"
    case mod = "%"
    case pow = "^"
    case atan2
    case equal = "=="
    case notEqual = "!="
    case greater = ">"
    case less = "<"
    case greaterOrEqual = ">="
    case lessOrEqual = "<="
    case and
    case or
    case unless

    /// `==`, `!=`, `>`, `<`, `>=`, `<=`: the operators that filter, or with `bool` return 0/1.
    public var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .greater, .less, .greaterOrEqual, .lessOrEqual: true
        default: false
        }
    }

    /// `and`, `or`, `unless`: many-to-many operators between instant vectors only.
    public var isSetOperator: Bool {
        switch self {
        case .and, .or, .unless: true
        default: false
        }
    }

    /// Binding strength, loosest first: `or` < `and`/`unless` < comparisons < `+ -` <
    /// `* / % atan2` < `^`. Unary minus binds like `*`, so `-2 ^ 2` is `-(2 ^ 2)`.
    var precedence: Int {
        switch self {
        case .or: 1
        case .and, .unless: 2
        case .equal, .notEqual, .greater, .less, .greaterOrEqual, .lessOrEqual: 3
        case .add, .sub: 4
        case .mul, .div, .mod, .atan2: 5
        case .pow: 6
        }
    }

    /// Only `^` groups to the right: `2 ^ 3 ^ 2` is `2 ^ (3 ^ 2)`.
    var isRightAssociative: Bool { self == .pow }

    init?(_ kind: Token.Kind) {
        switch kind {
        case .add: self = .add
        case .sub: self = .sub
        case .mul: self = .mul
        case .div: self = .div
        case .mod: self = .mod
        case .pow: self = .pow
        case .atan2: self = .atan2
        case .eqlc: self = .equal
        case .neq: self = .notEqual
        case .gtr: self = .greater
        case .lss: self = .less
        case .gte: self = .greaterOrEqual
        case .lte: self = .lessOrEqual
        case .land: self = .and
        case .lor: self = .or
        case .lunless: self = .unless
        default: return nil
        }
    }
}

/// An aggregation operator such as `sum` or `topk`.
public enum AggregateOp: String, Sendable, Hashable, CaseIterable {
    case sum, avg, count, min, max, group, stddev, stdvar
    case topk, bottomk
    case countValues = "count_values"
    case quantile

    /// `topk`, `bottomk`, `count_values` and `quantile` take a parameter before the vector.
    public var hasParameter: Bool {
        switch self {
        case .topk, .bottomk, .countValues, .quantile: true
        default: false
        }
    }
}

/// The sign of a unary expression.
public enum UnaryOp: String, Sendable, Hashable {
    case plus = "+"
    case minus = "-"
}
