/// The 1, 5 and 15 minute load averages of `/proc/loadavg`.
struct LoadAverage: Equatable, Sendable {
    var load1: Double
    var load5: Double
    var load15: Double
}

/// Parses `/proc/loadavg`: `0.52 0.58 0.59 1/389 12345`. Only the first three fields are used.
struct LoadAverageParser {
    static let file = "/proc/loadavg"

    static func parse(_ text: some StringProtocol) throws(HostCollectorError) -> LoadAverage {
        guard let (number, line) = ProcText.lines(text).first else {
            throw HostCollectorError(file: file, reason: "empty file")
        }
        let fields = ProcText.fields(line, maxSplits: 3)
        guard fields.count >= 3 else {
            throw HostCollectorError(file: file, line: number, reason: "\(fields.count) fields, expected at least 3")
        }
        return LoadAverage(
            load1: try ProcText.number(fields[0], "1-minute load", file: file, line: number),
            load5: try ProcText.number(fields[1], "5-minute load", file: file, line: number),
            load15: try ProcText.number(fields[2], "15-minute load", file: file, line: number)
        )
    }
}

extension LoadAverage {
    func appendSamples(to samples: inout [HostSample]) {
        samples.append(HostSample("node_load1", [], load1))
        samples.append(HostSample("node_load5", [], load5))
        samples.append(HostSample("node_load15", [], load15))
    }
}
