/// The argument and return types of one PromQL function; the parser checks calls against it.
public struct FunctionSignature: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let argumentTypes: [ValueType]
    /// 0: exactly `argumentTypes.count` arguments. n > 0: the last argument is optional and
    /// may repeat up to n times. -1: the last argument may repeat without limit. Either way
    /// at least `argumentTypes.count - 1` arguments are required.
    public let variadic: Int
    public let returnType: ValueType

    init(_ name: String, _ argumentTypes: [ValueType], variadic: Int = 0, returns returnType: ValueType) {
        self.name = name
        self.argumentTypes = argumentTypes
        self.variadic = variadic
        self.returnType = returnType
    }

    /// `rate(range vector) -> instant vector`, for documentation and debugging.
    public var description: String {
        var arguments = argumentTypes.map(\.documentedName)
        if variadic != 0, let last = arguments.popLast() { arguments.append("[\(last)\(variadic < 0 ? "..." : "")]") }
        return "\(name)(\(arguments.joined(separator: ", "))) -> \(returnType.documentedName)"
    }
}

/// Every function of PromQL as of Prometheus 2.42, by name. Implementations live with the
/// evaluator; this table is what the parser needs.
public enum FunctionSignatures {
    public static func named(_ name: String) -> FunctionSignature? { all[name] }

    public static let all: [String: FunctionSignature] = {
        let v = ValueType.vector, m = ValueType.matrix, s = ValueType.scalar, str = ValueType.string
        let list: [FunctionSignature] = [
            .init("abs", [v], returns: v),
            .init("absent", [v], returns: v),
            .init("absent_over_time", [m], returns: v),
            .init("acos", [v], returns: v),
            .init("acosh", [v], returns: v),
            .init("asin", [v], returns: v),
            .init("asinh", [v], returns: v),
            .init("atan", [v], returns: v),
            .init("atanh", [v], returns: v),
            .init("avg_over_time", [m], returns: v),
            .init("ceil", [v], returns: v),
            .init("changes", [m], returns: v),
            .init("clamp", [v, s, s], returns: v),
            .init("clamp_max", [v, s], returns: v),
            .init("clamp_min", [v, s], returns: v),
            .init("cos", [v], returns: v),
            .init("cosh", [v], returns: v),
            .init("count_over_time", [m], returns: v),
            .init("days_in_month", [v], variadic: 1, returns: v),
            .init("day_of_month", [v], variadic: 1, returns: v),
            .init("day_of_week", [v], variadic: 1, returns: v),
            .init("day_of_year", [v], variadic: 1, returns: v),
            .init("deg", [v], returns: v),
            .init("delta", [m], returns: v),
            .init("deriv", [m], returns: v),
            .init("exp", [v], returns: v),
            .init("floor", [v], returns: v),
            .init("histogram_count", [v], returns: v),
            .init("histogram_sum", [v], returns: v),
            .init("histogram_fraction", [s, s, v], returns: v),
            .init("histogram_quantile", [s, v], returns: v),
            .init("holt_winters", [m, s, s], returns: v),
            .init("hour", [v], variadic: 1, returns: v),
            .init("idelta", [m], returns: v),
            .init("increase", [m], returns: v),
            .init("irate", [m], returns: v),
            .init("label_replace", [v, str, str, str, str], returns: v),
            .init("label_join", [v, str, str, str], variadic: -1, returns: v),
            .init("last_over_time", [m], returns: v),
            .init("ln", [v], returns: v),
            .init("log10", [v], returns: v),
            .init("log2", [v], returns: v),
            .init("max_over_time", [m], returns: v),
            .init("min_over_time", [m], returns: v),
            .init("minute", [v], variadic: 1, returns: v),
            .init("month", [v], variadic: 1, returns: v),
            .init("pi", [], returns: s),
            .init("predict_linear", [m, s], returns: v),
            .init("present_over_time", [m], returns: v),
            .init("quantile_over_time", [s, m], returns: v),
            .init("rad", [v], returns: v),
            .init("rate", [m], returns: v),
            .init("resets", [m], returns: v),
            .init("round", [v, s], variadic: 1, returns: v),
            .init("scalar", [v], returns: s),
            .init("sgn", [v], returns: v),
            .init("sin", [v], returns: v),
            .init("sinh", [v], returns: v),
            .init("sort", [v], returns: v),
            .init("sort_desc", [v], returns: v),
            .init("sqrt", [v], returns: v),
            .init("stddev_over_time", [m], returns: v),
            .init("stdvar_over_time", [m], returns: v),
            .init("sum_over_time", [m], returns: v),
            .init("tan", [v], returns: v),
            .init("tanh", [v], returns: v),
            .init("time", [], returns: s),
            .init("timestamp", [v], returns: v),
            .init("vector", [s], returns: v),
            .init("year", [v], variadic: 1, returns: v),
        ]
        return Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
    }()
}
