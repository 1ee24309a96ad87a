/// Field values and timestamps.
extension InfluxLineParser {
    /// A numeric or boolean field value as a Double.
    func fieldValue(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) throws(LineFailure) -> Double {
        let last = buffer[end - 1]
        switch last {
        case UInt8(ascii: "i"):
            guard let value = Self.integer(buffer, start, end - 1) else { break }
            guard let int = value.signed else {
                throw LineFailure(position: start, reason: "integer \(ExpositionBytes.quoted(buffer, start, end)) is out of the range of a 64-bit integer")
            }
            return Double(int)
        case UInt8(ascii: "u"):
            guard let value = Self.integer(buffer, start, end - 1) else { break }
            guard !value.negative || value.magnitude == 0, let magnitude = value.unsigned else {
                throw LineFailure(position: start, reason: "unsigned integer \(ExpositionBytes.quoted(buffer, start, end)) is out of range")
            }
            return Double(magnitude)
        default:
            if let boolean = Self.boolean(buffer, start, end) { return boolean ? 1 : 0 }
            // Line protocol floats are decimal literals only: no NaN, no Inf, no '+'.
            var first = start
            if buffer[first] == UInt8(ascii: "-") { first += 1 }
            guard first < end, ExpositionBytes.isDigit(buffer[first]) || buffer[first] == UInt8(ascii: ".") else { break }
            switch ExpositionNumber.parseFloat(buffer, start, end) {
            case .value(let value): return value
            case .outOfRange:
                throw LineFailure(position: start, reason: "float \(ExpositionBytes.quoted(buffer, start, end)) is out of the range of a 64-bit float")
            case .invalid: break
            }
        }
        throw LineFailure(
            position: start,
            reason: "invalid field value \(ExpositionBytes.quoted(buffer, start, end)): expected a float, an integer (1i), an unsigned integer (1u), a boolean or a \"string\"")
    }

    /// `-?[0-9]+` as sign and magnitude; `nil` when it is not that shape. The magnitude is
    /// `nil` when it does not fit 64 bits.
    static func integer(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> ParsedInteger? {
        var i = start
        let negative = i < end && buffer[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        guard i < end else { return nil }
        var magnitude: UInt64? = 0
        while i < end {
            let digit = buffer[i] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            if let current = magnitude {
                let (times10, o1) = current.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
                magnitude = o1 || o2 ? nil : sum
            }
            i += 1
        }
        return ParsedInteger(negative: negative, unsigned: magnitude)
    }

    struct ParsedInteger {
        var negative: Bool
        /// The magnitude, `nil` beyond UInt64.
        var unsigned: UInt64?

        var magnitude: UInt64 { unsigned ?? .max }

        /// The value as an Int64, `nil` outside its range.
        var signed: Int64? {
            guard let unsigned else { return nil }
            if negative {
                if unsigned == 1 << 63 { return .min }
                return unsigned < 1 << 63 ? -Int64(unsigned) : nil
            }
            return unsigned < 1 << 63 ? Int64(unsigned) : nil
        }
    }

    /// `t`, `T`, `true`, `True`, `TRUE` and the same spellings of false: exactly
    /// InfluxDB's list.
    static func boolean(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool? {
        let first = buffer[start] | 0x20
        guard first == UInt8(ascii: "t") || first == UInt8(ascii: "f") else { return nil }
        for (word, value) in booleanWords where ExpositionBytes.hasPrefix(buffer, start, end, word) && end - start == word.utf8CodeUnitCount {
            return value
        }
        return nil
    }

    private static let booleanWords: [(StaticString, Bool)] = [
        ("t", true), ("T", true), ("true", true), ("True", true), ("TRUE", true),
        ("f", false), ("F", false), ("false", false), ("False", false), ("FALSE", false),
    ]

    /// The line's timestamp in the request's precision, as Unix milliseconds.
    func timestamp(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) throws(LineFailure) -> Int64 {
        guard let parsed = Self.integer(buffer, start, end) else {
            throw LineFailure(position: start, reason: "invalid timestamp \(ExpositionBytes.quoted(buffer, start, end)): expected an integer")
        }
        guard let raw = parsed.signed, let milliseconds = precision.milliseconds(raw) else {
            throw LineFailure(
                position: start,
                reason: "timestamp \(ExpositionBytes.quoted(buffer, start, end)) in \(precision) is out of range")
        }
        return milliseconds
    }
}
