/// Conversion of number and duration tokens, with Prometheus's error texts.
extension Parser {
    /// Go's `strconv.ParseInt(text, 0, 64)`, then `strconv.ParseFloat(text, 64)`: so `0x1f`
    /// is hexadecimal, `0755` is octal, and `1e400` is an error rather than `+Inf`.
    @inline(never)
    func number(_ token: Token) throws(ParseError) -> Double {
        if let integer = Self.parseInteger(token.text) { return Double(integer) }
        switch Self.parseFloat(token.text) {
        case .success(let value):
            return value
        case .failure(let reason):
            throw error(
                "error parsing number: strconv.ParseFloat: parsing \(GoFormat.quote(token.text)): \(reason.rawValue)",
                at: token.range)
        }
    }

    /// A duration token; zero is refused, as Prometheus 2.x does for ranges, steps and offsets.
    @inline(never)
    func duration(_ token: Token) throws(ParseError) -> PromQL.Duration {
        let value: PromQL.Duration
        do {
            value = try PromQL.Duration(parsing: token.text)
        } catch let failure {
            throw error(failure.message, at: token.range)
        }
        if value == .zero { throw error("duration must be greater than 0", at: token.range) }
        return value
    }

    enum NumberFailure: String, Error {
        case syntax = "invalid syntax"
        case range = "value out of range"
    }

    /// `strconv.ParseInt(text, 0, 64)` for the unsigned texts the lexer produces; nil when Go
    /// would fail (bad digits or overflow) and fall back to `ParseFloat`.
    static func parseInteger(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        var digits = bytes[...]
        var radix: Int64 = 10
        if bytes.count > 1, bytes[0] == UInt8(ascii: "0") {
            switch bytes[1] {
            case UInt8(ascii: "x"), UInt8(ascii: "X"): radix = 16; digits = bytes[2...]
            case UInt8(ascii: "o"), UInt8(ascii: "O"): radix = 8; digits = bytes[2...]
            case UInt8(ascii: "b"), UInt8(ascii: "B"): radix = 2; digits = bytes[2...]
            default: radix = 8; digits = bytes[1...]
            }
        }
        guard !digits.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in digits {
            let digit: Int64
            switch byte {
            case 0x30...0x39: digit = Int64(byte - 0x30)
            case 0x61...0x66: digit = Int64(byte - 0x61 + 10)
            case 0x41...0x46: digit = Int64(byte - 0x41 + 10)
            default: return nil
            }
            guard digit < radix else { return nil }
            let (times, o1) = value.multipliedReportingOverflow(by: radix)
            let (sum, o2) = times.addingReportingOverflow(digit)
            if o1 || o2 { return nil }
            value = sum
        }
        return value
    }

    /// `strconv.ParseFloat(text, 64)` for the texts the lexer produces: decimal floats,
    /// `inf`/`infinity`/`nan` in any case; hexadecimal mantissas need a `p` exponent, which
    /// PromQL never lexes, so they fail.
    static func parseFloat(_ text: String) -> Result<Double, NumberFailure> {
        switch text.lowercased() {
        case "inf", "infinity": return .success(.infinity)
        case "nan": return .success(.nan)
        default: break
        }
        let bytes = Array(text.utf8)
        var index = 0
        var mantissaDigits = 0
        func isDigit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        while isDigit(index) {
            index += 1
            mantissaDigits += 1
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while isDigit(index) {
                index += 1
                mantissaDigits += 1
            }
        }
        guard mantissaDigits > 0 else { return .failure(.syntax) }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard isDigit(index) else { return .failure(.syntax) }
            while isDigit(index) { index += 1 }
        }
        guard index == bytes.count, let value = Double(text) else { return .failure(.syntax) }
        return value.isInfinite ? .failure(.range) : .success(value)
    }
}
