/// Numbers as Prometheus prints them in API responses: `strconv.FormatFloat(v, 'f', -1, 64)`,
/// i.e. the shortest decimal that round-trips, never in exponent form; `NaN`, `+Inf`, `-Inf`.
public enum PromQLNumber {
    public static func format(_ value: Double) -> String {
        GoFormat.shortestFixed(value)
    }

    /// ``format(_:)`` appended to `bytes` as UTF-8, with no string in between.
    public static func append(_ value: Double, to bytes: inout [UInt8]) {
        GoFormat.appendShortestFixed(value, to: &bytes)
    }
}
