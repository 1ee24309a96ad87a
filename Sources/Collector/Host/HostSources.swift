/// Which parts of the host the collector reads, named after node-exporter's collectors so
/// `--no-collector.X` habits carry over. ``all`` is the default.
public struct HostSources: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `node_cpu_seconds_total`, `node_cpu_guest_seconds_total` (from `/proc/stat`).
    public static let cpu = HostSources(rawValue: 1 << 0)
    /// Boot time, context switches, interrupts, forks, running and blocked processes
    /// (from `/proc/stat`).
    public static let stat = HostSources(rawValue: 1 << 1)
    public static let loadavg = HostSources(rawValue: 1 << 2)
    public static let meminfo = HostSources(rawValue: 1 << 3)
    public static let vmstat = HostSources(rawValue: 1 << 4)
    public static let diskstats = HostSources(rawValue: 1 << 5)
    public static let filesystem = HostSources(rawValue: 1 << 6)
    public static let netdev = HostSources(rawValue: 1 << 7)
    public static let pressure = HostSources(rawValue: 1 << 8)
    public static let time = HostSources(rawValue: 1 << 9)
    public static let uname = HostSources(rawValue: 1 << 10)

    public static let all: HostSources = [
        .cpu, .stat, .loadavg, .meminfo, .vmstat, .diskstats, .filesystem, .netdev, .pressure, .time, .uname,
    ]
}
