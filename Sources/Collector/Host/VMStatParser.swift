/// One `name value` line of `/proc/vmstat`.
struct VMStatEntry: Equatable, Sendable {
    var name: String
    var value: Double
}

/// Parses `/proc/vmstat`, keeping only the fields `keep` accepts (node-exporter exports a
/// few of its ~200 counters by default: paging, swapping, faults and OOM kills).
struct VMStatParser {
    static let file = "/proc/vmstat"

    static func parse(_ text: some StringProtocol, keep: (String) -> Bool = { _ in true }) throws(HostCollectorError) -> [VMStatEntry] {
        var entries: [VMStatEntry] = []
        for (number, line) in ProcText.lines(text) {
            let fields = ProcText.fields(line)
            if fields.isEmpty { continue }
            guard fields.count == 2 else {
                throw HostCollectorError(file: file, line: number, reason: "expected \"name value\", got \"\(line.prefix(64))\"")
            }
            let name = String(fields[0])
            guard keep(name) else { continue }
            // A few per-zone counters can briefly read negative on some kernels; Int64
            // accepts those, UInt64 the rest of the range.
            let value: Double
            if let unsigned = UInt64(fields[1]) {
                value = Double(unsigned)
            } else if let signed = Int64(fields[1]) {
                value = Double(signed)
            } else {
                throw HostCollectorError(file: file, line: number, reason: "\(name): \"\(fields[1].prefix(64))\" is not an integer")
            }
            entries.append(VMStatEntry(name: name, value: value))
        }
        return entries
    }
}

extension [VMStatEntry] {
    /// `node_vmstat_<field>`, unitless and without `_total`, as node-exporter names them.
    func appendSamples(to samples: inout [HostSample]) {
        for entry in self {
            samples.append(HostSample("node_vmstat_" + entry.name, [], entry.value))
        }
    }
}
