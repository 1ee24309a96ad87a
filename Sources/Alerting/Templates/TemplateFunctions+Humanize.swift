/// Prometheus's `humanize`, `humanize1024`, `humanizeDuration`, `humanizePercentage` and
/// `humanizeTimestamp`. Each takes a number or a string holding one.
extension TemplateFunctions {
    static let humanizing: [String: TemplateFunction] = [
        "humanize": .unary(.any) { (value) throws(TemplateFunctionError) in .string(humanize(try float(value))) },
        "humanize1024": .unary(.any) { (value) throws(TemplateFunctionError) in .string(humanize1024(try float(value))) },
        "humanizeDuration": .unary(.any) { (value) throws(TemplateFunctionError) in
            .string(humanizeDuration(try float(value)))
        },
        "humanizePercentage": .unary(.any) { (value) throws(TemplateFunctionError) in
            .string(GoFormat.sprintf("%.4g%%", [.float(try float(value) * 100)]))
        },
        "humanizeTimestamp": .unary(.any) { (value) throws(TemplateFunctionError) in
            .string(try humanizeTimestamp(try float(value)))
        },
    ]

    /// Prometheus's `convertToFloat`: float64, a string `strconv.ParseFloat` accepts, or an integer.
    static func float(_ value: TemplateValue) throws(TemplateFunctionError) -> Double {
        switch value {
        case .float(let f): return f
        case .int(let i): return Double(i)
        case .string(let s):
            do {
                return try GoFloat.parse(s)
            } catch {
                throw TemplateFunctionError(GoFloat.message(for: error, parsing: s))
            }
        default:
            throw TemplateFunctionError("can't convert \(value.typeName) to float")
        }
    }

    private static func g4(_ value: Double, _ suffix: String = "") -> String {
        GoFormat.sprintf("%.4g", [.float(value)]) + suffix
    }

    /// SI prefixes: 1234567 → `1.235M`, 0.00123 → `1.23m`.
    static func humanize(_ value: Double) -> String {
        var v = value
        if v == 0 || v.isNaN || v.isInfinite { return g4(v) }
        if Swift.abs(v) >= 1 {
            var prefix = ""
            for p in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
                if Swift.abs(v) < 1000 { break }
                prefix = p
                v /= 1000
            }
            return g4(v, prefix)
        }
        var prefix = ""
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if Swift.abs(v) >= 1 { break }
            prefix = p
            v *= 1000
        }
        return g4(v, prefix)
    }

    /// Binary prefixes: 1048576 → `1Mi`.
    static func humanize1024(_ value: Double) -> String {
        var v = value
        if Swift.abs(v) <= 1 || v.isNaN || v.isInfinite { return g4(v) }
        var prefix = ""
        for p in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] {
            if Swift.abs(v) < 1024 { break }
            prefix = p
            v /= 1024
        }
        return g4(v, prefix)
    }

    /// Seconds as `1d 2h 3m 4s`, `1m 1s`, `1.5s`, or `123ms` below a second.
    static func humanizeDuration(_ value: Double) -> String {
        var v = value
        if v.isNaN || v.isInfinite { return g4(v) }
        if v == 0 { return g4(v, "s") }
        if Swift.abs(v) >= 1 {
            var sign = ""
            if v < 0 {
                sign = "-"
                v = -v
            }
            // Go's int64(v) of a float out of range is the minimum int64 on amd64.
            let duration = v < 9.223372036854775807e18 ? Int64(v) : Int64.min
            let seconds = duration % 60
            let minutes = (duration / 60) % 60
            let hours = (duration / 60 / 60) % 24
            let days = duration / 60 / 60 / 24
            if days != 0 { return "\(sign)\(days)d \(hours)h \(minutes)m \(seconds)s" }
            if hours != 0 { return "\(sign)\(hours)h \(minutes)m \(seconds)s" }
            if minutes != 0 { return "\(sign)\(minutes)m \(seconds)s" }
            return sign + g4(v, "s")
        }
        var prefix = ""
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if Swift.abs(v) >= 1 { break }
            prefix = p
            v *= 1000
        }
        return g4(v, prefix + "s")
    }

    /// Unix seconds as Go prints a UTC time: `2023-02-15 10:00:00.123 +0000 UTC`, to the millisecond.
    static func humanizeTimestamp(_ value: Double) throws(TemplateFunctionError) -> String {
        if value.isNaN || value.isInfinite { return g4(value) }
        let nanoseconds = value * 1e9
        if nanoseconds >= 9.223372036854775807e18 || nanoseconds < -9.223372036854775808e18 {
            throw TemplateFunctionError(
                "\(GoFormat.string(.float(value))) cannot be represented as a nanoseconds timestamp since it overflows int64")
        }
        let milliseconds = Int64(nanoseconds) / 1_000_000
        return GoTime.utcString(milliseconds: milliseconds)
    }
}
