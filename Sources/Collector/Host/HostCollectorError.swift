/// Why one source of the host collector produced no series: the file that could not be
/// read or parsed, the 1-based line at fault when there is one, and the reason.
///
/// One source failing never fails the whole collection; its series are simply absent
/// from that snapshot.
public struct HostCollectorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file read, e.g. `/proc/diskstats`, or a mount point for a `statfs` failure.
    public var file: String
    public var line: Int?
    public var reason: String

    public init(file: String, line: Int? = nil, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    /// `/proc/stat line 3: cpu1 has 2 fields, expected at least 4`
    public var description: String {
        if let line { "\(file) line \(line): \(reason)" } else { "\(file): \(reason)" }
    }

    /// The same error attributed to `path` (parsers name the file by its conventional path;
    /// the collector knows where it actually read it).
    func reading(_ path: String) -> HostCollectorError {
        var copy = self
        copy.file = path
        return copy
    }
}
