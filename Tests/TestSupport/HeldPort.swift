import Foundation

/// A loopback port held by a bound socket that never listens: connections to it are refused,
/// and nobody else can bind it (another test's receiver, a stray server) until ``release()``.
///
/// ```swift
/// let held = try HeldPort()
/// // … a client sees the port refuse connections …
/// held.release()
/// let receiver = try await HTTPReceiverProcess(port: held.port)
/// ```
// @unchecked: the descriptor is only changed by `release`, under `lock`.
public final class HeldPort: @unchecked Sendable {
    public let port: Int
    private var descriptor: Int32
    private let lock = NSLock()

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public init() throws {
        #if os(Linux)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw Failure(description: "socket() failed: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        #if !os(Linux)
        address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
        #endif
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        let named = bound == 0 ? withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        } : -1
        guard named == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw Failure(description: "\(bound == 0 ? "getsockname" : "bind(127.0.0.1:0)") failed: \(reason)")
        }
        self.descriptor = descriptor
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Lets the port go, for a server to bind it next.
    public func release() {
        lock.withLock {
            if descriptor >= 0 { close(descriptor) }
            descriptor = -1
        }
    }

    deinit { release() }
}
