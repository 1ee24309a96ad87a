/// How a series' values look on the wire, which is what decides how well they compress:
/// node exporter's CPU seconds have two decimals (USER_HZ ticks), byte counters are integers,
/// durations are arbitrary floats.
public enum ValueFormat: Sendable, Equatable {
    case integer
    /// A fixed number of decimals (1...6); the value is `scaled / 10^decimals` exactly.
    case decimals(Int)
    /// Any float, printed in its shortest round-trip form.
    case float

    static let powers: [Double] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000]

    /// The value a scaled integer stands for: the double nearest `scaled / 10^decimals`,
    /// which is what parsing its decimal text gives.
    @inline(__always)
    func value(scaled: Int64) -> Double {
        switch self {
        case .integer: Double(scaled)
        case .decimals(let d): Double(scaled) / Self.powers[d]
        case .float: Double(scaled)
        }
    }

    /// Appends the value's text (OpenMetrics number syntax) to `out`.
    func write(_ value: Double, into out: inout [UInt8]) {
        switch self {
        case .integer:
            Self.writeInteger(Int64(value), into: &out)
        case .decimals(let d):
            let scaled = Int64((value * Self.powers[d]).rounded())
            var magnitude = scaled.magnitude
            if scaled < 0 { out.append(UInt8(ascii: "-")) }
            let divisor = UInt64(Self.powers[d])
            Self.writeInteger(Int64(magnitude / divisor), into: &out)
            out.append(UInt8(ascii: "."))
            magnitude %= divisor
            var digits = [UInt8](repeating: UInt8(ascii: "0"), count: d)
            for i in stride(from: d - 1, through: 0, by: -1) {
                digits[i] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            out.append(contentsOf: digits)
        case .float:
            if value.isNaN {
                out.append(contentsOf: Array("NaN".utf8))
            } else if value.isInfinite {
                out.append(contentsOf: Array((value > 0 ? "+Inf" : "-Inf").utf8))
            } else {
                out.append(contentsOf: Array(value.description.utf8))
            }
        }
    }

    static func writeInteger(_ value: Int64, into out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        if magnitude == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes: enough for 20 digits
        let count = withUnsafeMutableBytes(of: &buffer) { raw -> Int in
            var i = raw.count
            while magnitude > 0 {
                i -= 1
                raw[i] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            out.append(contentsOf: raw[i...])
            return raw.count - i
        }
        _ = count
    }
}
