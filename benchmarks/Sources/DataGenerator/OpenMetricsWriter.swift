import Foundation

/// Writes generated scrapes as OpenMetrics text with timestamps, the input of
/// `promtool tsdb create-blocks-from openmetrics` and `sextant tsdb import`:
///
/// ```
/// node_cpu_seconds_total{cpu="0",instance="host-0000:9100",job="node",mode="idle"} 803655.12 1767225607.412
/// …
/// # EOF
/// ```
///
/// Lines come scrape by scrape (all series of a target's scrape together, as a scrape
/// returns them), timestamps in seconds with millisecond decimals. No `# TYPE` lines: they
/// would have to group every family across targets, and both importers take untyped series.
public struct OpenMetricsWriter {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    public private(set) var samples = 0
    public private(set) var bytes = 0

    public init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        buffer.reserveCapacity(1 << 20)
    }

    /// Appends one scrape of `series` (values in the same order) at `timestamp` ms.
    public mutating func write(_ series: [GeneratedSeries], _ values: [Double], at timestamp: Int64) throws {
        var stamp: [UInt8] = [UInt8(ascii: " ")]
        ValueFormat.writeInteger(timestamp / 1000, into: &stamp)
        let millis = Int(timestamp % 1000)
        stamp.append(UInt8(ascii: "."))
        stamp.append(UInt8(ascii: "0") + UInt8(millis / 100))
        stamp.append(UInt8(ascii: "0") + UInt8(millis / 10 % 10))
        stamp.append(UInt8(ascii: "0") + UInt8(millis % 10))
        stamp.append(UInt8(ascii: "\n"))
        for (s, value) in zip(series, values) {
            buffer.append(contentsOf: s.linePrefix)
            s.format.write(value, into: &buffer)
            buffer.append(contentsOf: stamp)
        }
        samples += min(series.count, values.count)
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Writes `# EOF` and closes the file.
    public mutating func finish() throws {
        buffer.append(contentsOf: "# EOF\n".utf8)
        try flush()
        try handle.close()
    }

    private mutating func flush() throws {
        try handle.write(contentsOf: buffer)
        bytes += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}
