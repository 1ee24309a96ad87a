/// Parsers for the value formats configuration shares with Prometheus.
enum ConfigValues {
    /// Prometheus's duration syntax: units y, w, d, h, m, s, ms, largest first, each once
    /// (`1h30m`, `15d`, `100ms`, `0s`). Returns milliseconds.
    static func duration(_ text: String) -> Int64? {
        if text == "0" { return 0 }
        // (suffix, milliseconds, rank by size): "ms" is listed before "m" so it matches first.
        let units: [(suffix: String, ms: Int64, rank: Int)] = [
            ("ms", 1, 6), ("y", 365 * 86_400_000, 0), ("w", 7 * 86_400_000, 1), ("d", 86_400_000, 2),
            ("h", 3_600_000, 3), ("m", 60_000, 4), ("s", 1000, 5),
        ]
        var rest = Substring(text)
        var total: Int64 = 0
        var lastRank = -1
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let number = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.suffix) }), unit.rank > lastRank else { return nil }
            lastRank = unit.rank
            let (product, overflow) = number.multipliedReportingOverflow(by: unit.ms)
            let (sum, overflow2) = total.addingReportingOverflow(product)
            guard !overflow, !overflow2 else { return nil }
            total = sum
            rest = rest.dropFirst(unit.suffix.count)
        }
        return total
    }

    static func formatDuration(_ ms: Int64) -> String {
        if ms == 0 { return "0s" }
        var rest = ms
        var out = ""
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out
    }

    /// `512MB`, `32MiB`, `1GB`, `0`. Decimal units are powers of 1000, binary of 1024.
    static func byteSize(_ text: String) -> Int? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = Int(digits) else { return nil }
        let unit = text.dropFirst(digits.count).uppercased()
        let multipliers: [String: Int] = ["": 1, "B": 1, "KB": 1000, "MB": 1_000_000, "GB": 1_000_000_000, "TB": 1_000_000_000_000,
                                          "KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40]
        guard let multiplier = multipliers[unit] else { return nil }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : bytes
    }
}
