import TSDB

/// One interface line of `/proc/net/dev`.
struct NetDevStats: Equatable, Sendable {
    var device: String
    /// Receive bytes, packets, errs, drop, fifo, frame, compressed, multicast; then
    /// transmit bytes, packets, errs, drop, fifo, colls, carrier, compressed.
    var counters: [UInt64]
}

/// Parses `/proc/net/dev`: two header lines (recognised by their `|`), then
/// `name: 16 counters` per interface. Interface names cannot contain `:` or blanks, so
/// the first colon ends the name even when a large counter follows it without a space.
struct NetDevParser {
    static let file = "/proc/net/dev"
    static let counterCount = 16

    static func parse(_ text: some StringProtocol) throws(HostCollectorError) -> [NetDevStats] {
        var interfaces: [NetDevStats] = []
        for (number, line) in ProcText.lines(text) {
            if line.contains("|") { continue }
            if line.allSatisfy(ProcText.isBlank) { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw HostCollectorError(file: file, line: number, reason: "expected \"interface: counters\", got \"\(line.prefix(64))\"")
            }
            let device = line[..<colon].trimmingBlanks()
            guard !device.isEmpty else {
                throw HostCollectorError(file: file, line: number, reason: "empty interface name")
            }
            let fields = ProcText.fields(line[line.index(after: colon)...])
            guard fields.count == counterCount else {
                throw HostCollectorError(file: file, line: number, reason: "\(device): \(fields.count) counters, expected \(counterCount)")
            }
            var counters: [UInt64] = []
            counters.reserveCapacity(counterCount)
            for (index, field) in fields.enumerated() {
                counters.append(try ProcText.counter(field, "\(device) \(NetDevStats.metrics[index])", file: file, line: number))
            }
            interfaces.append(NetDevStats(device: String(device), counters: counters))
        }
        return interfaces
    }
}

extension Substring {
    fileprivate func trimmingBlanks() -> Substring {
        guard let first = firstIndex(where: { !ProcText.isBlank($0) }) else { return self[endIndex...] }
        let last = lastIndex(where: { !ProcText.isBlank($0) })!
        return self[first...last]
    }
}

extension NetDevStats {
    /// node-exporter's names, in the column order of `/proc/net/dev`.
    static let metrics = [
        "node_network_receive_bytes_total", "node_network_receive_packets_total",
        "node_network_receive_errs_total", "node_network_receive_drop_total",
        "node_network_receive_fifo_total", "node_network_receive_frame_total",
        "node_network_receive_compressed_total", "node_network_receive_multicast_total",
        "node_network_transmit_bytes_total", "node_network_transmit_packets_total",
        "node_network_transmit_errs_total", "node_network_transmit_drop_total",
        "node_network_transmit_fifo_total", "node_network_transmit_colls_total",
        "node_network_transmit_carrier_total", "node_network_transmit_compressed_total",
    ]

    func appendSamples(to samples: inout [HostSample]) {
        let label = [Label("device", device)]
        for (name, counter) in zip(Self.metrics, counters) {
            samples.append(HostSample(name, label, Double(counter)))
        }
    }
}
