/// Which devices, mounts and fields the host collector leaves out. The defaults are
/// node-exporter 1.5's, so the same series appear as under an unconfigured node-exporter.
public struct HostFilters: Sendable {
    /// Block devices left out of `node_disk_*`: RAM disks, loop devices, floppies and
    /// partitions (whose I/O is already counted on the whole disk).
    /// node-exporter's `--collector.diskstats.ignored-devices`.
    public var diskDevicesExclude: HostPattern
    /// node-exporter's `--collector.filesystem.mount-points-exclude`.
    public var mountPointsExclude: HostPattern
    /// Pseudo and read-only image filesystems, which have no meaningful capacity.
    /// node-exporter's `--collector.filesystem.fs-types-exclude`.
    public var filesystemTypesExclude: HostPattern
    /// Interfaces left out of `node_network_*`; none by default, as in node-exporter.
    public var networkDevicesExclude: HostPattern?
    /// `/proc/vmstat` fields exported as `node_vmstat_<field>`.
    /// node-exporter's `--collector.vmstat.fields`.
    public var vmstatFields: HostPattern

    public init(
        diskDevicesExclude: HostPattern,
        mountPointsExclude: HostPattern,
        filesystemTypesExclude: HostPattern,
        networkDevicesExclude: HostPattern? = nil,
        vmstatFields: HostPattern
    ) {
        self.diskDevicesExclude = diskDevicesExclude
        self.mountPointsExclude = mountPointsExclude
        self.filesystemTypesExclude = filesystemTypesExclude
        self.networkDevicesExclude = networkDevicesExclude
        self.vmstatFields = vmstatFields
    }

    public static let defaultDiskDevicesExclude = #"^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$"#
    public static let defaultMountPointsExclude =
        #"^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"#
    public static let defaultFilesystemTypesExclude =
        "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs"
        + "|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$"
    public static let defaultVMStatFields = "^(oom_kill|pgpg|pswp|pg.*fault).*"

    /// node-exporter 1.5's defaults.
    public static let nodeExporter: HostFilters = {
        // The literals above are known-good; a failure here is a typo caught by the tests.
        do {
            return HostFilters(
                diskDevicesExclude: try HostPattern(defaultDiskDevicesExclude),
                mountPointsExclude: try HostPattern(defaultMountPointsExclude),
                filesystemTypesExclude: try HostPattern(defaultFilesystemTypesExclude),
                vmstatFields: try HostPattern(defaultVMStatFields)
            )
        } catch {
            fatalError("built-in host filter does not compile: \(error)")
        }
    }()
}
