#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Functions {
    /// Arithmetic, rounding, clamping and trigonometry on each element.
    static let mathFunctions: [String: FunctionImplementation] = [
        "abs": .elementwise { v, _ in v.magnitude },
        "ceil": .elementwise { v, _ in v.rounded(.up) },
        "floor": .elementwise { v, _ in v.rounded(.down) },
        "exp": .elementwise { v, _ in exp(v) },
        "sqrt": .elementwise { v, _ in v.squareRoot() },
        "ln": .elementwise { v, _ in log(v) },
        "log2": .elementwise { v, _ in log2(v) },
        "log10": .elementwise { v, _ in log10(v) },
        "sin": .elementwise { v, _ in sin(v) },
        "cos": .elementwise { v, _ in cos(v) },
        "tan": .elementwise { v, _ in tan(v) },
        "asin": .elementwise { v, _ in asin(v) },
        "acos": .elementwise { v, _ in acos(v) },
        "atan": .elementwise { v, _ in atan(v) },
        "sinh": .elementwise { v, _ in sinh(v) },
        "cosh": .elementwise { v, _ in cosh(v) },
        "tanh": .elementwise { v, _ in tanh(v) },
        "asinh": .elementwise { v, _ in asinh(v) },
        "acosh": .elementwise { v, _ in acosh(v) },
        "atanh": .elementwise { v, _ in atanh(v) },
        "rad": .elementwise { v, _ in v * .pi / 180 },
        "deg": .elementwise { v, _ in v * 180 / .pi },
        "sgn": .elementwise { v, _ in v < 0 ? -1 : v > 0 ? 1 : v },
        "clamp": .elementwise { v, s in
            // An empty interval yields nothing at all.
            s[2] < s[1] ? nil : GoMath.max(s[1], GoMath.min(s[2], v))
        },
        "clamp_max": .elementwise { v, s in GoMath.min(s[1], v) },
        "clamp_min": .elementwise { v, s in GoMath.max(s[1], v) },
        "round": .elementwise { v, s in
            // Ties round up; dividing by the inverse is what Prometheus does, for fewer
            // floating point surprises.
            let inverse = 1.0 / (s.count >= 2 ? s[1] : 1)
            return (v * inverse + 0.5).rounded(.down) / inverse
        },
        "pi": .clock { _ in .pi },
    ]
}

/// Go's `math.Max` and `math.Min`: NaN wins over numbers but loses to an infinity of the
/// right sign, and ±0 are told apart.
enum GoMath {
    static func max(_ x: Double, _ y: Double) -> Double {
        if x == .infinity || y == .infinity { return .infinity }
        if x.isNaN || y.isNaN { return .nan }
        if x == 0 && x == y { return x.sign == .minus ? y : x }
        return x > y ? x : y
    }

    static func min(_ x: Double, _ y: Double) -> Double {
        if x == -.infinity || y == -.infinity { return -.infinity }
        if x.isNaN || y.isNaN { return .nan }
        if x == 0 && x == y { return x.sign == .minus ? x : y }
        return x < y ? x : y
    }

    /// `math.Mod`: the remainder with the sign of `x`.
    static func mod(_ x: Double, _ y: Double) -> Double { x.truncatingRemainder(dividingBy: y) }

    static func pow(_ x: Double, _ y: Double) -> Double { cPow(x, y) }

    static func atan2(_ y: Double, _ x: Double) -> Double { cAtan2(y, x) }
}

// The C library's functions, under names the methods above do not shadow.
private func cPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
private func cAtan2(_ y: Double, _ x: Double) -> Double { atan2(y, x) }
