extension PromQL {
    /// A PromQL duration such as `5m`, `1h30m` or `1y`, with millisecond precision.
    ///
    /// Parsing follows Prometheus's `model.ParseDuration`: units `y` (365d), `w`, `d`, `h`, `m`,
    /// `s`, `ms`, each at most once and from largest to smallest; `0` alone is allowed.
    /// Formatting is `model.Duration.String()`: `90m` prints as `1h30m`, `14d` as `2w`.
    ///
    /// ```swift
    /// let d = try PromQL.Duration(parsing: "1h30m")   // 5_400_000 ms
    /// d.description                                    // "1h30m"
    /// ```
    public struct Duration: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var milliseconds: Int64

        public init(milliseconds: Int64) {
            self.milliseconds = milliseconds
        }

        public static let zero = Duration(milliseconds: 0)

        /// Why a duration string was refused; `message` is Prometheus's text.
        public struct InvalidDuration: Error, Sendable, CustomStringConvertible {
            public let message: String
            public var description: String { message }
        }

        private static let units: [(suffix: String, milliseconds: Int64)] = [
            ("y", 365 * 24 * 3_600_000), ("w", 7 * 24 * 3_600_000), ("d", 24 * 3_600_000),
            ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1),
        ]

        public init(parsing text: String) throws(InvalidDuration) {
            if text == "0" {
                milliseconds = 0
                return
            }
            if text.isEmpty { throw InvalidDuration(message: "empty duration string") }
            let invalid = InvalidDuration(message: "not a valid duration string: \(GoFormat.quote(text))")
            let bytes = Array(text.utf8)
            var index = 0
            var nextUnit = 0
            var nanoseconds: Int64 = 0
            var overflow = false
            while index < bytes.count {
                var amount: Int64 = 0
                var saturated = false
                let digitsStart = index
                while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                    let (times10, o1) = amount.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = times10.addingReportingOverflow(Int64(bytes[index] - 0x30))
                    if o1 || o2 { saturated = true }
                    amount = sum
                    index += 1
                }
                guard index > digitsStart, index < bytes.count else { throw invalid }
                // Go's strconv.Atoi saturates on overflow; the range check below then fails.
                if saturated { amount = .max }
                let unit: Int
                switch bytes[index] {
                case UInt8(ascii: "y"): unit = 0
                case UInt8(ascii: "w"): unit = 1
                case UInt8(ascii: "d"): unit = 2
                case UInt8(ascii: "h"): unit = 3
                case UInt8(ascii: "m"):
                    if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "s") {
                        unit = 6
                        index += 1
                    } else {
                        unit = 4
                    }
                case UInt8(ascii: "s"): unit = 5
                default: throw invalid
                }
                index += 1
                guard unit >= nextUnit else { throw invalid }
                nextUnit = unit + 1
                // As model.ParseDuration: the sum is kept in nanoseconds and must fit an Int64.
                let multiplier = Self.units[unit].milliseconds
                if amount > Int64.max / multiplier / 1_000_000 { overflow = true }
                nanoseconds = nanoseconds &+ (amount &* 1_000_000) &* multiplier
                if nanoseconds < 0 { overflow = true }
            }
            if overflow { throw InvalidDuration(message: "duration out of range") }
            milliseconds = nanoseconds / 1_000_000
        }

        /// `model.Duration.String()`; negative durations get a leading `-`.
        public var description: String {
            if milliseconds < 0 { return "-" + Duration(milliseconds: 0 &- milliseconds).description }
            if milliseconds == 0 { return "0s" }
            var rest = milliseconds
            var out = ""
            for (index, unit) in Self.units.enumerated() {
                // Years and weeks only when they divide evenly: 90d reads better than 12w6d.
                if index < 2, rest % unit.milliseconds != 0 { continue }
                let count = rest / unit.milliseconds
                if count > 0 {
                    out += "\(count)\(unit.suffix)"
                    rest -= count * unit.milliseconds
                }
            }
            return out
        }

        public static func < (lhs: Duration, rhs: Duration) -> Bool { lhs.milliseconds < rhs.milliseconds }

        public static prefix func - (duration: Duration) -> Duration {
            Duration(milliseconds: 0 &- duration.milliseconds)
        }
    }
}
