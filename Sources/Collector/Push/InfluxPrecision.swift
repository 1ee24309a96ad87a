/// The unit of line-protocol timestamps, from the `precision` query parameter.
public enum InfluxPrecision: Sendable, Hashable, CaseIterable {
    case nanoseconds
    case microseconds
    case milliseconds
    case seconds
    case minutes
    case hours

    /// The precision a `precision` parameter names: InfluxDB 2's `ns`, `us`, `ms`, `s` and
    /// InfluxDB 1's `n`, `u`, `ms`, `s`, `m`, `h` (both accepted on either endpoint, since
    /// clients mix them up), or `nil` for anything else. No parameter means nanoseconds.
    public init?(parameter: String) {
        switch parameter {
        case "ns", "n": self = .nanoseconds
        case "us", "u", "µ", "µs": self = .microseconds
        case "ms": self = .milliseconds
        case "s": self = .seconds
        case "m": self = .minutes
        case "h": self = .hours
        default: return nil
        }
    }

    /// `timestamp` in this unit as Unix milliseconds, or `nil` when that does not fit an
    /// `Int64`. Finer units round toward negative infinity, so an instant lands in the
    /// millisecond that contains it (-1 ns is -1 ms, not 0).
    public func milliseconds(_ timestamp: Int64) -> Int64? {
        switch self {
        case .nanoseconds: return Self.floorDivide(timestamp, 1_000_000)
        case .microseconds: return Self.floorDivide(timestamp, 1_000)
        case .milliseconds: return timestamp
        case .seconds: return Self.multiply(timestamp, 1_000)
        case .minutes: return Self.multiply(timestamp, 60_000)
        case .hours: return Self.multiply(timestamp, 3_600_000)
        }
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? quotient - 1 : quotient
    }

    private static func multiply(_ value: Int64, _ factor: Int64) -> Int64? {
        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
        return overflow ? nil : product
    }
}
