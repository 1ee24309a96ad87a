/// An alert's value as Prometheus's API prints it: `strconv.FormatFloat(v, 'e', -1, 64)`,
/// e.g. `1e+00`, `1.2345e+02`.
public enum AlertValue {
    public static func format(_ value: Double) -> String {
        GoFloat.format(value, UInt8(ascii: "e"), precision: -1)
    }
}
