#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Go's `strconv.FormatFloat` and `strconv.ParseFloat` for float64.
///
/// Shortest representations come from Swift's own shortest round-trip printing (the same
/// digits Go chooses); fixed precisions from the C library's correctly rounded `printf`,
/// then laid out as Go lays them out (`1e+06`, `+Inf`, `NaN`, `%g` switching to exponent
/// form at Go's thresholds).
enum GoFloat {
    /// Decimal digits `0.d₁d₂…dₙ × 10^dp`, without trailing zeros; zero has no digits.
    struct Digits {
        var digits: [UInt8]
        var dp: Int
        var nd: Int { digits.count }
    }

    /// `strconv.FormatFloat(value, format, precision, 64)`; `precision` < 0 asks for the
    /// shortest representation that reads back exactly.
    static func format(_ value: Double, _ format: UInt8, precision: Int) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        let negative = value.sign == .minus
        switch format {
        case UInt8(ascii: "b"):
            return binaryExponent(value)
        case UInt8(ascii: "x"), UInt8(ascii: "X"):
            return hexadecimal(value, precision: precision, upper: format == UInt8(ascii: "X"))
        case UInt8(ascii: "f"), UInt8(ascii: "F"):
            if precision >= 0 { return cFormat("%.*f", precision, value) }
        default:
            break
        }
        let magnitude = Swift.abs(value)
        var precision = precision
        let digits: Digits
        let shortest = precision < 0
        if shortest {
            digits = shortestDigits(magnitude)
            switch format {
            case UInt8(ascii: "e"), UInt8(ascii: "E"): precision = max(digits.nd - 1, 0)
            case UInt8(ascii: "f"), UInt8(ascii: "F"): precision = max(digits.nd - digits.dp, 0)
            default: precision = digits.nd
            }
        } else {
            switch format {
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                digits = roundedDigits(magnitude, significant: precision + 1)
            default:
                if precision == 0 { precision = 1 }
                digits = roundedDigits(magnitude, significant: precision)
            }
        }
        switch format {
        case UInt8(ascii: "e"), UInt8(ascii: "E"):
            return formatE(negative, digits, precision, format)
        case UInt8(ascii: "f"), UInt8(ascii: "F"):
            return formatF(negative, digits, precision)
        default:
            var eprec = precision
            if eprec > digits.nd && digits.nd >= digits.dp { eprec = digits.nd }
            if shortest { eprec = 6 }
            let exponent = digits.dp - 1
            let e = format == UInt8(ascii: "G") ? UInt8(ascii: "E") : UInt8(ascii: "e")
            if exponent < -4 || exponent >= eprec {
                if precision > digits.nd { precision = digits.nd }
                return formatE(negative, digits, precision - 1, e)
            }
            if precision > digits.dp { precision = digits.nd }
            return formatF(negative, digits, max(precision - digits.dp, 0))
        }
    }

    static func formatE(_ negative: Bool, _ d: Digits, _ precision: Int, _ e: UInt8) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(precision + 8)
        if negative { out.append(UInt8(ascii: "-")) }
        out.append(d.nd == 0 ? UInt8(ascii: "0") : d.digits[0])
        if precision > 0 {
            out.append(UInt8(ascii: "."))
            var i = 1
            let m = min(d.nd, precision + 1)
            if i < m {
                out += d.digits[i..<m]
                i = m
            }
            while i <= precision {
                out.append(UInt8(ascii: "0"))
                i += 1
            }
        }
        out.append(e)
        var exponent = d.nd == 0 ? 0 : d.dp - 1
        if exponent < 0 {
            out.append(UInt8(ascii: "-"))
            exponent = -exponent
        } else {
            out.append(UInt8(ascii: "+"))
        }
        if exponent < 10 {
            out.append(UInt8(ascii: "0"))
        }
        out += Array(String(exponent).utf8)
        return String(decoding: out, as: UTF8.self)
    }

    static func formatF(_ negative: Bool, _ d: Digits, _ precision: Int) -> String {
        var out: [UInt8] = []
        if negative { out.append(UInt8(ascii: "-")) }
        if d.dp > 0 {
            let m = min(d.nd, d.dp)
            out += d.digits[0..<m]
            if m < d.dp { out += [UInt8](repeating: UInt8(ascii: "0"), count: d.dp - m) }
        } else {
            out.append(UInt8(ascii: "0"))
        }
        if precision > 0 {
            out.append(UInt8(ascii: "."))
            for i in 1...precision {
                let j = d.dp + i - 1
                out.append(j >= 0 && j < d.nd ? d.digits[j] : UInt8(ascii: "0"))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The shortest digits that read back as `value` (finite, non-negative).
    static func shortestDigits(_ value: Double) -> Digits {
        // Swift prints the shortest round-trip digits: "1e-05", "0.001", "123.0", "1.5e+20".
        let text = Array(value.description.utf8)
        var mantissa = text[...]
        var exponent = 0
        if let e = text.firstIndex(of: UInt8(ascii: "e")) {
            mantissa = text[..<e]
            exponent = Int(String(decoding: text[(e + 1)...], as: UTF8.self)) ?? 0
        }
        var digits: [UInt8] = []
        var integerDigits = 0
        var seenPoint = false
        for byte in mantissa {
            if byte == UInt8(ascii: ".") {
                seenPoint = true
                continue
            }
            digits.append(byte)
            if !seenPoint { integerDigits += 1 }
        }
        var dp = integerDigits + exponent
        var leading = 0
        while leading < digits.count && digits[leading] == UInt8(ascii: "0") { leading += 1 }
        digits.removeFirst(leading)
        dp -= leading
        while let last = digits.last, last == UInt8(ascii: "0") { digits.removeLast() }
        if digits.isEmpty { dp = 0 }
        return Digits(digits: digits, dp: dp)
    }

    /// `value` (finite, non-negative) correctly rounded to `significant` digits.
    static func roundedDigits(_ value: Double, significant: Int) -> Digits {
        if value == 0 { return Digits(digits: [], dp: 0) }
        let text = Array(cFormat("%.*e", max(significant - 1, 0), value).utf8)
        guard let e = text.firstIndex(of: UInt8(ascii: "e")) else { return Digits(digits: [], dp: 0) }
        var digits = text[..<e].filter { $0 != UInt8(ascii: ".") }
        let exponent = Int(String(decoding: text[(e + 1)...], as: UTF8.self)) ?? 0
        while let last = digits.last, last == UInt8(ascii: "0") { digits.removeLast() }
        return Digits(digits: digits, dp: exponent + 1)
    }

    /// Go's `%b`: decimal mantissa and binary exponent, `4503599627370496p-52`.
    static func binaryExponent(_ value: Double) -> String {
        let bits = value.bitPattern
        var exponent = Int((bits >> 52) & 0x7FF)
        var mantissa = bits & ((1 << 52) - 1)
        if exponent == 0 {
            exponent = 1
        } else {
            mantissa |= 1 << 52
        }
        exponent -= 1075
        let sign = value.sign == .minus ? "-" : ""
        return "\(sign)\(mantissa)p\(exponent >= 0 ? "+" : "")\(exponent)"
    }

    /// Go's `%x` on a float: `0x1.8p+01`.
    static func hexadecimal(_ value: Double, precision: Int, upper: Bool) -> String {
        var text = precision >= 0 ? cFormat("%.*a", precision, value) : cFormat("%.*a", -1, value)
        // C prints the binary exponent with as few digits as it needs; Go uses at least two.
        if let p = text.lastIndex(of: "p") {
            let signIndex = text.index(after: p)
            let digitsStart = text.index(after: signIndex)
            let digits = text[digitsStart...]
            if digits.count < 2 { text = String(text[..<digitsStart]) + "0" + digits }
        }
        return upper ? text.uppercased() : text
    }

    /// C `snprintf` with one precision and one double argument.
    static func cFormat(_ format: String, _ precision: Int, _ value: Double) -> String {
        var capacity = 64
        while true {
            var buffer = [CChar](repeating: 0, count: capacity)
            let written = withVaList([Int32(clamping: precision), value]) { arguments in
                buffer.withUnsafeMutableBufferPointer { pointer in
                    vsnprintf(pointer.baseAddress, pointer.count, format, arguments)
                }
            }
            if written < 0 { return "" }
            if Int(written) < capacity {
                return buffer.withUnsafeBufferPointer { pointer in
                    String(decoding: pointer.prefix(Int(written)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                }
            }
            capacity = Int(written) + 1
        }
    }

    /// Why `strconv.ParseFloat` refused a string.
    enum ParseError: Error {
        case syntax
        case range(Double)
    }

    /// `strconv.ParseFloat(text, 64)`: decimal and hexadecimal floats (with `_` only after a
    /// base prefix), `inf`, `infinity`, `nan` in any case; overflow is a range error.
    static func parse(_ text: String) throws(ParseError) -> Double {
        var bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw .syntax }
        var negative = false
        var index = 0
        if bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-") {
            negative = bytes[0] == UInt8(ascii: "-")
            index = 1
        }
        let rest = String(decoding: bytes[index...], as: UTF8.self).lowercased()
        if rest == "inf" || rest == "infinity" { return negative ? -.infinity : .infinity }
        if rest == "nan" && index == 0 { return .nan }
        let isHex = bytes.count > index + 1 && bytes[index] == UInt8(ascii: "0")
            && (bytes[index + 1] | 0x20) == UInt8(ascii: "x")
        var position = isHex ? index + 2 : index
        var sawDigits = false
        var sawPoint = false
        var sawUnderscore = false
        var sawExponent = false
        func isDigit(_ byte: UInt8) -> Bool {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") { return true }
            return isHex && (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "f")
        }
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "_") {
                sawUnderscore = true
            } else if byte == UInt8(ascii: ".") {
                if sawPoint { throw .syntax }
                sawPoint = true
            } else if isDigit(byte) {
                sawDigits = true
            } else {
                break
            }
            position += 1
        }
        guard sawDigits else { throw .syntax }
        if position < bytes.count {
            let marker = bytes[position] | 0x20
            guard marker == (isHex ? UInt8(ascii: "p") : UInt8(ascii: "e")) else { throw .syntax }
            sawExponent = true
            position += 1
            if position < bytes.count && (bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")) {
                position += 1
            }
            var exponentDigits = false
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "_") {
                    sawUnderscore = true
                } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                    exponentDigits = true
                } else {
                    throw .syntax
                }
                position += 1
            }
            guard exponentDigits else { throw .syntax }
        }
        if isHex && !sawExponent { throw .syntax }
        if sawUnderscore {
            // Go accepts underscores only between digits of a base-prefixed number.
            guard isHex, underscoresOK(bytes) else { throw .syntax }
            bytes.removeAll { $0 == UInt8(ascii: "_") }
        }
        guard let value = Double(String(decoding: bytes, as: UTF8.self)) else { throw .syntax }
        if value.isInfinite { throw .range(value) }
        return value
    }

    /// Go's `underscoreOK`: each `_` sits between digits or between the base prefix and a digit.
    private static func underscoresOK(_ bytes: [UInt8]) -> Bool {
        var previous: UInt8 = UInt8(ascii: "^")
        var index = 0
        if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) { index += 1 }
        if bytes.count - index >= 2 && bytes[index] == UInt8(ascii: "0") && (bytes[index + 1] | 0x20) == UInt8(ascii: "x") {
            index += 2
            previous = UInt8(ascii: "0")
        }
        while index < bytes.count {
            let byte = bytes[index]
            let isDigit = (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || ((byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "f"))
            if isDigit {
                previous = UInt8(ascii: "0")
            } else if byte == UInt8(ascii: "_") {
                if previous != UInt8(ascii: "0") { return false }
                previous = UInt8(ascii: "_")
            } else {
                if previous == UInt8(ascii: "_") { return false }
                previous = UInt8(ascii: "!")
            }
            index += 1
        }
        return previous != UInt8(ascii: "_")
    }

    /// The error text `strconv.ParseFloat` returns.
    static func message(for error: ParseError, parsing text: String) -> String {
        switch error {
        case .syntax: "strconv.ParseFloat: parsing \(GoQuote.quote(text)): invalid syntax"
        case .range: "strconv.ParseFloat: parsing \(GoQuote.quote(text)): value out of range"
        }
    }
}
