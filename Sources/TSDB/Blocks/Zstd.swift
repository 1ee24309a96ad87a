import CZstd

/// zstd through Debian's libzstd: the general-purpose compression applied on top of chunk
/// encodings in blocks.
enum Zstd {
    struct Failure: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    static func compress(_ input: [UInt8], level: Int32 = 3) -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = input.withUnsafeBytes { src in
            output.withUnsafeMutableBytes { dst in
                ZSTD_compress(dst.baseAddress, dst.count, src.baseAddress, src.count, level)
            }
        }
        // Compression into a buffer of ZSTD_compressBound bytes cannot fail.
        precondition(ZSTD_isError(written) == 0, "zstd compression failed: \(String(cString: ZSTD_getErrorName(written)))")
        output.removeLast(output.count - written)
        return output
    }

    /// Decompresses a frame whose content size must equal `expectedSize`, which the caller
    /// read from its own (checksummed) header: a corrupt frame never makes us allocate what
    /// it claims.
    static func decompress(_ input: ArraySlice<UInt8>, expectedSize: Int) throws(Failure) -> [UInt8] {
        guard expectedSize >= 0, expectedSize <= 1 << 30 else { throw Failure(reason: "implausible size \(expectedSize)") }
        var output = [UInt8](repeating: 0, count: expectedSize)
        let written = input.withUnsafeBytes { src in
            output.withUnsafeMutableBytes { dst in
                ZSTD_decompress(dst.baseAddress, dst.count, src.baseAddress, src.count)
            }
        }
        if ZSTD_isError(written) != 0 { throw Failure(reason: String(cString: ZSTD_getErrorName(written))) }
        guard written == expectedSize else { throw Failure(reason: "frame held \(written) bytes, expected \(expectedSize)") }
        return output
    }
}
