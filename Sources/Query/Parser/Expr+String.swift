import TSDB

/// Printing an expression back to PromQL, byte for byte as Prometheus 2.42's `String()`:
/// `sum by(job) (x)`, `a * on(b) group_left() c`, `x[5m] @ 10.000 offset 1m`, strings in
/// double quotes with Go escapes, numbers in shortest fixed notation.
extension Expr: CustomStringConvertible {
    public var description: String {
        switch self {
        case .number(let n): n.description
        case .string(let s): s.description
        case .vectorSelector(let v): v.description
        case .matrixSelector(let m): m.description
        case .subquery(let s): s.description
        case .call(let c): c.description
        case .aggregate(let a): a.description
        case .binary(let b): b.description
        case .unary(let u): u.description
        case .paren(let p): p.description
        }
    }
}

extension NumberLiteral: CustomStringConvertible {
    public var description: String { GoFormat.shortestFixed(value) }
}

extension StringLiteral: CustomStringConvertible {
    public var description: String { GoFormat.quote(value) }
}

extension AtModifier: CustomStringConvertible {
    /// ` @ 1.500`, ` @ start()` or ` @ end()`, with the leading space.
    public var description: String {
        switch self {
        case .timestamp(let milliseconds): " @ " + GoFormat.fixed(Double(milliseconds) / 1000, decimals: 3)
        case .start: " @ start()"
        case .end: " @ end()"
        }
    }
}

extension PromQL.Duration {
    /// ` offset 5m`, ` offset -5m`, or nothing for zero.
    var offsetSuffix: String {
        if milliseconds > 0 { return " offset \(self)" }
        if milliseconds < 0 { return " offset -\(-self)" }
        return ""
    }
}

extension VectorSelector: CustomStringConvertible {
    public var description: String { bareDescription + (at?.description ?? "") + offset.offsetSuffix }

    /// Name and matchers only. The matcher for the name is left out; the others are sorted.
    var bareDescription: String {
        var parts: [String] = []
        for matcher in matchers {
            if matcher.name == Labels.metricName && matcher.kind == .equal && matcher.value == name { continue }
            parts.append(matcher.name + matcher.kind.rawValue + GoFormat.quote(matcher.value))
        }
        if parts.isEmpty { return name }
        // Go sorts strings bytewise.
        parts.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return name + "{" + parts.joined(separator: ",") + "}"
    }
}

extension MatrixSelector: CustomStringConvertible {
    public var description: String {
        selector.bareDescription + "[\(range)]" + (selector.at?.description ?? "") + selector.offset.offsetSuffix
    }
}

extension SubqueryExpr: CustomStringConvertible {
    public var description: String {
        let stepText = step == .zero ? "" : step.description
        return "\(expr)[\(range):\(stepText)]" + (at?.description ?? "") + offset.offsetSuffix
    }
}

extension FunctionCall: CustomStringConvertible {
    public var description: String {
        function.name + "(" + args.map(\.description).joined(separator: ", ") + ")"
    }
}

extension AggregateExpr: CustomStringConvertible {
    public var description: String {
        var out = op.rawValue
        if without {
            out += " without(\(grouping.joined(separator: ", "))) "
        } else if !grouping.isEmpty {
            out += " by(\(grouping.joined(separator: ", "))) "
        }
        out += "("
        if let parameter { out += "\(parameter), " }
        return out + "\(expr))"
    }
}

extension BinaryExpr: CustomStringConvertible {
    public var description: String {
        var modifiers = returnBool ? " bool" : ""
        if let matching, !matching.matchingLabels.isEmpty || matching.on {
            modifiers += (matching.on ? " on(" : " ignoring(") + matching.matchingLabels.joined(separator: ", ") + ")"
            switch matching.cardinality {
            case .manyToOne: modifiers += " group_left(" + matching.include.joined(separator: ", ") + ")"
            case .oneToMany: modifiers += " group_right(" + matching.include.joined(separator: ", ") + ")"
            case .oneToOne, .manyToMany: break
            }
        }
        return "\(lhs) \(op.rawValue)\(modifiers) \(rhs)"
    }
}

extension UnaryExpr: CustomStringConvertible {
    public var description: String { op.rawValue + expr.description }
}

extension ParenExpr: CustomStringConvertible {
    public var description: String { "(\(expr))" }
}
