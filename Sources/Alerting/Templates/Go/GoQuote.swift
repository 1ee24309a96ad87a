import Query

/// Go's `strconv` quoting: `Quote`, `QuoteRune`, `Unquote` and `UnquoteChar`, which the
/// template language uses for its string and character literals and its error messages.
enum GoQuote {
    /// `strconv.Quote`: a double-quoted Go string literal; with `asciiOnly`,
    /// `strconv.QuoteToASCII`.
    static func quote(_ string: String, asciiOnly: Bool = false) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            appendEscaped(scalar, quote: "\"", asciiOnly: asciiOnly, into: &out)
        }
        out += "\""
        return out
    }

    /// `strconv.QuoteRune`: a single-quoted Go character literal.
    static func quoteRune(_ value: UInt32, asciiOnly: Bool = false) -> String {
        let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
        var out = "'"
        appendEscaped(scalar, quote: "'", asciiOnly: asciiOnly, into: &out)
        out += "'"
        return out
    }

    /// `strconv.CanBackquote`: whether the string fits in a raw string literal.
    static func canBackquote(_ string: String) -> Bool {
        for scalar in string.unicodeScalars {
            if scalar == "`" || scalar == "\u{FEFF}" { return false }
            if scalar.value < 0x20 && scalar != "\t" { return false }
            if scalar.value == 0x7F { return false }
        }
        return true
    }

    static func appendEscaped(_ scalar: Unicode.Scalar, quote: Unicode.Scalar, asciiOnly: Bool, into out: inout String) {
        if scalar == quote || scalar == "\\" {
            out += "\\"
            out.unicodeScalars.append(scalar)
            return
        }
        if asciiOnly {
            if scalar.value < 0x80 && isPrint(scalar) {
                out.unicodeScalars.append(scalar)
                return
            }
        } else if isPrint(scalar) {
            out.unicodeScalars.append(scalar)
            return
        }
        switch scalar {
        case "\u{07}": out += "\\a"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{0B}": out += "\\v"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\x" + hex(scalar.value, width: 2)
            } else if scalar.value < 0x10000 {
                out += "\\u" + hex(scalar.value, width: 4)
            } else {
                out += "\\U" + hex(scalar.value, width: 8)
            }
        }
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// `unicode.IsPrint`, shared with the PromQL parser's Go formatting.
    static func isPrint(_ scalar: Unicode.Scalar) -> Bool {
        Query.GoFormat.isPrint(scalar)
    }

    /// `unicode.IsLetter`.
    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let v = scalar.value | 0x20
            return v >= 0x61 && v <= 0x7A
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `unicode.IsDigit`.
    static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar.value >= 0x30 && scalar.value <= 0x39 }
        return scalar.properties.generalCategory == .decimalNumber
    }

    /// `strconv.ErrSyntax`.
    struct SyntaxError: Error {}

    /// `strconv.UnquoteChar`: decodes the first character or escape of `bytes[index...]`
    /// for a literal quoted with `quote`; returns its bytes (an `\x` escape is one raw byte)
    /// and the index after it.
    static func unquoteChar(_ bytes: [UInt8], at index: Int, quote: UInt8) throws(SyntaxError) -> (bytes: [UInt8], next: Int) {
        guard index < bytes.count else { throw SyntaxError() }
        let c = bytes[index]
        if c == quote && (quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"")) { throw SyntaxError() }
        if c >= 0x80 {
            var length = 1
            while index + length < bytes.count, bytes[index + length] & 0xC0 == 0x80, length < 4 { length += 1 }
            return (Array(bytes[index..<index + length]), index + length)
        }
        if c != UInt8(ascii: "\\") { return ([c], index + 1) }
        guard index + 1 < bytes.count else { throw SyntaxError() }
        let escape = bytes[index + 1]
        var next = index + 2
        func encode(_ value: UInt32) throws(SyntaxError) -> [UInt8] {
            guard let scalar = Unicode.Scalar(value) else { throw SyntaxError() }
            return Array(String(scalar).utf8)
        }
        switch escape {
        case UInt8(ascii: "a"): return ([0x07], next)
        case UInt8(ascii: "b"): return ([0x08], next)
        case UInt8(ascii: "f"): return ([0x0C], next)
        case UInt8(ascii: "n"): return ([0x0A], next)
        case UInt8(ascii: "r"): return ([0x0D], next)
        case UInt8(ascii: "t"): return ([0x09], next)
        case UInt8(ascii: "v"): return ([0x0B], next)
        case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = escape == UInt8(ascii: "x") ? 2 : escape == UInt8(ascii: "u") ? 4 : 8
            guard next + count <= bytes.count else { throw SyntaxError() }
            var value: UInt32 = 0
            for byte in bytes[next..<next + count] {
                guard let digit = hexValue(byte) else { throw SyntaxError() }
                value = value << 4 | UInt32(digit)
            }
            next += count
            if escape == UInt8(ascii: "x") { return ([UInt8(value)], next) }
            return (try encode(value), next)
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            guard index + 4 <= bytes.count else { throw SyntaxError() }
            var value: UInt32 = 0
            for byte in bytes[index + 1..<index + 4] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "7") else { throw SyntaxError() }
                value = value << 3 | UInt32(byte - UInt8(ascii: "0"))
            }
            guard value <= 255 else { throw SyntaxError() }
            return ([UInt8(value)], index + 4)
        case UInt8(ascii: "\\"): return ([escape], next)
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            guard escape == quote else { throw SyntaxError() }
            return ([escape], next)
        default:
            throw SyntaxError()
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// `strconv.Unquote` of a double-quoted, back-quoted or single-quoted literal.
    static func unquote(_ literal: String) throws(SyntaxError) -> String {
        let bytes = Array(literal.utf8)
        guard bytes.count >= 2, let quote = bytes.first, quote == bytes.last else { throw SyntaxError() }
        let body = Array(bytes[1..<bytes.count - 1])
        if quote == UInt8(ascii: "`") {
            if body.contains(UInt8(ascii: "`")) { throw SyntaxError() }
            return String(decoding: body.filter { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
        }
        guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { throw SyntaxError() }
        if body.contains(UInt8(ascii: "\n")) { throw SyntaxError() }
        var out: [UInt8] = []
        var index = 0
        var characters = 0
        while index < body.count {
            let (decoded, next) = try unquoteChar(body, at: index, quote: quote)
            out += decoded
            index = next
            characters += 1
        }
        if quote == UInt8(ascii: "'") && characters != 1 { throw SyntaxError() }
        return String(decoding: out, as: UTF8.self)
    }
}
