/// Exact conversion between a float and an integer mantissa times a power of ten.
///
/// `value(mantissa:exponent:)` is one IEEE multiplication or division of two exactly
/// representable numbers (|mantissa| ≤ 2⁵³, 10^|exponent| with |exponent| ≤ 22), hence
/// correctly rounded: it returns the float nearest to the decimal, which is what parsing the
/// decimal's text gives. The encoder keeps a decomposition only after checking it reproduces
/// the float bit for bit.
enum DecimalValue {
    static let maxExponent = 22
    static let maxMantissa: Int64 = 1 << 53

    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    static let integerPowersOfTen: [Int64] = (0...18).map { n in (0..<n).reduce(Int64(1)) { r, _ in r * 10 } }

    @inline(__always)
    static func value(mantissa: Int64, exponent: Int) -> Double {
        exponent >= 0 ? Double(mantissa) * powersOfTen[exponent] : Double(mantissa) / powersOfTen[-exponent]
    }

    /// The decomposition with the fewest fractional digits, or `nil` for NaN, infinities,
    /// -0.0 and floats with no decimal form within the limits. Zero gives `(0, 0)`; a zero
    /// mantissa fits any exponent.
    static func decompose(_ v: Double) -> (mantissa: Int64, exponent: Int)? {
        guard v.isFinite else { return nil }
        if v == 0 { return v.sign == .minus ? nil : (0, 0) }
        let limit = Double(maxMantissa)
        let magnitude = v.magnitude
        // Every float of magnitude 2⁵² or more is an integer.
        if magnitude >= 0x1p52 || v == Double(Int64(v)) {
            if magnitude <= limit { return (Int64(v), 0) }
            for exponent in 1...maxExponent {
                let scaled = v / powersOfTen[exponent]
                guard scaled.magnitude <= 2 * limit else { continue }
                let m = nearestInteger(scaled)
                if m.magnitude <= limit && m * powersOfTen[exponent] == v { return (Int64(m), exponent) }
            }
            return nil
        }
        for digits in 1...maxExponent {
            let scaled = v * powersOfTen[digits]
            guard scaled.magnitude <= limit else { return nil }
            let m = nearestInteger(scaled)
            if m / powersOfTen[digits] == v { return (Int64(m), -digits) }
        }
        return nil
    }

    /// Rounds half away from zero, for |x| < 2⁶²; written out because `rounded()` calls libm's
    /// `round` on x86-64 and this module links no libm of its own.
    @inline(__always)
    private static func nearestInteger(_ x: Double) -> Double {
        let truncated = Double(Int64(x))
        let fraction = x - truncated
        if fraction >= 0.5 { return truncated + 1 }
        if fraction <= -0.5 { return truncated - 1 }
        return truncated
    }

    /// `mantissa × 10^scale` if it stays within ±2⁵³.
    @inline(__always)
    static func rescale(_ mantissa: Int64, by scale: Int) -> Int64? {
        guard scale > 0 else { return mantissa }
        guard scale < integerPowersOfTen.count else { return mantissa == 0 ? 0 : nil }
        let (product, overflow) = mantissa.multipliedReportingOverflow(by: integerPowersOfTen[scale])
        guard !overflow && product.magnitude <= UInt64(maxMantissa) else { return nil }
        return product
    }
}
