/// The few Go formatting verbs whose exact output Prometheus puts in front of users: `%q` for
/// strings and runes, `%#U`, `strconv.FormatFloat(v, 'f', -1, 64)` and `%.Nf`.
///
/// Printed queries and error messages must match Prometheus byte for byte, so these follow
/// Go's rules rather than Swift's (`\u{…}` escapes, `1e+20` notation, …).
package enum GoFormat {
    /// `strconv.Quote`: double-quoted, with Go escapes for non-printable characters.
    static func quote(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars { appendEscaped(scalar, quote: "\"", to: &out) }
        out += "\""
        return out
    }

    /// `strconv.QuoteRune`; a negative rune (end of input) quotes as U+FFFD, as in Go.
    static func quoteRune(_ rune: Int32) -> String {
        let scalar = rune < 0 ? Unicode.Scalar(0xFFFD)! : (Unicode.Scalar(UInt32(rune)) ?? Unicode.Scalar(0xFFFD)!)
        var out = "'"
        appendEscaped(scalar, quote: "'", to: &out)
        out += "'"
        return out
    }

    /// `%#U`: `U+0063 'c'`, or just `U+000A` for a character that does not print.
    static func unicodeNotation(_ rune: Int32) -> String {
        var hex = String(UInt32(bitPattern: rune), radix: 16, uppercase: true)
        while hex.count < 4 { hex = "0" + hex }
        guard rune >= 0, let scalar = Unicode.Scalar(UInt32(rune)), isPrint(scalar) else { return "U+\(hex)" }
        return "U+\(hex) '\(Character(scalar))'"
    }

    /// Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and ASCII space.
    package static func isPrint(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark,
             .decimalNumber, .letterNumber, .otherNumber,
             .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation,
             .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }

    private static func appendEscaped(_ scalar: Unicode.Scalar, quote: Unicode.Scalar, to out: inout String) {
        if scalar == quote || scalar == "\\" {
            out += "\\"
            out.unicodeScalars.append(scalar)
            return
        }
        if isPrint(scalar) {
            out.unicodeScalars.append(scalar)
            return
        }
        switch scalar.value {
        case 0x07: out += "\\a"
        case 0x08: out += "\\b"
        case 0x0C: out += "\\f"
        case 0x0A: out += "\\n"
        case 0x0D: out += "\\r"
        case 0x09: out += "\\t"
        case 0x0B: out += "\\v"
        case let v where v < 0x20 || v == 0x7F: out += "\\x" + hex(v, digits: 2)
        case let v where v < 0x10000: out += "\\u" + hex(v, digits: 4)
        case let v: out += "\\U" + hex(v, digits: 8)
        }
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    // MARK: - Numbers

    /// `strconv.FormatFloat(v, 'f', -1, 64)`: the shortest digits that round-trip, never in
    /// exponent notation; `+Inf`, `-Inf` and `NaN` as Prometheus spells them.
    static func shortestFixed(_ value: Double) -> String {
        var bytes: [UInt8] = []
        appendShortestFixed(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// ``shortestFixed(_:)`` appended to `out` as UTF-8, without building strings on the
    /// way: API responses print one per point.
    package static func appendShortestFixed(_ value: Double, to out: inout [UInt8]) {
        if value.isNaN { return out.append(contentsOf: [0x4E, 0x61, 0x4E]) }  // NaN
        if value.isInfinite {
            out.append(value < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            return out.append(contentsOf: [0x49, 0x6E, 0x66])  // Inf
        }
        if value.sign == .minus { out.append(UInt8(ascii: "-")) }
        // Swift's description also yields the shortest round-tripping digits, at most 17 and
        // a few zeros before it turns to exponent notation; only the notation differs.
        let text = value.magnitude.description
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digits in
            var count = 0, integerDigits = 0, exponent = 0, exponentSign = 1
            var inFraction = false, inExponent = false
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "."): inFraction = true
                case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
                case UInt8(ascii: "-") where inExponent: exponentSign = -1
                case UInt8(ascii: "+"): break
                case let digit where inExponent: exponent = exponent * 10 + Int(digit &- 0x30)
                case let digit:
                    if count < digits.count {
                        digits[count] = digit
                        count += 1
                    }
                    if !inFraction { integerDigits += 1 }
                }
            }
            var first = 0
            var point = integerDigits + exponentSign * exponent
            while first < count && digits[first] == UInt8(ascii: "0") {
                first += 1
                point -= 1
            }
            while count > first && digits[count - 1] == UInt8(ascii: "0") { count -= 1 }
            let significant = UnsafeMutableBufferPointer(rebasing: digits[first..<count])
            let zero = UInt8(ascii: "0")
            if significant.isEmpty {
                out.append(zero)
            } else if point <= 0 {
                out.append(contentsOf: [zero, UInt8(ascii: ".")])
                out.append(contentsOf: repeatElement(zero, count: -point))
                out.append(contentsOf: significant)
            } else if point >= significant.count {
                out.append(contentsOf: significant)
                out.append(contentsOf: repeatElement(zero, count: point - significant.count))
            } else {
                out.append(contentsOf: significant[..<point])
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: significant[point...])
            }
        }
    }

    /// `fmt.Sprintf("%.Nf", v)`: the exact binary value rounded half-to-even at `decimals`
    /// places, as Go does (C's printf would agree, but Foundation is not needed for it).
    static func fixed(_ value: Double, decimals: Int) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        let sign = value.sign == .minus ? "-" : ""
        let magnitude = value.magnitude
        // magnitude == significand * 2^exponent exactly.
        var significand = UInt64(magnitude.significandBitPattern)
        var exponent: Int
        if magnitude.isNormal {
            significand |= 1 << 52
            exponent = Int(magnitude.exponentBitPattern) - 1075
        } else {
            exponent = -1074
        }
        if significand == 0 { exponent = 0 }
        // digits of the integer N with magnitude == N / 10^scale.
        var number = DecimalDigits(significand)
        var scale = 0
        if exponent >= 0 {
            number.multiply(byPowerOf: 2, exponent)
        } else {
            number.multiply(byPowerOf: 5, -exponent)
            scale = -exponent
        }
        var digits = number.digits  // most significant first
        if scale > decimals {
            let drop = scale - decimals
            if digits.count < drop + 1 { digits = Array(repeating: 0, count: drop + 1 - digits.count) + digits }
            let kept = Array(digits[..<(digits.count - drop)])
            let dropped = digits[(digits.count - drop)...]
            let first = dropped.first!
            let restNonZero = dropped.dropFirst().contains { $0 != 0 }
            let roundUp = first > 5 || (first == 5 && (restNonZero || kept.last! % 2 == 1))
            digits = roundUp ? DecimalDigits.increment(kept) : kept
            scale = decimals
        }
        while scale < decimals {
            digits.append(0)
            scale += 1
        }
        if digits.count < scale + 1 { digits = Array(repeating: 0, count: scale + 1 - digits.count) + digits }
        let integerPart = digits[..<(digits.count - scale)].map { Character(String($0)) }
        let fractionPart = digits[(digits.count - scale)...].map { Character(String($0)) }
        return sign + String(integerPart) + (scale > 0 ? "." + String(fractionPart) : "")
    }
}

/// A non-negative integer as decimal digits, enough to expand a double exactly.
private struct DecimalDigits {
    /// Base 1e9 limbs, least significant first.
    private var limbs: [UInt64]

    init(_ value: UInt64) {
        limbs = value == 0 ? [0] : []
        var rest = value
        while rest > 0 {
            limbs.append(rest % 1_000_000_000)
            rest /= 1_000_000_000
        }
    }

    mutating func multiply(byPowerOf base: UInt64, _ count: Int) {
        var remaining = count
        while remaining > 0 {
            let step = min(remaining, base == 2 ? 29 : 12)
            var factor: UInt64 = 1
            for _ in 0..<step { factor *= base }
            var carry: UInt64 = 0
            for index in limbs.indices {
                let product = limbs[index] * factor + carry
                limbs[index] = product % 1_000_000_000
                carry = product / 1_000_000_000
            }
            while carry > 0 {
                limbs.append(carry % 1_000_000_000)
                carry /= 1_000_000_000
            }
            remaining -= step
        }
    }

    var digits: [UInt8] {
        var out: [UInt8] = []
        for (position, limb) in limbs.reversed().enumerated() {
            var chunk = Array(String(limb).utf8).map { $0 - 48 }
            if position > 0 { chunk = Array(repeating: 0, count: 9 - chunk.count) + chunk }
            out += chunk
        }
        return out
    }

    static func increment(_ digits: [UInt8]) -> [UInt8] {
        var out = digits
        var index = out.count - 1
        while index >= 0 {
            if out[index] == 9 {
                out[index] = 0
                index -= 1
            } else {
                out[index] += 1
                return out
            }
        }
        return [1] + out
    }
}
