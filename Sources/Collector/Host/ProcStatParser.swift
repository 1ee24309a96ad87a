import TSDB

/// What the host collector uses of `/proc/stat`.
struct ProcStat: Equatable, Sendable {
    struct CPU: Equatable, Sendable {
        /// The number after `cpu`, as node-exporter's `cpu` label spells it: `"0"`.
        var id: String
        /// user, nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice — in
        /// USER_HZ ticks; older kernels list fewer (at least the first four).
        var ticks: [UInt64]
    }

    var cpus: [CPU] = []
    var bootTime: UInt64?
    var contextSwitches: UInt64?
    var interrupts: UInt64?
    var forks: UInt64?
    var procsRunning: UInt64?
    var procsBlocked: UInt64?
}

/// Parses `/proc/stat`. The aggregate `cpu` line is skipped (node-exporter reports only
/// per-CPU series); lines it does not know (`softirq`, `page`, …) are ignored.
struct ProcStatParser {
    static let file = "/proc/stat"

    static func parse(_ text: some StringProtocol) throws(HostCollectorError) -> ProcStat {
        var stat = ProcStat()
        for (number, line) in ProcText.lines(text) {
            let head = ProcText.fields(line, maxSplits: 1)
            guard let key = head.first else { continue }
            if key.hasPrefix("cpu") {
                let id = key.dropFirst(3)
                if id.isEmpty { continue }  // the all-CPUs line
                // Not a `cpuN` line: no such key exists today; skip it as any unknown key.
                guard id.utf8.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else { continue }
                let values = head.count > 1 ? ProcText.fields(head[1]) : []
                guard values.count >= 4 else {
                    throw HostCollectorError(
                        file: file, line: number,
                        reason: "\(key) has \(values.count) values, expected at least 4 (user nice system idle)")
                }
                var ticks: [UInt64] = []
                ticks.reserveCapacity(min(values.count, CPUMode.all.count))
                for (index, field) in values.prefix(CPUMode.all.count).enumerated() {
                    ticks.append(try ProcText.counter(field, "\(key) value \(index + 1)", file: file, line: number))
                }
                stat.cpus.append(ProcStat.CPU(id: String(id), ticks: ticks))
                continue
            }
            let target: WritableKeyPath<ProcStat, UInt64?>
            switch key {
            case "btime": target = \.bootTime
            case "ctxt": target = \.contextSwitches
            case "intr": target = \.interrupts
            case "processes": target = \.forks
            case "procs_running": target = \.procsRunning
            case "procs_blocked": target = \.procsBlocked
            default: continue
            }
            // `intr` is followed by one count per interrupt source; only the total is used.
            guard head.count > 1, let first = ProcText.fields(head[1], maxSplits: 1).first else {
                throw HostCollectorError(file: file, line: number, reason: "\(key) has no value")
            }
            stat[keyPath: target] = try ProcText.counter(first, String(key), file: file, line: number)
        }
        return stat
    }
}

/// The columns of a `cpuN` line, as node-exporter's `mode` label names them.
enum CPUMode {
    static let all = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"]
    /// The first eight go to `node_cpu_seconds_total`; guest time (already included in
    /// user and nice) goes to `node_cpu_guest_seconds_total` as modes `user` and `nice`.
    static let secondsModes = 8
}

extension ProcStat {
    func appendCPUSamples(to samples: inout [HostSample], ticksPerSecond: Double) {
        for cpu in cpus {
            for (index, ticks) in cpu.ticks.enumerated() {
                let seconds = Double(ticks) / ticksPerSecond
                if index < CPUMode.secondsModes {
                    samples.append(HostSample(
                        "node_cpu_seconds_total", [Label("cpu", cpu.id), Label("mode", CPUMode.all[index])], seconds))
                } else {
                    let mode = index == CPUMode.secondsModes ? "user" : "nice"
                    samples.append(HostSample(
                        "node_cpu_guest_seconds_total", [Label("cpu", cpu.id), Label("mode", mode)], seconds))
                }
            }
        }
    }

    func appendStatSamples(to samples: inout [HostSample]) {
        let values: [(String, UInt64?)] = [
            ("node_boot_time_seconds", bootTime),
            ("node_context_switches_total", contextSwitches),
            ("node_intr_total", interrupts),
            ("node_forks_total", forks),
            ("node_procs_running", procsRunning),
            ("node_procs_blocked", procsBlocked),
        ]
        for (name, value) in values {
            if let value { samples.append(HostSample(name, [], Double(value))) }
        }
    }
}
