#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a pseudo-file of `/proc` whole, with plain `open`/`read`: procfs reports a size of
/// zero, so the file is read until end of file rather than by its `stat` size.
enum ProcFile {
    /// No /proc file comes near this; it bounds the damage of pointing `procRoot` at
    /// something that is not procfs.
    static let maxSize = 64 << 20

    /// The file's text, or `nil` when it does not exist — or, for pressure files, when the
    /// kernel has PSI compiled in but disabled and refuses the read with `EOPNOTSUPP`.
    static func contents(_ path: String) throws(HostCollectorError) -> String? {
        let fd = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
        if fd < 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw HostCollectorError(file: path, reason: describe(code))
        }
        defer { close(fd) }

        var bytes: [UInt8] = []
        let chunk = 16 * 1024
        while true {
            let start = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: chunk))
            let got = bytes.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress! + start, chunk)
            }
            if got < 0 {
                let code = errno
                bytes.removeSubrange(start...)
                if code == EINTR { continue }
                if code == EOPNOTSUPP && bytes.isEmpty { return nil }
                throw HostCollectorError(file: path, reason: describe(code))
            }
            bytes.removeSubrange((start + got)...)
            if got == 0 { break }
            if bytes.count > maxSize {
                throw HostCollectorError(file: path, reason: "larger than \(maxSize) bytes")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func describe(_ code: Int32) -> String {
        guard let message = strerror(code) else { return "errno \(code)" }
        return String(cString: message)
    }
}
