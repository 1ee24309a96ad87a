import TSDB

/// One line of `/proc/meminfo`: `Active(anon):       1556 kB` or `HugePages_Total:       0`.
struct MemInfoEntry: Equatable, Sendable {
    /// The kernel's name, without the colon: `Active(anon)`.
    var key: String
    var value: UInt64
    /// Whether the value carries the `kB` unit (every field except the huge page counts).
    var inKibibytes: Bool
}

/// Parses `/proc/meminfo`.
struct MemInfoParser {
    static let file = "/proc/meminfo"

    static func parse(_ text: some StringProtocol) throws(HostCollectorError) -> [MemInfoEntry] {
        var entries: [MemInfoEntry] = []
        entries.reserveCapacity(64)
        for (number, line) in ProcText.lines(text) {
            let fields = ProcText.fields(line)
            if fields.isEmpty { continue }
            guard fields[0].count > 1, fields[0].last == ":" else {
                throw HostCollectorError(file: file, line: number, reason: "expected \"Name: value [kB]\", got \"\(line.prefix(64))\"")
            }
            let key = String(fields[0].dropLast())
            let inKibibytes: Bool
            switch fields.count {
            case 2: inKibibytes = false
            case 3:
                guard fields[2] == "kB" else {
                    throw HostCollectorError(file: file, line: number, reason: "\(key): unknown unit \"\(fields[2].prefix(16))\"")
                }
                inKibibytes = true
            default:
                throw HostCollectorError(file: file, line: number, reason: "expected \"Name: value [kB]\", got \"\(line.prefix(64))\"")
            }
            let value = try ProcText.counter(fields[1], key, file: file, line: number)
            entries.append(MemInfoEntry(key: key, value: value, inKibibytes: inKibibytes))
        }
        return entries
    }
}

extension MemInfoEntry {
    /// node-exporter's name: `node_memory_` + the key with `(x)` turned into `_x`, plus
    /// `_bytes` when the kernel gives a unit. `Active(anon)` → `node_memory_Active_anon_bytes`;
    /// `HugePages_Total` → `node_memory_HugePages_Total`.
    var metricName: String {
        var name = "node_memory_"
        name.reserveCapacity(key.utf8.count + 20)
        for character in key {
            switch character {
            case "(": name.append("_")
            case ")": break
            default: name.append(character)
            }
        }
        if inKibibytes { name += "_bytes" }
        return name
    }

    var bytesOrCount: Double { inKibibytes ? Double(value) * 1024 : Double(value) }
}

extension [MemInfoEntry] {
    /// A key whose name would not be a valid metric name (none does today) is left out
    /// rather than failing every memory series.
    func appendSamples(to samples: inout [HostSample]) {
        for entry in self {
            let name = entry.metricName
            guard Labels.isValidMetricName(name) else { continue }
            samples.append(HostSample(name, [], entry.bytesOrCount))
        }
    }
}
