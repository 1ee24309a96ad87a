/// One line of `/proc/self/mounts`: `/dev/vda1 / ext4 rw,relatime 0 0`.
struct MountEntry: Equatable, Sendable {
    var device: String
    /// With the kernel's octal escapes (`\040` for a space, …) decoded.
    var mountPoint: String
    var fsType: String
    var options: String

    /// Mounted read-only: node-exporter reads this from the mount options, not from statfs.
    var isReadOnly: Bool { options.split(separator: ",").contains("ro") }
}

/// Parses `/proc/self/mounts` (the fstab(5) format).
struct MountsParser {
    static let file = "/proc/self/mounts"

    static func parse(_ text: some StringProtocol) throws(HostCollectorError) -> [MountEntry] {
        var mounts: [MountEntry] = []
        for (number, line) in ProcText.lines(text) {
            let fields = ProcText.fields(line)
            if fields.isEmpty { continue }
            guard fields.count >= 4 else {
                throw HostCollectorError(
                    file: file, line: number, reason: "\(fields.count) fields, expected device, mount point, type and options")
            }
            mounts.append(MountEntry(
                device: unescape(fields[0]),
                mountPoint: unescape(fields[1]),
                fsType: String(fields[2]),
                options: String(fields[3])
            ))
        }
        return mounts
    }

    /// Decodes the kernel's `\ooo` escapes. The kernel escapes space, tab, newline and
    /// backslash this way; node-exporter 1.5 decodes only `\040` and `\011`, which is the
    /// same for every mount point that does not contain a newline or a backslash.
    static func unescape(_ field: Substring) -> String {
        guard field.utf8.contains(UInt8(ascii: "\\")) else { return String(field) }
        let bytes = Array(field.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\\"), index + 3 < bytes.count,
               let value = octal(bytes[(index + 1)...(index + 3)]) {
                out.append(value)
                index += 4
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Three octal digits making a byte, or nil.
    private static func octal(_ digits: ArraySlice<UInt8>) -> UInt8? {
        guard digits.count == 3 else { return nil }
        var value = 0
        for digit in digits {
            let d = Int(digit) - Int(UInt8(ascii: "0"))
            guard d >= 0 && d < 8 else { return nil }
            value = value * 8 + d
        }
        return value <= 255 ? UInt8(value) : nil
    }
}
