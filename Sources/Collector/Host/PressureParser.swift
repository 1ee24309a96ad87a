/// The cumulative stall totals of one `/proc/pressure/<resource>` file, in microseconds.
struct PressureTotals: Equatable, Sendable {
    /// Time in which at least one task was stalled on the resource.
    var some: UInt64?
    /// Time in which all non-idle tasks were stalled at once.
    var full: UInt64?
}

/// Parses a pressure stall information file:
/// `some avg10=0.54 avg60=2.56 avg300=7.74 total=183515980` and a `full` line.
struct PressureParser {
    static func parse(_ text: some StringProtocol, file: String = "/proc/pressure") throws(HostCollectorError) -> PressureTotals {
        var totals = PressureTotals()
        for (number, line) in ProcText.lines(text) {
            let fields = ProcText.fields(line)
            guard let kind = fields.first else { continue }
            guard kind == "some" || kind == "full" else {
                throw HostCollectorError(file: file, line: number, reason: "expected \"some\" or \"full\", got \"\(kind.prefix(32))\"")
            }
            guard let total = fields.dropFirst().first(where: { $0.hasPrefix("total=") }) else {
                throw HostCollectorError(file: file, line: number, reason: "\(kind) line has no total=")
            }
            let value = try ProcText.counter(total.dropFirst(6), "\(kind) total", file: file, line: number)
            if kind == "some" { totals.some = value } else { totals.full = value }
        }
        return totals
    }
}

/// A resource with pressure stall information, and node-exporter's names for its totals.
enum PressureResource: String, CaseIterable, Sendable {
    case cpu, memory, io

    /// node-exporter 1.5 reports no `full` total for CPU (the kernel added one in 5.13).
    var metrics: (some: String, full: String?) {
        switch self {
        case .cpu: ("node_pressure_cpu_waiting_seconds_total", nil)
        case .memory: ("node_pressure_memory_waiting_seconds_total", "node_pressure_memory_stalled_seconds_total")
        case .io: ("node_pressure_io_waiting_seconds_total", "node_pressure_io_stalled_seconds_total")
        }
    }
}

extension PressureTotals {
    func appendSamples(for resource: PressureResource, to samples: inout [HostSample]) {
        let names = resource.metrics
        if let some { samples.append(HostSample(names.some, [], Double(some) / 1_000_000)) }
        if let full, let name = names.full { samples.append(HostSample(name, [], Double(full) / 1_000_000)) }
    }
}
