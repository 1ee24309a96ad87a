#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Capacity of one mounted filesystem, as `statvfs(3)` reports it.
public struct FilesystemUsage: Equatable, Sendable {
    public var blocks: UInt64
    public var blocksFree: UInt64
    /// Free blocks available to unprivileged users (free minus the root reserve).
    public var blocksAvailable: UInt64
    public var blockSize: UInt64
    public var files: UInt64
    public var filesFree: UInt64

    public init(blocks: UInt64, blocksFree: UInt64, blocksAvailable: UInt64, blockSize: UInt64, files: UInt64, filesFree: UInt64) {
        self.blocks = blocks
        self.blocksFree = blocksFree
        self.blocksAvailable = blocksAvailable
        self.blockSize = blockSize
        self.files = files
        self.filesFree = filesFree
    }

    /// Calls `statvfs(3)` on `mountPoint`. Sizes are `f_bsize` multiples, as in node-exporter
    /// (glibc fills `statvfs`'s `f_bsize` from `statfs(2)`'s, and Swift's Glibc module has
    /// no `statfs`).
    ///
    /// A hung network filesystem can block this call; run the collector off the
    /// cooperative pool (as its service does) so that only host collection stalls.
    @Sendable
    public static func read(mountPoint: String) throws(HostCollectorError) -> FilesystemUsage {
        var buffer = statvfs()
        let rc = mountPoint.withCString { statvfs($0, &buffer) }
        guard rc == 0 else {
            throw HostCollectorError(file: mountPoint, reason: "statvfs: " + ProcFile.describe(errno))
        }
        return FilesystemUsage(
            blocks: UInt64(buffer.f_blocks),
            blocksFree: UInt64(buffer.f_bfree),
            blocksAvailable: UInt64(buffer.f_bavail),
            blockSize: UInt64(buffer.f_bsize),
            files: UInt64(buffer.f_files),
            filesFree: UInt64(buffer.f_ffree)
        )
    }
}
