import TestSupport
import Foundation
import Testing
import TSDB

@testable import Collector

// MARK: - Fixtures

/// Realistic /proc files of a 4-CPU machine with an NVMe disk, a SATA disk, LVM, loop
/// devices, Docker and snaps — written by hand from the kernel's formats.
enum HostFixture: String, CaseIterable, Sendable, CustomStringConvertible {
    case stat, meminfo, vmstat, loadavg, diskstats, mounts, netdev, pressureCPU, pressureMemory, pressureIO

    var description: String { rawValue }

    /// Where the file lives under a proc root.
    var path: String {
        switch self {
        case .mounts: "self/mounts"
        case .netdev: "net/dev"
        case .pressureCPU: "pressure/cpu"
        case .pressureMemory: "pressure/memory"
        case .pressureIO: "pressure/io"
        default: rawValue
        }
    }

    /// Parses `text` with the parser this file belongs to.
    func parse(_ text: String) throws(HostCollectorError) {
        switch self {
        case .stat: _ = try ProcStatParser.parse(text)
        case .meminfo: _ = try MemInfoParser.parse(text)
        case .vmstat: _ = try VMStatParser.parse(text)
        case .loadavg: _ = try LoadAverageParser.parse(text)
        case .diskstats: _ = try DiskStatsParser.parse(text)
        case .mounts: _ = try MountsParser.parse(text)
        case .netdev: _ = try NetDevParser.parse(text)
        case .pressureCPU, .pressureMemory, .pressureIO: _ = try PressureParser.parse(text)
        }
    }

    var text: String {
        switch self {
        case .stat:
            """
            cpu  61234 1100 23456 3951234 1634 0 1025 48 0 0
            cpu0 12345 67 2345 987654 321 0 89 12 5 1
            cpu1 16000 300 7000 990000 400 0 300 12 0 0
            cpu2 15889 333 7111 986790 413 0 318 12 0 0
            cpu3 17000 400 7000 986790 500 0 318 12 0 0
            intr 62930291 9 0 0 0 0 0 0 0 1 0 0 0 156 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
            ctxt 118457286
            btime 1718000000
            processes 284915
            procs_running 3
            procs_blocked 1
            softirq 23456789 12 3456789 23 456789 234567 0 5678 6789012 0 7890123

            """
        case .meminfo:
            """
            MemTotal:       16303428 kB
            MemFree:         1234568 kB
            MemAvailable:    9876544 kB
            Buffers:          345676 kB
            Cached:          7654320 kB
            SwapCached:         1024 kB
            Active:          6543212 kB
            Inactive:        5432100 kB
            Active(anon):    2345676 kB
            Inactive(anon):   123456 kB
            Active(file):    4197536 kB
            Inactive(file):  5308644 kB
            Unevictable:       16140 kB
            Mlocked:           15152 kB
            SwapTotal:       2097148 kB
            SwapFree:        2000000 kB
            Dirty:               404 kB
            Writeback:             0 kB
            AnonPages:       2400000 kB
            Mapped:           900000 kB
            Shmem:            120000 kB
            KReclaimable:     500000 kB
            Slab:             700000 kB
            SReclaimable:     500000 kB
            SUnreclaim:       200000 kB
            KernelStack:       20000 kB
            PageTables:        40000 kB
            NFS_Unstable:          0 kB
            Bounce:                0 kB
            WritebackTmp:          0 kB
            CommitLimit:    10248860 kB
            Committed_AS:    9000000 kB
            VmallocTotal:   34359738367 kB
            VmallocUsed:       60000 kB
            VmallocChunk:          0 kB
            Percpu:             5000 kB
            HardwareCorrupted:     0 kB
            AnonHugePages:         0 kB
            ShmemHugePages:        0 kB
            ShmemPmdMapped:        0 kB
            FileHugePages:         0 kB
            FilePmdMapped:         0 kB
            HugePages_Total:       4
            HugePages_Free:        3
            HugePages_Rsvd:        0
            HugePages_Surp:        0
            Hugepagesize:       2048 kB
            Hugetlb:            8192 kB
            DirectMap4k:      400000 kB
            DirectMap2M:    12000000 kB
            DirectMap1G:     4194304 kB

            """
        case .vmstat:
            """
            nr_free_pages 3985312
            nr_zone_inactive_anon 30864
            nr_dirty 101
            pgpgin 3267085
            pgpgout 3276540
            pswpin 120
            pswpout 340
            pgalloc_normal 12345678
            pgfault 29655617
            pgmajfault 7360
            pgrefill 0
            oom_kill 2
            workingset_refault_anon 0

            """
        case .loadavg:
            "0.52 0.58 1.59 2/389 12345\n"
        case .diskstats:
            """
               7       0 loop0 103 0 2212 45 0 0 0 0 0 88 45 0 0 0 0 0 0
               1       0 ram0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
               8       0 sda 95284 31620 5836126 47196 168327 147458 14012528 251164 0 186344 317724 0 0 0 0 22617 19363
               8       1 sda1 94900 31620 5826126 47000 168000 147458 14000000 251000 0 186000 317000 0 0 0 0 0 0
             259       0 nvme0n1 258931 77412 17935658 53472 1232085 694913 60102362 1012335 2 603464 1092046 45678 12 9876543 2345 98765 4321
             259       1 nvme0n1p1 312 0 11234 51 2 0 2 0 0 76 51 0 0 0 0 0 0
             259       2 nvme0n1p2 258500 77412 17920000 53400 1232083 694913 60102360 1012335 2 603400 1092000 45678 12 9876543 2345 0 0
             253       0 dm-0 250000 0 17000000 60000 1900000 0 59000000 1500000 0 600000 1560000 45000 0 9800000 2500 0 0
              11       0 sr0 18 0 2056 7 0 0 0 0 0 24 7 0 0 0 0 0 0

            """
        case .mounts:
            #"""
            sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
            proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
            udev /dev devtmpfs rw,nosuid,relatime,size=8147000k,nr_inodes=2036750,mode=755,inode64 0 0
            devpts /dev/pts devpts rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=000 0 0
            tmpfs /run tmpfs rw,nosuid,nodev,noexec,relatime,size=1634456k,mode=755,inode64 0 0
            /dev/nvme0n1p2 / ext4 rw,relatime,errors=remount-ro 0 0
            securityfs /sys/kernel/security securityfs rw,nosuid,nodev,noexec,relatime 0 0
            tmpfs /dev/shm tmpfs rw,nosuid,nodev,inode64 0 0
            cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot 0 0
            cgroup /sys/fs/cgroup/memory cgroup rw,nosuid,nodev,noexec,relatime,memory 0 0
            pstore /sys/fs/pstore pstore rw,nosuid,nodev,noexec,relatime 0 0
            bpf /sys/fs/bpf bpf rw,nosuid,nodev,noexec,relatime,mode=700 0 0
            systemd-1 /proc/sys/fs/binfmt_misc autofs rw,relatime,fd=29,pgrp=1,timeout=0,minproto=5,maxproto=5,direct 0 0
            /dev/loop0 /snap/core20/2264 squashfs ro,nodev,relatime,errors=continue 0 0
            /dev/nvme0n1p1 /boot/efi vfat rw,relatime,fmask=0077,dmask=0077,codepage=437,iocharset=iso8859-1,shortname=mixed,errors=remount-ro 0 0
            /dev/mapper/vg0-data /data xfs rw,relatime,attr2,inode64,logbufs=8,logbsize=32k,noquota 0 0
            /dev/sda1 /mnt/backup\040disk ext4 ro,relatime 0 0
            overlay /var/lib/docker/overlay2/3f1c9e/merged overlay rw,relatime,lowerdir=/var/lib/docker/overlay2/l/ABC:/var/lib/docker/overlay2/l/DEF,upperdir=/var/lib/docker/overlay2/3f1c9e/diff,workdir=/var/lib/docker/overlay2/3f1c9e/work 0 0
            nsfs /run/docker/netns/1a2b3c nsfs rw 0 0
            ramfs /run/credentials/systemd-sysusers.service ramfs ro,nosuid,nodev,noexec,relatime,mode=700 0 0
            tmpfs /run/user/1000 tmpfs rw,nosuid,nodev,relatime,size=1634452k,nr_inodes=408613,mode=700,uid=1000,gid=1000,inode64 0 0
            /dev/nvme0n1p2 / ext4 rw,relatime,errors=remount-ro 0 0

            """#
        case .netdev:
            """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo: 2776770   11307    0    0    0     0          0         0  2776770   11307    0    0    0     0       0          0
              eth0: 1215645    2751    1    2    3     4          5         6  1782404    4324    7    8    9    10      11         12
            wlan0:123456789012 100 0 0 0 0 0 0 987654321 200 0 0 0 0 0 0

            """
        case .pressureCPU:
            """
            some avg10=1.53 avg60=0.87 avg300=0.43 total=123456789
            full avg10=0.00 avg60=0.00 avg300=0.00 total=777

            """
        case .pressureMemory:
            """
            some avg10=0.00 avg60=0.00 avg300=0.00 total=2500000
            full avg10=0.00 avg60=0.00 avg300=0.00 total=1500000

            """
        case .pressureIO:
            """
            some avg10=0.12 avg60=0.10 avg300=0.05 total=30000000
            full avg10=0.10 avg60=0.08 avg300=0.04 total=20000000

            """
        }
    }
}

// MARK: - Helpers

/// A proc root in a fresh temporary directory, holding `files` (path → text).
private struct FixtureRoot: ~Copyable {
    let path: String

    init(_ files: [String: String] = Dictionary(uniqueKeysWithValues: HostFixture.allCases.map { ($0.path, $0.text) })) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("sextant-host-\(UUID().uuidString)")
        path = base.path
        for (relative, text) in files {
            let url = base.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: false, encoding: .utf8)
        }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Fixed filesystem sizes; `/data` fails as an unreachable mount would.
@Sendable
private func fixtureStatfs(_ mountPoint: String) throws(HostCollectorError) -> FilesystemUsage {
    switch mountPoint {
    case "/data": throw HostCollectorError(file: mountPoint, reason: "statvfs: Input/output error")
    case "/": return FilesystemUsage(blocks: 1000, blocksFree: 400, blocksAvailable: 350, blockSize: 4096, files: 65536, filesFree: 60000)
    default: return FilesystemUsage(blocks: 10, blocksFree: 5, blocksAvailable: 5, blockSize: 1024, files: 100, filesFree: 90)
    }
}

private let fixtureUname = UnameInfo(
    sysname: "Linux", nodename: "db-1", release: "6.8.0-45-generic",
    version: "#45-Ubuntu SMP PREEMPT_DYNAMIC Fri Aug 30 12:02:04 UTC 2024", machine: "x86_64", domainname: "(none)")

private func fixtureCollector(_ root: borrowing FixtureRoot, ticksPerSecond: Double = 100) -> HostCollector {
    HostCollector(procRoot: root.path, ticksPerSecond: ticksPerSecond, statFilesystem: fixtureStatfs, uname: { fixtureUname })
}

private func series(_ name: String, _ labels: [String: String] = [:]) -> Labels {
    var all = labels
    all[Labels.metricName] = name
    return Labels(all)
}

fileprivate extension HostSnapshot {
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let wanted = series(name, labels)
        return samples.first { $0.labels == wanted }?.value
    }

    func named(_ name: String) -> [HostSample] {
        samples.filter { $0.labels.metricName == name }
    }

    /// The values of `label` across the series called `name`.
    func labelValues(_ name: String, _ label: String) -> Set<String> {
        Set(named(name).compactMap { $0.labels[label] })
    }
}

/// An appender that keeps what it is given, hands out refs, and refuses one metric name.
private struct RecordingAppender: Appender {
    var appended: [(ref: SeriesRef, labels: Labels, timestamp: Int64, value: Double)] = []
    var refs: [Labels: SeriesRef] = [:]
    var refuse: String?

    mutating func append(_ ref: SeriesRef, _ labels: Labels, _ timestamp: Int64, _ value: Double) throws(AppendError) -> SeriesRef {
        if labels.metricName == refuse { throw .duplicateTimestamp(labels, timestamp: timestamp) }
        do throws(LabelError) {
            _ = try labels.validated()
        } catch {
            throw .invalidLabels(labels, error)
        }
        appended.append((ref, labels, timestamp, value))
        if let known = refs[labels] { return known }
        let new = SeriesRef(UInt64(refs.count + 1))
        refs[labels] = new
        return new
    }

    mutating func commit() throws(StorageError) -> Int { appended.count }
    mutating func rollback() { appended.removeAll() }
}

/// A move-only appender, to show `write` takes non-copyable ones too.
private struct CountingAppender: Appender, ~Copyable {
    var count = 0
    mutating func append(_ ref: SeriesRef, _ labels: Labels, _ timestamp: Int64, _ value: Double) throws(AppendError) -> SeriesRef {
        count += 1
        return ref
    }
    mutating func commit() throws(StorageError) -> Int { count }
    mutating func rollback() { count = 0 }
}


// MARK: - Parsers

struct ProcStatParserTests {
    @Test func parsesPerCPUTicksAndKernelCounters() throws {
        let stat = try ProcStatParser.parse(HostFixture.stat.text)
        #expect(stat.cpus.map(\.id) == ["0", "1", "2", "3"])
        #expect(stat.cpus[0].ticks == [12345, 67, 2345, 987654, 321, 0, 89, 12, 5, 1])
        #expect(stat.bootTime == 1_718_000_000)
        #expect(stat.contextSwitches == 118_457_286)
        #expect(stat.interrupts == 62_930_291)
        #expect(stat.forks == 284_915)
        #expect(stat.procsRunning == 3)
        #expect(stat.procsBlocked == 1)
    }

    @Test func olderKernelsWithFewerColumnsParse() throws {
        let stat = try ProcStatParser.parse("cpu  1 2 3 4\ncpu0 10 20 30 40\n")
        #expect(stat.cpus == [ProcStat.CPU(id: "0", ticks: [10, 20, 30, 40])])
    }

    static let malformed: [(text: String, line: Int, reason: String)] = [
        ("cpu0 1 2 3\n", 1, "expected at least 4"),
        ("cpu0 1 2 x 4\n", 1, "not a non-negative integer"),
        ("cpu0 1 2 3 4\ncpu1 1 -2 3 4\n", 2, "not a non-negative integer"),
        ("ctxt\n", 1, "has no value"),
        ("btime soon\n", 1, "not a non-negative integer"),
        ("cpu0\n", 1, "has 0 values"),
    ]

    @Test(arguments: malformed)
    func malformedLinesAreRejectedWithTheirLine(text: String, line: Int, reason: String) {
        #expect {
            _ = try ProcStatParser.parse(text)
        } throws: { error in
            guard let error = error as? HostCollectorError else { return false }
            return error.file == "/proc/stat" && error.line == line && error.reason.contains(reason)
        }
    }
}

struct MemInfoParserTests {
    static let names: [(line: String, name: String, value: Double)] = [
        ("MemTotal:       16303428 kB", "node_memory_MemTotal_bytes", 16_694_710_272),
        ("Active(anon):    2345676 kB", "node_memory_Active_anon_bytes", 2_401_972_224),
        ("Inactive(file):  5308644 kB", "node_memory_Inactive_file_bytes", 5_436_051_456),
        ("Committed_AS:    9000000 kB", "node_memory_Committed_AS_bytes", 9_216_000_000),
        ("HugePages_Total:       4", "node_memory_HugePages_Total", 4),
        ("Hugepagesize:       2048 kB", "node_memory_Hugepagesize_bytes", 2_097_152),
        ("DirectMap1G:     4194304 kB", "node_memory_DirectMap1G_bytes", 4_294_967_296),
    ]

    @Test(arguments: names)
    func namesAndUnitsFollowNodeExporter(line: String, name: String, value: Double) throws {
        let entries = try MemInfoParser.parse(line)
        var samples: [HostSample] = []
        entries.appendSamples(to: &samples)
        #expect(samples == [HostSample(name, [], value)])
    }

    @Test(arguments: ["MemTotal 100 kB", "MemTotal: lots kB", "MemTotal: 100 MB", "MemTotal: 100 kB extra", ": 5"])
    func malformedLinesThrow(line: String) {
        #expect(throws: HostCollectorError.self) { try MemInfoParser.parse("MemFree: 1 kB\n" + line + "\n") }
    }
}

struct DiskStatsParserTests {
    @Test func countersKeepTheKernelsOrder() throws {
        let disks = try DiskStatsParser.parse(HostFixture.diskstats.text)
        #expect(disks.map(\.device) == ["loop0", "ram0", "sda", "sda1", "nvme0n1", "nvme0n1p1", "nvme0n1p2", "dm-0", "sr0"])
        #expect(disks.allSatisfy { $0.counters.count == 17 })
        #expect(disks[4].major == 259 && disks[4].minor == 0)
    }

    /// 11 counters before 4.18, 15 with discards, 17 with flushes: series exist only for
    /// the counters the kernel reports.
    @Test(arguments: [(11, 11), (15, 15), (17, 17), (18, 17)])
    func olderAndNewerKernelFormats(counters: Int, series: Int) throws {
        let line = "   8       0 sda " + (1...counters).map(String.init).joined(separator: " ")
        let disks = try DiskStatsParser.parse(line)
        var samples: [HostSample] = []
        disks[0].appendSamples(to: &samples)
        #expect(samples.count == series + 1)  // + node_disk_info
    }

    @Test(arguments: ["   8 0 sda 1 2 3 4 5 6 7 8 9 10", "   8 0 sda 1 2 3 4 5 6 7 8 9 10 x", "x 0 sda 1 2 3 4 5 6 7 8 9 10 11"])
    func malformedLinesThrow(line: String) {
        #expect(throws: HostCollectorError.self) { try DiskStatsParser.parse(line) }
    }
}

struct MountsParserTests {
    @Test(arguments: [
        (#"/mnt/backup\040disk"#, "/mnt/backup disk"),
        (#"/mnt/a\011b"#, "/mnt/a\tb"),
        (#"/mnt/a\012b"#, "/mnt/a\nb"),
        (#"/mnt/back\134slash"#, #"/mnt/back\slash"#),
        (#"/mnt/trailing\04"#, #"/mnt/trailing\04"#),
        (#"/mnt/not\999octal"#, #"/mnt/not\999octal"#),
        (#"/plain"#, "/plain"),
    ])
    func kernelEscapesAreDecoded(field: String, expected: String) {
        #expect(MountsParser.unescape(Substring(field)) == expected)
    }

    @Test func readOnlyComesFromTheOptions() throws {
        let mounts = try MountsParser.parse("/dev/sda1 /a ext4 ro,relatime 0 0\n/dev/sda2 /b ext4 rw,errors=remount-ro 0 0\n")
        #expect(mounts.map(\.isReadOnly) == [true, false])
    }

    @Test func shortLinesThrow() {
        #expect(throws: HostCollectorError.self) { try MountsParser.parse("/dev/sda1 / ext4\n") }
    }
}

struct NetDevParserTests {
    @Test func headerSkippedAndGluedCountersSplit() throws {
        let interfaces = try NetDevParser.parse(HostFixture.netdev.text)
        #expect(interfaces.map(\.device) == ["lo", "eth0", "wlan0"])
        #expect(interfaces[1].counters == [1_215_645, 2751, 1, 2, 3, 4, 5, 6, 1_782_404, 4324, 7, 8, 9, 10, 11, 12])
        #expect(interfaces[2].counters[0] == 123_456_789_012)
    }

    @Test(arguments: ["eth0 1 2 3", "eth0: 1 2 3", ": 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16", "eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 x"])
    func malformedLinesThrow(line: String) {
        #expect(throws: HostCollectorError.self) { try NetDevParser.parse(line) }
    }
}

struct PressureParserTests {
    @Test func someAndFullTotals() throws {
        let totals = try PressureParser.parse(HostFixture.pressureIO.text)
        #expect(totals == PressureTotals(some: 30_000_000, full: 20_000_000))
    }

    /// Kernels before 5.13 have no `full` line for CPU.
    @Test func someAlone() throws {
        #expect(try PressureParser.parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=42\n") == PressureTotals(some: 42, full: nil))
    }

    @Test(arguments: ["most avg10=0 total=1", "some avg10=0.00", "some total=-1", "full total=lots"])
    func malformedLinesThrow(line: String) {
        #expect(throws: HostCollectorError.self) { try PressureParser.parse(line) }
    }
}

struct LoadAverageAndVMStatParserTests {
    @Test func loadAverage() throws {
        #expect(try LoadAverageParser.parse(HostFixture.loadavg.text) == LoadAverage(load1: 0.52, load5: 0.58, load15: 1.59))
    }

    @Test(arguments: ["", "0.5 0.6", "0.5 nan 0.7 1/2 3", "a b c"])
    func malformedLoadAverageThrows(text: String) {
        #expect(throws: HostCollectorError.self) { try LoadAverageParser.parse(text) }
    }

    @Test func vmstatKeepsOnlyTheSelectedFields() throws {
        let keep = HostFilters.nodeExporter.vmstatFields
        let entries = try VMStatParser.parse(HostFixture.vmstat.text, keep: keep.matches)
        #expect(entries.map(\.name) == ["pgpgin", "pgpgout", "pswpin", "pswpout", "pgfault", "pgmajfault", "oom_kill"])
    }

    @Test(arguments: ["pswpin", "pswpin 1 2", "pswpin lots"])
    func malformedVMStatThrows(line: String) {
        #expect(throws: HostCollectorError.self) { try VMStatParser.parse("pgpgin 1\n" + line + "\n") }
    }
}

/// A truncated or corrupted /proc file must parse or throw — never trap.
struct ParserRobustnessTests {
    @Test(arguments: HostFixture.allCases)
    func everyPrefixParsesOrThrows(fixture: HostFixture) {
        let text = fixture.text
        var index = text.startIndex
        while true {
            _ = try? fixture.parse(String(text[..<index]))
            guard index < text.endIndex else { break }
            index = text.index(after: index)
        }
    }

    @Test(arguments: HostFixture.allCases)
    func randomCorruptionParsesOrThrows(fixture: HostFixture) {
        var random = SplitMix64(state: 0x5EC7_A27 ^ UInt64(fixture.rawValue.utf8.count))
        let replacements: [Character] = [" ", "\n", ":", "-", "x", "9", "(", "\t", "\\", "|", "="]
        for _ in 0..<300 {
            var characters = Array(fixture.text)
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let position = Int.random(in: 0..<characters.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: characters.remove(at: position)
                case 1: characters[position] = replacements.randomElement(using: &random)!
                default: characters.insert(replacements.randomElement(using: &random)!, at: position)
                }
            }
            _ = try? fixture.parse(String(characters))
        }
    }
}

// MARK: - Filters

struct HostFilterTests {
    @Test(arguments: [
        ("sda", false), ("sda1", true), ("vdb2", true), ("xvda", false), ("xvda1", true), ("hda3", true),
        ("nvme0n1", false), ("nvme0n1p1", true), ("nvme10n2p12", true), ("loop0", true), ("loop12", true),
        ("ram0", true), ("fd0", true), ("dm-0", false), ("md127", false), ("sr0", false), ("zram0", false),
        ("mmcblk0", false), ("mmcblk0p1", false),
    ])
    func diskDevicesExclude(device: String, excluded: Bool) {
        #expect(HostFilters.nodeExporter.diskDevicesExclude.matches(device) == excluded)
    }

    @Test(arguments: [
        ("/", false), ("/home", false), ("/dev", true), ("/dev/shm", true), ("/devices", false),
        ("/proc", true), ("/proc/sys/fs/binfmt_misc", true), ("/sys", true), ("/sys/fs/cgroup", true),
        ("/run", false), ("/run/credentials/systemd-journald.service", true), ("/run/credentials", false),
        ("/var/lib/docker", false), ("/var/lib/docker/overlay2/abc/merged", true),
        ("/var/lib/containers/storage/overlay", true), ("/var/lib/kubelet", false),
    ])
    func mountPointsExclude(mountPoint: String, excluded: Bool) {
        #expect(HostFilters.nodeExporter.mountPointsExclude.matches(mountPoint) == excluded)
    }

    @Test(arguments: [
        ("ext4", false), ("xfs", false), ("btrfs", false), ("vfat", false), ("tmpfs", false), ("nfs4", false),
        ("fuse.sshfs", false), ("zfs", false), ("cgroup", true), ("cgroup2", true), ("cgroup3", false),
        ("overlay", true), ("squashfs", true), ("nsfs", true), ("proc", true), ("sysfs", true),
        ("devtmpfs", true), ("devpts", true), ("autofs", true), ("bpf", true), ("tracefs", true),
        ("iso9660", true), ("selinuxfs", true), ("mqueue", true), ("hugetlbfs", true),
    ])
    func filesystemTypesExclude(type: String, excluded: Bool) {
        #expect(HostFilters.nodeExporter.filesystemTypesExclude.matches(type) == excluded)
    }

    @Test func invalidPatternIsRefused() {
        #expect(throws: HostPatternError.self) { try HostPattern("(unclosed") }
    }

    @Test func memoisedDecisionsStayCorrect() throws {
        let pattern = try HostPattern("^a")
        for _ in 0..<3 {
            #expect(pattern.matches("abc"))
            #expect(!pattern.matches("cba"))
        }
    }
}

// MARK: - The collector on a fixture root

struct HostCollectorFixtureTests {
    @Test(arguments: [100.0, 250.0, 1000.0])
    func cpuTicksBecomeSeconds(ticksPerSecond: Double) throws {
        let root = try FixtureRoot()
        let snapshot = fixtureCollector(root, ticksPerSecond: ticksPerSecond).collect(at: 0)
        #expect(snapshot.value("node_cpu_seconds_total", ["cpu": "0", "mode": "user"]) == 12345 / ticksPerSecond)
        #expect(snapshot.value("node_cpu_seconds_total", ["cpu": "0", "mode": "idle"]) == 987_654 / ticksPerSecond)
        #expect(snapshot.value("node_cpu_seconds_total", ["cpu": "3", "mode": "steal"]) == 12 / ticksPerSecond)
        #expect(snapshot.value("node_cpu_guest_seconds_total", ["cpu": "0", "mode": "user"]) == 5 / ticksPerSecond)
        #expect(snapshot.value("node_cpu_guest_seconds_total", ["cpu": "0", "mode": "nice"]) == 1 / ticksPerSecond)
    }

    @Test func cpuSeriesAreOnePerCPUAndMode() throws {
        let root = try FixtureRoot()
        let snapshot = fixtureCollector(root).collect(at: 0)
        let cpu = snapshot.named("node_cpu_seconds_total")
        #expect(cpu.count == 4 * 8)
        #expect(snapshot.labelValues("node_cpu_seconds_total", "cpu") == ["0", "1", "2", "3"])
        #expect(snapshot.labelValues("node_cpu_seconds_total", "mode")
            == ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"])
        #expect(cpu.allSatisfy { $0.labels.count == 3 })
    }

    @Test func kernelCountersLoadAndTime() throws {
        let root = try FixtureRoot()
        let snapshot = fixtureCollector(root).collect(at: 1_718_000_123_456)
        #expect(snapshot.value("node_boot_time_seconds") == 1_718_000_000)
        #expect(snapshot.value("node_context_switches_total") == 118_457_286)
        #expect(snapshot.value("node_intr_total") == 62_930_291)
        #expect(snapshot.value("node_forks_total") == 284_915)
        #expect(snapshot.value("node_procs_running") == 3)
        #expect(snapshot.value("node_procs_blocked") == 1)
        #expect(snapshot.value("node_load1") == 0.52)
        #expect(snapshot.value("node_load5") == 0.58)
        #expect(snapshot.value("node_load15") == 1.59)
        #expect(snapshot.value("node_time_seconds") == 1_718_000_123.456)
        #expect(snapshot.errors.isEmpty)
    }

    @Test func memoryAndSwap() throws {
        let root = try FixtureRoot()
        let snapshot = fixtureCollector(root).collect(at: 0)
        #expect(snapshot.value("node_memory_MemTotal_bytes") == 16_694_710_272)
        #expect(snapshot.value("node_memory_MemAvailable_bytes") == 10_113_581_056)
        #expect(snapshot.value("node_memory_Active_anon_bytes") == 2_401_972_224)
        #expect(snapshot.value("node_memory_SwapTotal_bytes") == 2_147_479_552)
        #expect(snapshot.value("node_memory_SwapFree_bytes") == 2_048_000_000)
        #expect(snapshot.value("node_memory_HugePages_Total") == 4)
        #expect(snapshot.value("node_memory_HugePages_Total_bytes") == nil)
        let memoryLines = HostFixture.meminfo.text.split(separator: "\n").count
        #expect(snapshot.samples.filter { $0.labels.metricName!.hasPrefix("node_memory_") }.count == memoryLines)
        #expect(snapshot.value("node_vmstat_pswpin") == 120)
        #expect(snapshot.value("node_vmstat_pswpout") == 340)
        #expect(snapshot.value("node_vmstat_pgmajfault") == 7360)
        #expect(snapshot.value("node_vmstat_oom_kill") == 2)
        #expect(snapshot.value("node_vmstat_nr_free_pages") == nil)
    }

    @Test func disksIgnoreLoopRamAndPartitions() throws {
        let root = try FixtureRoot()
        let snapshot = fixtureCollector(root).collect(at: 0)
        #expect(snapshot.labelValues("node_disk_reads_completed_total", "device") == ["sda", "nvme0n1", "dm-0", "sr0"])
        #expect(snapshot.value("node_disk_info", ["device": "nvme0n1", "major": "259", "minor": "0"]) == 1)
        let nvme = ["device": "nvme0n1"]
        let expected: [(String, Double)] = [
            ("node_disk_reads_completed_total", 258_931),
            ("node_disk_reads_merged_total", 77412),
            ("node_disk_read_bytes_total", 17_935_658 * 512),
            ("node_disk_read_time_seconds_total", 53.472),
            ("node_disk_writes_completed_total", 1_232_085),
            ("node_disk_writes_merged_total", 694_913),
            ("node_disk_written_bytes_total", 60_102_362 * 512),
            ("node_disk_write_time_seconds_total", 1012.335),
            ("node_disk_io_now", 2),
            ("node_disk_io_time_seconds_total", 603.464),
            ("node_disk_io_time_weighted_seconds_total", 1092.046),
            ("node_disk_discards_completed_total", 45678),
            ("node_disk_discards_merged_total", 12),
            ("node_disk_discarded_sectors_total", 9_876_543),
            ("node_disk_discard_time_seconds_total", 2.345),
            ("node_disk_flush_requests_total", 98765),
            ("node_disk_flush_requests_time_seconds_total", 4.321),
        ]
        for (name, value) in expected {
            #expect(snapshot.value(name, nvme) == value, "\(name)")
        }
    }

    @Test func filesystemsExcludePseudoMounts() throws {
        let root = try FixtureRoot()
        let snapshot = fixtureCollector(root).collect(at: 0)
        #expect(snapshot.labelValues("node_filesystem_device_error", "mountpoint")
            == ["/run", "/", "/boot/efi", "/data", "/mnt/backup disk", "/run/user/1000"])
        // The duplicate `/` line yields one set of series.
        #expect(snapshot.named("node_filesystem_size_bytes").filter { $0.labels["mountpoint"] == "/" }.count == 1)

        let rootLabels = ["device": "/dev/nvme0n1p2", "fstype": "ext4", "mountpoint": "/"]
        #expect(snapshot.value("node_filesystem_size_bytes", rootLabels) == 4_096_000)
        #expect(snapshot.value("node_filesystem_free_bytes", rootLabels) == 1_638_400)
        #expect(snapshot.value("node_filesystem_avail_bytes", rootLabels) == 1_433_600)
        #expect(snapshot.value("node_filesystem_files", rootLabels) == 65536)
        #expect(snapshot.value("node_filesystem_files_free", rootLabels) == 60000)
        #expect(snapshot.value("node_filesystem_readonly", rootLabels) == 0)
        #expect(snapshot.value("node_filesystem_device_error", rootLabels) == 0)

        let backup = ["device": "/dev/sda1", "fstype": "ext4", "mountpoint": "/mnt/backup disk"]
        #expect(snapshot.value("node_filesystem_readonly", backup) == 1)
    }

    /// An unreachable mount reports `device_error 1` and its read-only flag, no sizes, and
    /// is not a collection error.
    @Test func statfsFailureIsADeviceError() throws {
        let root = try FixtureRoot()
        let snapshot = fixtureCollector(root).collect(at: 0)
        let data = ["device": "/dev/mapper/vg0-data", "fstype": "xfs", "mountpoint": "/data"]
        #expect(snapshot.value("node_filesystem_device_error", data) == 1)
        #expect(snapshot.value("node_filesystem_readonly", data) == 0)
        #expect(snapshot.value("node_filesystem_size_bytes", data) == nil)
        #expect(snapshot.value("node_filesystem_avail_bytes", data) == nil)
        #expect(snapshot.errors.isEmpty)
    }

    @Test func networkInterfaces() throws {
        let root = try FixtureRoot()
        let snapshot = fixtureCollector(root).collect(at: 0)
        #expect(snapshot.labelValues("node_network_receive_bytes_total", "device") == ["lo", "eth0", "wlan0"])
        let eth0 = ["device": "eth0"]
        let expected: [(String, Double)] = [
            ("node_network_receive_bytes_total", 1_215_645), ("node_network_receive_packets_total", 2751),
            ("node_network_receive_errs_total", 1), ("node_network_receive_drop_total", 2),
            ("node_network_receive_fifo_total", 3), ("node_network_receive_frame_total", 4),
            ("node_network_receive_compressed_total", 5), ("node_network_receive_multicast_total", 6),
            ("node_network_transmit_bytes_total", 1_782_404), ("node_network_transmit_packets_total", 4324),
            ("node_network_transmit_errs_total", 7), ("node_network_transmit_drop_total", 8),
            ("node_network_transmit_fifo_total", 9), ("node_network_transmit_colls_total", 10),
            ("node_network_transmit_carrier_total", 11), ("node_network_transmit_compressed_total", 12),
        ]
        for (name, value) in expected {
            #expect(snapshot.value(name, eth0) == value, "\(name)")
        }
        #expect(snapshot.value("node_network_receive_bytes_total", ["device": "wlan0"]) == 123_456_789_012)
    }

    @Test func pressureStallTotalsInSeconds() throws {
        let root = try FixtureRoot()
        let snapshot = fixtureCollector(root).collect(at: 0)
        #expect(snapshot.value("node_pressure_cpu_waiting_seconds_total") == 123.456789)
        #expect(snapshot.value("node_pressure_memory_waiting_seconds_total") == 2.5)
        #expect(snapshot.value("node_pressure_memory_stalled_seconds_total") == 1.5)
        #expect(snapshot.value("node_pressure_io_waiting_seconds_total") == 30)
        #expect(snapshot.value("node_pressure_io_stalled_seconds_total") == 20)
        // node-exporter 1.5 has no CPU "full" series.
        #expect(snapshot.named("node_pressure_cpu_stalled_seconds_total").isEmpty)
    }

    @Test func unameInfo() throws {
        let root = try FixtureRoot()
        let snapshot = fixtureCollector(root).collect(at: 0)
        #expect(snapshot.value("node_uname_info", [
            "sysname": "Linux", "nodename": "db-1", "release": "6.8.0-45-generic",
            "version": "#45-Ubuntu SMP PREEMPT_DYNAMIC Fri Aug 30 12:02:04 UTC 2024", "machine": "x86_64",
            "domainname": "(none)",
        ]) == 1)
    }

    /// The collector builds label sets pre-sorted; they must equal what sorting gives,
    /// and pass the store's validation.
    @Test func everyLabelSetIsSortedAndValid() throws {
        let root = try FixtureRoot()
        let snapshot = fixtureCollector(root).collect(at: 0)
        #expect(snapshot.samples.count > 250)
        for sample in snapshot.samples {
            #expect(sample.labels == Labels(sample.labels.pairs), "\(sample.labels)")
            #expect(throws: Never.self) { try sample.labels.validated() }
        }
        #expect(Set(snapshot.samples.map(\.labels)).count == snapshot.samples.count, "no series twice")
    }

    @Test func sourcesCanBeTurnedOff() throws {
        let root = try FixtureRoot()
        var collector = fixtureCollector(root)
        collector.sources = [.meminfo, .time]
        let names = Set(collector.collect(at: 0).samples.compactMap(\.labels.metricName))
        #expect(names.contains("node_time_seconds"))
        #expect(names.allSatisfy { $0 == "node_time_seconds" || $0.hasPrefix("node_memory_") })
    }
}

// MARK: - Missing and malformed files

struct HostCollectorFailureTests {
    /// The metric that disappears when each file is missing.
    static let dependents: [(HostFixture, String)] = [
        (.stat, "node_cpu_seconds_total"), (.meminfo, "node_memory_MemTotal_bytes"),
        (.vmstat, "node_vmstat_pswpin"), (.loadavg, "node_load1"),
        (.diskstats, "node_disk_read_bytes_total"), (.mounts, "node_filesystem_size_bytes"),
        (.netdev, "node_network_receive_bytes_total"),
    ]

    @Test(arguments: dependents)
    func missingFileDropsOnlyItsSeries(fixture: HostFixture, metric: String) throws {
        var files = Dictionary(uniqueKeysWithValues: HostFixture.allCases.map { ($0.path, $0.text) })
        files[fixture.path] = nil
        let root = try FixtureRoot(files)
        let snapshot = fixtureCollector(root).collect(at: 0)
        #expect(snapshot.named(metric).isEmpty)
        #expect(snapshot.errors == [HostCollectorError(file: root.path + "/" + fixture.path, reason: "no such file")])
        // Everything else is still there.
        for (other, otherMetric) in Self.dependents where other != fixture {
            #expect(!snapshot.named(otherMetric).isEmpty, "\(otherMetric)")
        }
    }

    /// Kernels without PSI have no /proc/pressure: no series and no error.
    @Test func missingPressureIsNotAnError() throws {
        var files = Dictionary(uniqueKeysWithValues: HostFixture.allCases.map { ($0.path, $0.text) })
        for fixture in [HostFixture.pressureCPU, .pressureMemory, .pressureIO] { files[fixture.path] = nil }
        let root = try FixtureRoot(files)
        let snapshot = fixtureCollector(root).collect(at: 0)
        #expect(snapshot.errors.isEmpty)
        #expect(!snapshot.samples.contains { $0.labels.metricName!.hasPrefix("node_pressure_") })
    }

    @Test(arguments: [
        (HostFixture.diskstats, "   8       0 sda 1 2 3\n", 1, "node_disk_io_now"),
        (.stat, "cpu  1 2 3 4\ncpu0 1 2 3 4\ncpu1 1 2\n", 3, "node_cpu_seconds_total"),
        (.meminfo, "MemTotal: 1 kB\nMemFree 2 kB\n", 2, "node_memory_MemTotal_bytes"),
        (.netdev, "Inter-|\n face |\n  eth0: 1 2\n", 3, "node_network_receive_bytes_total"),
        (.pressureMemory, "some avg10=0.00\n", 1, "node_pressure_memory_waiting_seconds_total"),
    ])
    func malformedFileIsReportedWithItsLine(fixture: HostFixture, text: String, line: Int, metric: String) throws {
        var files = Dictionary(uniqueKeysWithValues: HostFixture.allCases.map { ($0.path, $0.text) })
        files[fixture.path] = text
        let root = try FixtureRoot(files)
        let snapshot = fixtureCollector(root).collect(at: 0)
        #expect(snapshot.named(metric).isEmpty)
        try #require(snapshot.errors.count == 1)
        #expect(snapshot.errors[0].file == root.path + "/" + fixture.path)
        #expect(snapshot.errors[0].line == line)
        #expect(!snapshot.named("node_load1").isEmpty)
    }

    @Test func emptyProcRootReportsEveryRequiredFile() throws {
        let root = try FixtureRoot([:])
        let snapshot = fixtureCollector(root).collect(at: 5000)
        #expect(Set(snapshot.errors.map(\.file)) == Set(Self.dependents.map { root.path + "/" + $0.0.path }))
        // What needs no file still comes through.
        #expect(snapshot.value("node_time_seconds") == 5)
        #expect(!snapshot.named("node_uname_info").isEmpty)
    }

    @Test func procRootThatIsAFileIsAnErrorNotACrash() throws {
        let root = try FixtureRoot(["stat": "x"])
        let collector = HostCollector(procRoot: root.path + "/stat", statFilesystem: fixtureStatfs, uname: { nil })
        let snapshot = collector.collect(at: 0)
        #expect(snapshot.errors.count == Self.dependents.count + 1)  // + uname
    }
}

// MARK: - Writing into an appender

struct HostCollectorWriteTests {
    @Test func samplesGetExtraLabelsAndTheTimestamp() throws {
        let root = try FixtureRoot()
        var collector = fixtureCollector(root)
        var appender = RecordingAppender()
        let extra = [Label("job", "node"), Label("instance", "db-1:9100")]
        let result = collector.write(into: &appender, at: 1_718_000_000_000, extraLabels: extra)
        let expectedCount = collector.collect(at: 0).samples.count
        #expect(result.appended == expectedCount)
        #expect(result.refused.isEmpty && result.errors.isEmpty)
        #expect(appender.appended.count == expectedCount)
        #expect(appender.appended.allSatisfy { $0.timestamp == 1_718_000_000_000 })
        #expect(appender.appended.allSatisfy { $0.labels["job"] == "node" && $0.labels["instance"] == "db-1:9100" })
        let user = series("node_cpu_seconds_total", ["cpu": "0", "mode": "user", "job": "node", "instance": "db-1:9100"])
        #expect(appender.appended.first { $0.labels == user }?.value == 123.45)
    }

    @Test func refsAreReusedOnTheNextCollection() throws {
        let root = try FixtureRoot()
        var collector = fixtureCollector(root)
        var appender = RecordingAppender()
        let extra = [Label("job", "node")]
        _ = collector.write(into: &appender, at: 1000, extraLabels: extra)
        #expect(appender.appended.allSatisfy { $0.ref == .unknown })
        appender.appended.removeAll()
        _ = collector.write(into: &appender, at: 16000, extraLabels: extra)
        #expect(appender.appended.allSatisfy { $0.ref != .unknown && appender.refs[$0.labels] == $0.ref })

        // New extra labels are new series: the cache starts over.
        appender.appended.removeAll()
        _ = collector.write(into: &appender, at: 31000, extraLabels: [Label("job", "host")])
        #expect(appender.appended.allSatisfy { $0.ref == .unknown && $0.labels["job"] == "host" })
    }

    @Test func ownLabelsWinOverExtraLabels() throws {
        let root = try FixtureRoot()
        var collector = fixtureCollector(root)
        var appender = RecordingAppender()
        _ = collector.write(into: &appender, at: 0, extraLabels: [Label("device", "clash"), Label("job", "node"), Label("job", "dup")])
        let eth0 = appender.appended.filter { $0.labels.metricName == "node_network_receive_bytes_total" }
        #expect(Set(eth0.compactMap { $0.labels["device"] }) == ["lo", "eth0", "wlan0"])
        #expect(appender.appended.allSatisfy { $0.labels["job"] == "node" })
        #expect(appender.appended.first { $0.labels.metricName == "node_load1" }?.labels["device"] == "clash")
    }

    @Test func refusedSamplesAreReportedAndTheRestStillGoIn() throws {
        let root = try FixtureRoot()
        var collector = fixtureCollector(root)
        var appender = RecordingAppender(refuse: "node_load5")
        let result = collector.write(into: &appender, at: 0, extraLabels: [])
        #expect(result.refused.count == 1)
        #expect(result.appended == collector.collect(at: 0).samples.count - 1)
        #expect(appender.appended.contains { $0.labels.metricName == "node_load15" })
    }

    @Test func sourceErrorsAreReturned() throws {
        var files = Dictionary(uniqueKeysWithValues: HostFixture.allCases.map { ($0.path, $0.text) })
        files["meminfo"] = nil
        let root = try FixtureRoot(files)
        var collector = fixtureCollector(root)
        var appender = RecordingAppender()
        let result = collector.write(into: &appender, at: 0, extraLabels: [])
        #expect(result.errors.map(\.file) == [root.path + "/meminfo"])
        #expect(result.appended > 0)
    }

    @Test func moveOnlyAppendersWork() throws {
        let root = try FixtureRoot()
        var collector = fixtureCollector(root)
        var appender = CountingAppender()
        let result = collector.write(into: &appender, at: 0, extraLabels: [])
        #expect(appender.count == result.appended)
    }
}

// MARK: - This machine

struct HostCollectorSmokeTests {
    @Test func realProc() throws {
        try #require(FileManager.default.fileExists(atPath: "/proc/stat"), "needs Linux procfs")
        let snapshot = HostCollector().collect(at: 1_700_000_000_000)
        let relevant = snapshot.errors.filter { error in
            ["/proc/stat", "/proc/meminfo", "/proc/self/mounts"].contains(error.file)
        }
        #expect(relevant.isEmpty, "\(relevant)")
        #expect(snapshot.value("node_cpu_seconds_total", ["cpu": "0", "mode": "user"]) != nil)
        #expect((snapshot.value("node_memory_MemTotal_bytes") ?? 0) > 0)
        #expect((snapshot.value("node_boot_time_seconds") ?? 0) > 1_000_000_000)
        #expect(!snapshot.named("node_uname_info").isEmpty)

        // `/` is reported unless every mount of it has an excluded type (overlay in a container).
        let mounts = try MountsParser.parse(try #require(try ProcFile.contents("/proc/self/mounts")))
        let rootTypes = mounts.filter { $0.mountPoint == "/" }.map(\.fsType)
        let expectRoot = rootTypes.contains { !HostFilters.nodeExporter.filesystemTypesExclude.matches($0) }
        let reported = snapshot.named("node_filesystem_device_error").contains { $0.labels["mountpoint"] == "/" }
        #expect(reported == expectRoot, "root filesystem types: \(rootTypes)")
        if expectRoot {
            #expect(snapshot.named("node_filesystem_size_bytes").contains { $0.labels["mountpoint"] == "/" && $0.value > 0 })
        }
    }
}
