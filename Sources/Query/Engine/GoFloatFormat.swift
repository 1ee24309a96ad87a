/// Go's `%v` for a float64 in error messages: the shortest digits that round-trip, in
/// exponent notation when the decimal exponent is below -4 or at least 6 (`1e+20`,
/// `1.5e-07`), `NaN` and `±Inf` spelled as Go spells them.
enum GoFloatFormat {
    static func value(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        if value == 0 { return value.sign == .minus ? "-0" : "0" }
        let (digits, point) = shortestDigits(value.magnitude)
        let exponent = point - 1
        guard exponent < -4 || exponent >= 6 else { return GoFormat.shortestFixed(value) }
        let sign = value.sign == .minus ? "-" : ""
        var mantissa = String(digits.first!)
        if digits.count > 1 { mantissa += "." + digits.dropFirst() }
        let magnitude = exponent.magnitude
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (magnitude < 10 ? "0" : "") + String(magnitude)
    }

    /// The significant digits of a positive number and where the decimal point goes:
    /// 123.4 is ("1234", 3), 0.05 is ("5", -1).
    private static func shortestDigits(_ value: Double) -> (String, Int) {
        var text = value.description
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...])!
            text = String(text[..<e])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        var digits = Array(parts[0] + (parts.count > 1 ? parts[1] : ""))
        var point = parts[0].count + exponent
        while digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        return (String(digits), point)
    }
}
