#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Collects the host's own metrics — CPU, load, memory, swap, disks, filesystems, network,
/// pressure stalls, kernel counters and identity — straight from `/proc`, `statfs(2)` and
/// `uname(2)`, under node-exporter 1.5's metric names, label names and units, so dashboards
/// and rules written for node-exporter work unchanged.
///
/// Each source is read and parsed on its own: a missing or malformed file leaves that
/// source's series out of the snapshot and adds one ``HostCollectorError``; nothing fails
/// the whole collection.
///
/// ```swift
/// var host = HostCollector()
/// var appender = store.appender()
/// let result = host.write(into: &appender, at: now, extraLabels: [Label("instance", "db-1:9100"), Label("job", "node")])
/// try appender.commit()
/// for error in result.errors { logger.warning("\(error)") }
/// ```
public struct HostCollector: Sendable {
    /// Where procfs is mounted: `/proc`, or `/host/proc` in a container, or a fixture
    /// directory in tests.
    public var procRoot: String
    public var sources: HostSources
    public var filters: HostFilters
    /// USER_HZ, the unit of the CPU times in `/proc/stat`.
    public var ticksPerSecond: Double
    /// `statfs(2)` for a mount point; injectable so tests need not mount anything.
    public var statFilesystem: @Sendable (String) throws(HostCollectorError) -> FilesystemUsage
    public var uname: @Sendable () -> UnameInfo?

    /// Series refs from the last ``write(into:at:extraLabels:)``, so a steady host costs one
    /// dictionary lookup per sample instead of a label merge and a store lookup.
    var seriesCache = HostSeriesCache()

    public init(
        procRoot: String = "/proc",
        sources: HostSources = .all,
        filters: HostFilters = .nodeExporter,
        ticksPerSecond: Double = HostCollector.systemTicksPerSecond,
        statFilesystem: @escaping @Sendable (String) throws(HostCollectorError) -> FilesystemUsage = FilesystemUsage.read(mountPoint:),
        uname: @escaping @Sendable () -> UnameInfo? = UnameInfo.current
    ) {
        var root = procRoot
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.procRoot = root
        self.sources = sources
        self.filters = filters
        self.ticksPerSecond = ticksPerSecond
        self.statFilesystem = statFilesystem
        self.uname = uname
    }

    /// `sysconf(_SC_CLK_TCK)`, or Linux's usual 100 if the call fails.
    public static var systemTicksPerSecond: Double {
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        return ticks > 0 ? Double(ticks) : 100
    }

    /// Reads every enabled source once. `timestamp` (Unix milliseconds) is the value of
    /// `node_time_seconds`; nothing else reads a clock.
    public func collect(at timestamp: Int64) -> HostSnapshot {
        var snapshot = HostSnapshot()
        snapshot.samples.reserveCapacity(1024)

        if !sources.isDisjoint(with: [.cpu, .stat]), let stat = read("stat", into: &snapshot, ProcStatParser.parse) {
            if sources.contains(.cpu) { stat.appendCPUSamples(to: &snapshot.samples, ticksPerSecond: ticksPerSecond) }
            if sources.contains(.stat) { stat.appendStatSamples(to: &snapshot.samples) }
        }
        if sources.contains(.loadavg), let load = read("loadavg", into: &snapshot, LoadAverageParser.parse) {
            load.appendSamples(to: &snapshot.samples)
        }
        if sources.contains(.meminfo), let memory = read("meminfo", into: &snapshot, MemInfoParser.parse) {
            memory.appendSamples(to: &snapshot.samples)
        }
        if sources.contains(.vmstat) {
            let fields = filters.vmstatFields
            if let vmstat = read("vmstat", into: &snapshot, { (text) throws(HostCollectorError) in
                try VMStatParser.parse(text, keep: fields.matches)
            }) {
                vmstat.appendSamples(to: &snapshot.samples)
            }
        }
        if sources.contains(.diskstats), let disks = read("diskstats", into: &snapshot, DiskStatsParser.parse) {
            for disk in disks where !filters.diskDevicesExclude.matches(disk.device) {
                disk.appendSamples(to: &snapshot.samples)
            }
        }
        if sources.contains(.filesystem), let mounts = read("self/mounts", into: &snapshot, MountsParser.parse) {
            appendFilesystemSamples(mounts, to: &snapshot.samples)
        }
        if sources.contains(.netdev), let interfaces = read("net/dev", into: &snapshot, NetDevParser.parse) {
            for interface in interfaces where !(filters.networkDevicesExclude?.matches(interface.device) ?? false) {
                interface.appendSamples(to: &snapshot.samples)
            }
        }
        if sources.contains(.pressure) {
            // Kernels before 4.20, or built without PSI, have no such files: no series, no error.
            for resource in PressureResource.allCases {
                let parse = { (text: String) throws(HostCollectorError) in try PressureParser.parse(text) }
                if let totals = read("pressure/" + resource.rawValue, ifPresent: true, into: &snapshot, parse) {
                    totals.appendSamples(for: resource, to: &snapshot.samples)
                }
            }
        }
        if sources.contains(.time) {
            snapshot.samples.append(HostSample("node_time_seconds", [], Double(timestamp) / 1000))
        }
        if sources.contains(.uname) {
            if let names = uname() {
                names.appendSamples(to: &snapshot.samples)
            } else {
                snapshot.errors.append(HostCollectorError(file: "uname(2)", reason: "call failed"))
            }
        }
        return snapshot
    }

    /// Reads `procRoot/relative` and parses it. A failure is recorded against the file's
    /// real path and yields nil; so does an absent file, silently when `ifPresent`.
    private func read<Parsed>(
        _ relative: String,
        ifPresent: Bool = false,
        into snapshot: inout HostSnapshot,
        _ parse: (String) throws(HostCollectorError) -> Parsed
    ) -> Parsed? {
        let path = procRoot == "/" ? "/" + relative : procRoot + "/" + relative
        do throws(HostCollectorError) {
            guard let text = try ProcFile.contents(path) else {
                if !ifPresent { snapshot.errors.append(HostCollectorError(file: path, reason: "no such file")) }
                return nil
            }
            return try parse(text)
        } catch {
            snapshot.errors.append(error.reading(path))
            return nil
        }
    }
}
