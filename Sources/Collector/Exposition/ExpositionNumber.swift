/// Number syntax of the exposition formats, parsed from bytes without Foundation.
///
/// Floats accept what Prometheus accepts — Go's `strconv.ParseFloat` minus hex floats and
/// underscores: an optional sign, decimal digits with an optional fraction and exponent,
/// `Inf`/`Infinity` with an optional sign and `NaN` without one, all case-insensitive.
/// Like Go, a finite literal too large for a Double is an error rather than ±Inf; one
/// too small rounds to zero.
enum ExpositionNumber {
    enum Parsed<Value> {
        case value(Value)
        case invalid
        case outOfRange
    }

    /// The NaN every parsed `NaN` becomes: Prometheus's "normal NaN", so a scraped NaN is
    /// never mistaken for the stale marker (another NaN payload).
    static let normalNaN = Double(bitPattern: 0x7FF8_0000_0000_0001)

    /// Powers of ten a Double holds exactly: the range of Clinger's fast path.
    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    static func parseFloat(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Parsed<Double> {
        var i = start
        guard i < end else { return .invalid }
        var negative = false
        if bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
            guard i < end else { return .invalid }
        }
        switch ExpositionBytes.lowercased(bytes[i]) {
        case UInt8(ascii: "i"):
            guard ExpositionBytes.matches(bytes, i, end, ignoringCase: "inf") || ExpositionBytes.matches(bytes, i, end, ignoringCase: "infinity")
            else { return .invalid }
            return .value(negative ? -.infinity : .infinity)
        case UInt8(ascii: "n"):
            // Go accepts no sign on NaN.
            guard i == start, ExpositionBytes.matches(bytes, i, end, ignoringCase: "nan") else { return .invalid }
            return .value(normalNaN)
        default:
            break
        }

        // Up to 19 significant digits fit a UInt64; more send the literal to the slow path.
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var sawDigit = false
        var dropped = false
        while i < end, ExpositionBytes.isDigit(bytes[i]) {
            let digit = UInt64(bytes[i] &- UInt8(ascii: "0"))
            sawDigit = true
            if mantissa != 0 || digit != 0 {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ digit
                    digits += 1
                } else {
                    dropped = true
                }
            }
            i += 1
        }
        if i < end, bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < end, ExpositionBytes.isDigit(bytes[i]) {
                let digit = UInt64(bytes[i] &- UInt8(ascii: "0"))
                sawDigit = true
                if mantissa == 0 && digit == 0 {
                    exponent -= 1
                } else if digits < 19 {
                    mantissa = mantissa &* 10 &+ digit
                    digits += 1
                    exponent -= 1
                } else {
                    dropped = true
                }
                i += 1
            }
        }
        guard sawDigit else { return .invalid }
        if i < end, bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var exponentNegative = false
            if i < end, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
                exponentNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            var value = 0
            var sawExponentDigit = false
            while i < end, ExpositionBytes.isDigit(bytes[i]) {
                sawExponentDigit = true
                // Past a million the result is 0 or out of range anyway; stop before overflow.
                if value < 1_000_000 { value = value * 10 + Int(bytes[i] &- UInt8(ascii: "0")) }
                i += 1
            }
            guard sawExponentDigit else { return .invalid }
            exponent += exponentNegative ? -value : value
        }
        guard i == end else { return .invalid }

        if mantissa == 0 && !dropped { return .value(negative ? -0.0 : 0.0) }
        // Clinger's fast path: both operands exact, so one IEEE operation rounds correctly.
        if !dropped && mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
            var value = Double(mantissa)
            if exponent < 0 {
                value /= exactPowersOfTen[-exponent]
            } else {
                value *= exactPowersOfTen[exponent]
            }
            return .value(negative ? -value : value)
        }
        // Rare: long or extreme literals. The standard library rounds correctly; the grammar
        // above already excluded the forms it accepts and Go does not (hex, "nan(…)").
        let literal = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        guard let value = Double(literal) else { return .invalid }
        return value.isInfinite ? .outOfRange : .value(value)
    }

    /// A Prometheus text timestamp: decimal digits only (no sign), milliseconds.
    static func parseMilliseconds(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Parsed<Int64> {
        guard start < end else { return .invalid }
        var value: Int64 = 0
        var overflow = false
        for i in start..<end {
            guard ExpositionBytes.isDigit(bytes[i]) else { return .invalid }
            if !overflow {
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(Int64(bytes[i] &- UInt8(ascii: "0")))
                value = sum
                overflow = o1 || o2
            }
        }
        return overflow ? .outOfRange : .value(value)
    }

    /// An OpenMetrics timestamp: float seconds, returned as milliseconds truncated toward
    /// zero (as Prometheus's `int64(seconds * 1000)`). Plain decimals are converted exactly,
    /// so `1520879607.789` is always 1520879607789, never …788 from binary rounding.
    /// NaN and ±Inf are `.invalid`.
    static func parseSeconds(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Parsed<Int64> {
        if let exact = exactMilliseconds(bytes, start, end) { return exact }
        switch parseFloat(bytes, start, end) {
        case .invalid: return .invalid
        case .outOfRange: return .outOfRange
        case .value(let seconds):
            guard seconds.isFinite else { return .invalid }
            let milliseconds = seconds * 1000
            guard milliseconds >= -0x1p63 && milliseconds < 0x1p63 else { return .outOfRange }
            return .value(Int64(milliseconds))
        }
    }

    /// `[+-]?digits[.digits]` converted exactly; `nil` for any other shape.
    private static func exactMilliseconds(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Parsed<Int64>? {
        var i = start
        guard i < end else { return nil }
        var negative = false
        if bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        var seconds: Int64 = 0
        var sawDigit = false
        var overflow = false
        while i < end, ExpositionBytes.isDigit(bytes[i]) {
            sawDigit = true
            let (times10, o1) = seconds.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int64(bytes[i] &- UInt8(ascii: "0")))
            seconds = sum
            overflow = overflow || o1 || o2
            i += 1
        }
        var fraction: Int64 = 0
        if i < end, bytes[i] == UInt8(ascii: ".") {
            i += 1
            var scale: Int64 = 100
            while i < end, ExpositionBytes.isDigit(bytes[i]) {
                sawDigit = true
                fraction += Int64(bytes[i] &- UInt8(ascii: "0")) * scale
                scale /= 10
                i += 1
            }
        }
        guard sawDigit, i == end else { return nil }
        if overflow { return .outOfRange }
        let (scaled, o1) = seconds.multipliedReportingOverflow(by: 1000)
        let (milliseconds, o2) = scaled.addingReportingOverflow(fraction)
        if o1 || o2 { return .outOfRange }
        return .value(negative ? -milliseconds : milliseconds)
    }
}
