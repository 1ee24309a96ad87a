/// The type of value an expression evaluates to.
///
/// Raw values are Prometheus's internal names (`"matrix"`, as in the HTTP API's `resultType`);
/// ``documentedName`` is how the documentation and most error messages say it.
public enum ValueType: String, Sendable, Hashable {
    case none
    case scalar
    case vector
    case matrix
    case string

    /// `instant vector` and `range vector` for the vector types, the raw name otherwise.
    public var documentedName: String {
        switch self {
        case .vector: "instant vector"
        case .matrix: "range vector"
        default: rawValue
        }
    }
}
