import TSDB

extension HostCollector {
    /// `node_filesystem_*{device,fstype,mountpoint}` for every mount the filters keep, each
    /// label set once (bind mounts and stacked mounts repeat them). A mount whose `statfs`
    /// fails reports `node_filesystem_device_error 1` and its read-only flag, nothing else —
    /// as node-exporter does, so alerts on `device_error` keep working.
    func appendFilesystemSamples(_ mounts: [MountEntry], to samples: inout [HostSample]) {
        var seen = Set<[String]>()
        for mount in mounts {
            if filters.mountPointsExclude.matches(mount.mountPoint) { continue }
            if filters.filesystemTypesExclude.matches(mount.fsType) { continue }
            guard seen.insert([mount.device, mount.fsType, mount.mountPoint]).inserted else { continue }

            let labels = [Label("device", mount.device), Label("fstype", mount.fsType), Label("mountpoint", mount.mountPoint)]
            let readOnly: Double = mount.isReadOnly ? 1 : 0
            let usage: FilesystemUsage
            do throws(HostCollectorError) {
                usage = try statFilesystem(mount.mountPoint)
            } catch {
                samples.append(HostSample("node_filesystem_device_error", labels, 1))
                samples.append(HostSample("node_filesystem_readonly", labels, readOnly))
                continue
            }
            let blockSize = Double(usage.blockSize)
            samples.append(HostSample("node_filesystem_device_error", labels, 0))
            samples.append(HostSample("node_filesystem_readonly", labels, readOnly))
            samples.append(HostSample("node_filesystem_size_bytes", labels, Double(usage.blocks) * blockSize))
            samples.append(HostSample("node_filesystem_free_bytes", labels, Double(usage.blocksFree) * blockSize))
            samples.append(HostSample("node_filesystem_avail_bytes", labels, Double(usage.blocksAvailable) * blockSize))
            samples.append(HostSample("node_filesystem_files", labels, Double(usage.files)))
            samples.append(HostSample("node_filesystem_files_free", labels, Double(usage.filesFree)))
        }
    }
}
