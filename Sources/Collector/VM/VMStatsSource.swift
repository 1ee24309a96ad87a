import TSDB

/// One virtual machine as a provider knows it.
public struct VMIdentity: Sendable, Hashable {
    /// The VM's name.
    public var name: String
    /// The provider's id for it (libvirt UUID, EC2 instance id, …).
    public var id: String
    /// The provider instance it belongs to, as configured in Sextant.
    public var provider: String
    /// The hypervisor host or region/zone it runs on.
    public var host: String
    /// Addresses an exporter inside the VM can be reached at, best first.
    public var addresses: [String]

    public init(name: String, id: String, provider: String, host: String, addresses: [String] = []) {
        self.name = name
        self.id = id
        self.provider = provider
        self.host = host
        self.addresses = addresses
    }

    /// `{vm, vm_id, provider, host}`, the labels every `sextant_vm_*` series carries.
    var labels: [Label] {
        [Label("host", host), Label("provider", provider), Label("vm", name), Label("vm_id", id)]
    }
}

/// Counters and gauges a provider reports for one VM. Counters are cumulative since the VM
/// started; a value the provider cannot give is nil and its series is left out.
public struct VMStats: Sendable, Equatable {
    public var cpuSeconds: Double?
    public var memoryUsedBytes: Double?
    public var memoryAvailableBytes: Double?
    public var diskReadBytes: Double?
    public var diskWrittenBytes: Double?
    public var diskReads: Double?
    public var diskWrites: Double?
    public var networkReceiveBytes: Double?
    public var networkTransmitBytes: Double?
    /// Whether the VM is running.
    public var running: Bool

    public init(
        cpuSeconds: Double? = nil, memoryUsedBytes: Double? = nil, memoryAvailableBytes: Double? = nil,
        diskReadBytes: Double? = nil, diskWrittenBytes: Double? = nil, diskReads: Double? = nil, diskWrites: Double? = nil,
        networkReceiveBytes: Double? = nil, networkTransmitBytes: Double? = nil, running: Bool
    ) {
        self.cpuSeconds = cpuSeconds
        self.memoryUsedBytes = memoryUsedBytes
        self.memoryAvailableBytes = memoryAvailableBytes
        self.diskReadBytes = diskReadBytes
        self.diskWrittenBytes = diskWrittenBytes
        self.diskReads = diskReads
        self.diskWrites = diskWrites
        self.networkReceiveBytes = networkReceiveBytes
        self.networkTransmitBytes = networkTransmitBytes
        self.running = running
    }
}

/// The seam between the collector and the Fleet's provider drivers (libvirt, AWS, …): a
/// driver lists its VMs and reports their stats. A provider that cannot be reached throws
/// its real error; the collector records it and carries on with the others.
public protocol VMStatsSource: Sendable {
    /// The provider instance's name, as in the `provider` label.
    var providerName: String { get }
    func listVMs() async throws -> [VMIdentity]
    /// Stats for the given VMs; VMs missing from the answer have no samples this round.
    func stats(for vms: [VMIdentity]) async throws -> [VMIdentity: VMStats]
}
