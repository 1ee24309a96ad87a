import Foundation

/// One series of a generated target: its name, labels beyond `job`/`instance`, and how its
/// values look.
struct SeriesSpec {
    var name: String
    var labels: [(String, String)]
    var format: ValueFormat
}

/// What every group of a target sees at a scrape: the target's shared load, which drives
/// CPU time, load averages, I/O and traffic together, as on a real host.
struct ScrapeContext {
    var timestamp: Int64
    var intervalSeconds: Double
    /// Busy fraction of the target's CPUs, 0...1.
    var utilization: Double
    var cpus: Int
}

/// A block of related series that move together (a CPU's modes, a histogram's buckets).
protocol SeriesGroup {
    var specs: [SeriesSpec] { get }
    /// Advances one scrape and writes the group's values at `values[offset...]`.
    mutating func scrape(_ rng: inout SeededRandom, _ context: ScrapeContext, into values: inout [Double], at offset: Int)
}

/// A slowly mean-reverting random walk (AR(1)).
struct Wander {
    var value: Double
    let mean: Double
    let reversion: Double
    let noise: Double

    mutating func step(_ rng: inout SeededRandom) -> Double {
        value += reversion * (mean - value) + noise * rng.normal()
        return value
    }
}

// MARK: - host

/// Per-host series: `up`, scrape metadata, memory, load, processes, kernel counters, the
/// clock, uname.
struct HostGroup: SeriesGroup {
    let specs: [SeriesSpec]
    let constants: (samples: Double, boot: Double, memTotal: Double)
    var memAvailable: Wander
    var memFree: Wander
    var cached: Wander
    var buffers: Wander
    var load1 = 0.0, load5 = 0.0, load15 = 0.0
    var fileDescriptors: Int64
    var contextSwitches: Int64
    var interrupts: Int64
    var forks: Int64

    init(_ rng: inout SeededRandom, seriesPerTarget: Int, start: Int64, cpus: Int, utilization: Double) {
        let uptime = rng.integer(86_400...60 * 86_400)
        let memKiB = Double([2, 4, 8, 16, 32, 64][Int(rng.integer(0...5))] * 1_048_576 - rng.integer(60_000...200_000))
        constants = (Double(seriesPerTarget), Double(start / 1000 - uptime), memKiB * 1024)
        memAvailable = Wander(value: memKiB * 0.55, mean: memKiB * rng.uniform(0.3...0.8), reversion: 0.02, noise: memKiB * 0.004)
        memFree = Wander(value: memKiB * 0.2, mean: memKiB * rng.uniform(0.05...0.3), reversion: 0.03, noise: memKiB * 0.003)
        cached = Wander(value: memKiB * 0.3, mean: memKiB * rng.uniform(0.1...0.4), reversion: 0.005, noise: memKiB * 0.001)
        buffers = Wander(value: memKiB * 0.02, mean: memKiB * 0.02, reversion: 0.01, noise: memKiB * 0.0002)
        load1 = utilization * Double(cpus)
        load5 = load1
        load15 = load1
        fileDescriptors = rng.integer(800...6_000)
        let uptimeSeconds = Double(uptime)
        contextSwitches = Int64(uptimeSeconds * rng.uniform(500...5_000))
        interrupts = Int64(uptimeSeconds * rng.uniform(300...3_000))
        forks = Int64(uptimeSeconds * rng.uniform(0.2...3))
        let release = ["6.1.0-18-amd64", "6.1.0-25-amd64", "5.15.0-91-generic"][Int(rng.integer(0...2))]
        specs = [
            SeriesSpec(name: "up", labels: [], format: .integer),
            SeriesSpec(name: "scrape_duration_seconds", labels: [], format: .float),
            SeriesSpec(name: "scrape_samples_scraped", labels: [], format: .integer),
            SeriesSpec(name: "node_boot_time_seconds", labels: [], format: .integer),
            SeriesSpec(name: "node_memory_MemTotal_bytes", labels: [], format: .integer),
            SeriesSpec(name: "node_memory_MemAvailable_bytes", labels: [], format: .integer),
            SeriesSpec(name: "node_memory_MemFree_bytes", labels: [], format: .integer),
            SeriesSpec(name: "node_memory_Cached_bytes", labels: [], format: .integer),
            SeriesSpec(name: "node_memory_Buffers_bytes", labels: [], format: .integer),
            SeriesSpec(name: "node_load1", labels: [], format: .decimals(2)),
            SeriesSpec(name: "node_load5", labels: [], format: .decimals(2)),
            SeriesSpec(name: "node_load15", labels: [], format: .decimals(2)),
            SeriesSpec(name: "node_procs_running", labels: [], format: .integer),
            SeriesSpec(name: "node_procs_blocked", labels: [], format: .integer),
            SeriesSpec(name: "node_filefd_allocated", labels: [], format: .integer),
            SeriesSpec(name: "node_context_switches_total", labels: [], format: .integer),
            SeriesSpec(name: "node_intr_total", labels: [], format: .integer),
            SeriesSpec(name: "node_forks_total", labels: [], format: .integer),
            SeriesSpec(name: "node_time_seconds", labels: [], format: .float),
            SeriesSpec(name: "node_uname_info", labels: [("machine", "x86_64"), ("release", release), ("sysname", "Linux")], format: .integer),
            SeriesSpec(name: "node_entropy_available_bits", labels: [], format: .integer),
        ]
    }

    mutating func scrape(_ rng: inout SeededRandom, _ c: ScrapeContext, into values: inout [Double], at o: Int) {
        let cpus = Double(c.cpus)
        values[o + 0] = 1
        values[o + 1] = rng.logNormal(median: 0.008 + 0.02 * c.utilization, sigma: 0.25)
        values[o + 2] = constants.samples
        values[o + 3] = constants.boot
        values[o + 4] = constants.memTotal
        let total = constants.memTotal / 1024
        func kib(_ x: Double) -> Double { (min(max(x, total * 0.01), total * 0.98)).rounded() * 1024 }
        values[o + 5] = kib(memAvailable.step(&rng))
        values[o + 6] = kib(memFree.step(&rng))
        values[o + 7] = kib(cached.step(&rng))
        values[o + 8] = kib(buffers.step(&rng))
        // Exponentially damped averages over 1, 5 and 15 minutes, as the kernel computes them.
        let runnable = c.utilization * cpus + 0.3 * rng.normal()
        let dt = c.intervalSeconds
        load1 += (max(runnable, 0) - load1) * (1 - exp(-dt / 60))
        load5 += (load1 - load5) * (1 - exp(-dt / 300))
        load15 += (load1 - load15) * (1 - exp(-dt / 900))
        values[o + 9] = (load1 * 100).rounded() / 100
        values[o + 10] = (load5 * 100).rounded() / 100
        values[o + 11] = (load15 * 100).rounded() / 100
        values[o + 12] = Double(1 + rng.poisson(c.utilization * cpus))
        values[o + 13] = rng.chance(0.03) ? 1 : 0
        if rng.chance(0.2) { fileDescriptors = max(100, fileDescriptors + rng.integer(-32...32)) }
        values[o + 14] = Double(fileDescriptors)
        contextSwitches += Int64(rng.logNormal(median: dt * 900 * cpus * (0.2 + c.utilization), sigma: 0.2))
        interrupts += Int64(rng.logNormal(median: dt * 500 * cpus * (0.2 + c.utilization), sigma: 0.2))
        forks += Int64(rng.poisson(dt * 0.6))
        values[o + 15] = Double(contextSwitches)
        values[o + 16] = Double(interrupts)
        values[o + 17] = Double(forks)
        // node_time_seconds is read while the scrape runs: a few ms after its timestamp, in ns.
        values[o + 18] = Double(c.timestamp) / 1000 + rng.uniform(0.000_5...0.004)
        values[o + 19] = 1
        values[o + 20] = 256
    }
}

// MARK: - CPU

/// `node_cpu_seconds_total{cpu, mode}`: eight counters in centiseconds (USER_HZ), printed
/// with two decimals; together they advance by the scrape interval.
struct CPUGroup: SeriesGroup {
    static let modes = ["idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"]
    let specs: [SeriesSpec]
    var centis: [Int64]
    let bias: Double

    init(_ rng: inout SeededRandom, cpu: Int, uptimeSeconds: Double) {
        specs = Self.modes.map { SeriesSpec(name: "node_cpu_seconds_total", labels: [("cpu", String(cpu)), ("mode", $0)], format: .decimals(2)) }
        let shares = [0.78, 0.01, 0.002, 0.001, 0.01, 0.004, 0.05, 0.14]
        centis = shares.map { Int64(uptimeSeconds * 100 * $0 * rng.uniform(0.8...1.2)) }
        bias = rng.uniform(0.8...1.2)
    }

    mutating func scrape(_ rng: inout SeededRandom, _ c: ScrapeContext, into values: inout [Double], at o: Int) {
        let total = c.intervalSeconds * 100
        let busy = min(max(c.utilization * bias * rng.uniform(0.85...1.15), 0.002), 0.99) * total
        var d = [Double](repeating: 0, count: 8)
        d[7] = busy * 0.68 * rng.logNormal(median: 1, sigma: 0.15)           // user
        d[6] = busy * 0.24 * rng.logNormal(median: 1, sigma: 0.15)           // system
        d[4] = busy * 0.03 * rng.logNormal(median: 1, sigma: 0.3)            // softirq
        d[2] = busy * 0.004 * rng.logNormal(median: 1, sigma: 0.5)           // irq
        d[1] = total * 0.006 * rng.logNormal(median: 1, sigma: 1)            // iowait
        d[5] = total * 0.003 * rng.logNormal(median: 1, sigma: 0.6)          // steal
        d[3] = rng.chance(0.05) ? Double(rng.integer(1...20)) : 0            // nice
        let used = d[1...].reduce(0, +)
        d[0] = max(total - used + 2 * rng.normal(), 0)                        // idle
        for i in 0..<8 {
            centis[i] += Int64(d[i].rounded())
            values[o + i] = ValueFormat.decimals(2).value(scaled: centis[i])
        }
    }
}

// MARK: - filesystems

/// `node_filesystem_{avail,files_free,free,size}_bytes`: a constant size and step changes as
/// files are written and, now and then, cleaned up.
struct FilesystemGroup: SeriesGroup {
    static let mounts: [(device: String, mount: String, fstype: String)] = [
        ("/dev/vda1", "/", "ext4"), ("/dev/vda15", "/boot/efi", "vfat"), ("/dev/vdb1", "/var/lib/docker", "xfs"),
        ("/dev/vdc1", "/data", "xfs"), ("tmpfs", "/run", "tmpfs"), ("/dev/vdd1", "/home", "ext4"),
    ]
    let specs: [SeriesSpec]
    let size: Int64
    let reserved: Int64
    var used: Int64
    var filesFree: Int64
    let writeChance: Double

    init(_ rng: inout SeededRandom, index: Int) {
        let m = Self.mounts[index % Self.mounts.count]
        let mount = index < Self.mounts.count ? m.mount : m.mount + String(index / Self.mounts.count)
        let labels = [("device", m.device), ("fstype", m.fstype), ("mountpoint", mount)]
        specs = ["node_filesystem_avail_bytes", "node_filesystem_files_free", "node_filesystem_free_bytes", "node_filesystem_size_bytes"]
            .map { SeriesSpec(name: $0, labels: labels, format: .integer) }
        size = rng.integer(2_000_000...200_000_000) * 4096
        reserved = size / 20
        used = Int64(Double(size) * rng.uniform(0.1...0.8)) / 4096 * 4096
        filesFree = rng.integer(100_000...10_000_000)
        writeChance = index == 0 ? 0.4 : rng.uniform(0.01...0.3)
    }

    mutating func scrape(_ rng: inout SeededRandom, _ c: ScrapeContext, into values: inout [Double], at o: Int) {
        if rng.chance(writeChance) {
            used += rng.integer(-200...2_000) * 4096
            filesFree -= rng.integer(-10...30)
        }
        if rng.chance(0.0005) { used -= used / 10 / 4096 * 4096 }
        used = min(max(used, 0), size - reserved)
        values[o + 0] = Double(size - reserved - used)
        values[o + 1] = Double(filesFree)
        values[o + 2] = Double(size - used)
        values[o + 3] = Double(size)
    }
}

// MARK: - disks

/// `node_disk_*`: bursty I/O counters; bytes in 512-byte sectors, I/O time in ms printed as
/// seconds with three decimals.
struct DiskGroup: SeriesGroup {
    let specs: [SeriesSpec]
    var ioMillis: Int64, readBytes: Int64, reads: Int64, writes: Int64, writtenBytes: Int64
    let readRate: Double, writeRate: Double

    init(_ rng: inout SeededRandom, index: Int, uptimeSeconds: Double) {
        let letter = String(UnicodeScalar(UInt8(ascii: "a") + UInt8(index % 26)))
        let device = "vd" + letter + (index < 26 ? "" : String(index / 26))
        let labels = [("device", device)]
        specs = [
            SeriesSpec(name: "node_disk_io_time_seconds_total", labels: labels, format: .decimals(3)),
            SeriesSpec(name: "node_disk_read_bytes_total", labels: labels, format: .integer),
            SeriesSpec(name: "node_disk_reads_completed_total", labels: labels, format: .integer),
            SeriesSpec(name: "node_disk_writes_completed_total", labels: labels, format: .integer),
            SeriesSpec(name: "node_disk_written_bytes_total", labels: labels, format: .integer),
        ]
        readRate = rng.logNormal(median: index == 0 ? 3 : 0.5, sigma: 1)
        writeRate = rng.logNormal(median: index == 0 ? 12 : 2, sigma: 1)
        reads = Int64(uptimeSeconds * readRate)
        writes = Int64(uptimeSeconds * writeRate)
        readBytes = reads * 16 * 512
        writtenBytes = writes * 24 * 512
        ioMillis = Int64(uptimeSeconds * 3)
    }

    mutating func scrape(_ rng: inout SeededRandom, _ c: ScrapeContext, into values: inout [Double], at o: Int) {
        let activity = 0.3 + c.utilization
        let r = rng.chance(0.4) ? rng.poisson(readRate * c.intervalSeconds * activity * 2) : 0
        let w = rng.poisson(writeRate * c.intervalSeconds * activity)
        reads += Int64(r)
        writes += Int64(w)
        readBytes += Int64(r) * 512 * rng.integer(8...64)
        writtenBytes += Int64(w) * 512 * rng.integer(8...32)
        ioMillis += min(Int64(Double(r + w) * rng.logNormal(median: 0.4, sigma: 0.5)), Int64(c.intervalSeconds * 1000))
        values[o + 0] = ValueFormat.decimals(3).value(scaled: ioMillis)
        values[o + 1] = Double(readBytes)
        values[o + 2] = Double(reads)
        values[o + 3] = Double(writes)
        values[o + 4] = Double(writtenBytes)
    }
}

// MARK: - network

/// `node_network_{receive,transmit}_{bytes,packets}_total`.
struct NetworkGroup: SeriesGroup {
    static let devices = ["eth0", "lo", "eth1", "docker0", "ens4", "virbr0"]
    let specs: [SeriesSpec]
    var rxBytes: Int64, rxPackets: Int64, txBytes: Int64, txPackets: Int64
    let rate: Double, packetSize: Double

    init(_ rng: inout SeededRandom, index: Int, uptimeSeconds: Double) {
        let name = index < Self.devices.count ? Self.devices[index] : "veth\(index)"
        let labels = [("device", name)]
        specs = [
            SeriesSpec(name: "node_network_receive_bytes_total", labels: labels, format: .integer),
            SeriesSpec(name: "node_network_receive_packets_total", labels: labels, format: .integer),
            SeriesSpec(name: "node_network_transmit_bytes_total", labels: labels, format: .integer),
            SeriesSpec(name: "node_network_transmit_packets_total", labels: labels, format: .integer),
        ]
        rate = rng.logNormal(median: index == 0 ? 200 : 20, sigma: 1)
        packetSize = rng.uniform(200...1_200)
        rxPackets = Int64(uptimeSeconds * rate)
        txPackets = Int64(uptimeSeconds * rate * 0.8)
        rxBytes = Int64(Double(rxPackets) * packetSize)
        txBytes = Int64(Double(txPackets) * packetSize * 0.7)
    }

    mutating func scrape(_ rng: inout SeededRandom, _ c: ScrapeContext, into values: inout [Double], at o: Int) {
        let activity = 0.5 + c.utilization
        let rx = Int64(rng.logNormal(median: rate * c.intervalSeconds * activity, sigma: 0.4))
        let tx = Int64(rng.logNormal(median: rate * c.intervalSeconds * activity * 0.8, sigma: 0.4))
        rxPackets += rx
        txPackets += tx
        rxBytes += Int64(Double(rx) * rng.logNormal(median: packetSize, sigma: 0.2))
        txBytes += Int64(Double(tx) * rng.logNormal(median: packetSize * 0.7, sigma: 0.2))
        values[o + 0] = Double(rxBytes)
        values[o + 1] = Double(rxPackets)
        values[o + 2] = Double(txBytes)
        values[o + 3] = Double(txPackets)
    }
}

// MARK: - HTTP histogram

/// `http_request_duration_seconds{_bucket,_count,_sum}` of one handler: cumulative bucket
/// counters (idle handlers stay flat for long stretches) and a float sum.
struct HistogramGroup: SeriesGroup {
    static let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, .infinity]
    static let boundLabels = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]
    static let handlers = ["/api/v1/query", "/api/v1/query_range", "/metrics", "/-/healthy", "/api/v1/series", "/api/v1/labels", "/api/v1/vms", "/api/jobs"]
    let specs: [SeriesSpec]
    var buckets: [Int64]
    var sum: Double
    let rate: Double
    let median: Double

    init(_ rng: inout SeededRandom, index: Int) {
        let handler = index < Self.handlers.count ? Self.handlers[index] : "/api/v\(index)"
        specs = Self.boundLabels.map {
            SeriesSpec(name: "http_request_duration_seconds_bucket", labels: [("handler", handler), ("le", $0)], format: .integer)
        } + [
            SeriesSpec(name: "http_request_duration_seconds_count", labels: [("handler", handler)], format: .integer),
            SeriesSpec(name: "http_request_duration_seconds_sum", labels: [("handler", handler)], format: .float),
        ]
        rate = rng.logNormal(median: index == 2 ? 0.07 : 0.3, sigma: 1.2)
        median = rng.logNormal(median: 0.02, sigma: 0.8)
        let start = Int64(rng.uniform(1_000...100_000) * rate)
        buckets = Self.bounds.map { _ in 0 }
        sum = 0
        for _ in 0..<min(start, 2_000) { observe(rng.logNormal(median: median, sigma: 1)) }
    }

    private mutating func observe(_ duration: Double) {
        for i in buckets.indices where duration <= Self.bounds[i] { buckets[i] += 1 }
        sum += duration
    }

    mutating func scrape(_ rng: inout SeededRandom, _ c: ScrapeContext, into values: inout [Double], at o: Int) {
        for _ in 0..<rng.poisson(rate * c.intervalSeconds) { observe(rng.logNormal(median: median, sigma: 1)) }
        for i in buckets.indices { values[o + i] = Double(buckets[i]) }
        values[o + buckets.count] = Double(buckets[buckets.count - 1])
        values[o + buckets.count + 1] = sum
    }
}

// MARK: - collector timings

/// `node_scrape_collector_{duration_seconds,success}{collector}`: a noisy float and a 1.
struct CollectorGroup: SeriesGroup {
    static let names = ["cpu", "diskstats", "filesystem", "loadavg", "meminfo", "netdev", "stat", "time", "uname", "vmstat", "hwmon", "netstat"]
    let specs: [SeriesSpec]
    let median: Double

    init(_ rng: inout SeededRandom, index: Int) {
        let name = index < Self.names.count ? Self.names[index] : "collector\(index)"
        specs = [
            SeriesSpec(name: "node_scrape_collector_duration_seconds", labels: [("collector", name)], format: .float),
            SeriesSpec(name: "node_scrape_collector_success", labels: [("collector", name)], format: .integer),
        ]
        median = rng.logNormal(median: 0.0008, sigma: 1)
    }

    mutating func scrape(_ rng: inout SeededRandom, _ c: ScrapeContext, into values: inout [Double], at o: Int) {
        values[o] = rng.logNormal(median: median, sigma: 0.35)
        values[o + 1] = 1
    }
}
