import CSnappy

/// Snappy's block format (not the framed stream format), as remote write uses it.
///
/// The block starts with a varint of the uncompressed length. Decompression reads that
/// claim first and refuses it above the caller's limit before allocating anything, so a
/// ten-byte body claiming 4 GiB costs nothing.
enum Snappy {
    enum Failure: Error, Equatable {
        /// The header or the data is not a valid snappy block.
        case corrupt
        /// The header claims more than the limit.
        case tooLarge(claimed: Int, limit: Int)
    }

    /// The uncompressed bytes of a snappy block. A `limit` of zero means no limit.
    static func decompress(_ compressed: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        try compressed.withUnsafeBufferPointer { (input) throws(Failure) -> [UInt8] in
            guard let base = input.baseAddress else { throw .corrupt }
            return try base.withMemoryRebound(to: CChar.self, capacity: input.count) { (source) throws(Failure) -> [UInt8] in
                var claimed = 0
                guard snappy_uncompressed_length(source, input.count, &claimed) == SNAPPY_OK else { throw .corrupt }
                if limit > 0 && claimed > limit { throw .tooLarge(claimed: claimed, limit: limit) }
                // Validation walks the block without writing: a corrupt body never gets the
                // (up to `limit`) allocation its header asks for.
                guard snappy_validate_compressed_buffer(source, input.count) == SNAPPY_OK else { throw .corrupt }
                if claimed == 0 { return [] }
                var status = SNAPPY_OK
                let output = [UInt8](unsafeUninitializedCapacity: claimed) { buffer, count in
                    var length = claimed
                    buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: claimed) { destination in
                        status = snappy_uncompress(source, input.count, destination, &length)
                    }
                    count = status == SNAPPY_OK && length == claimed ? length : 0
                }
                guard status == SNAPPY_OK, output.count == claimed else { throw .corrupt }
                return output
            }
        }
    }

    /// `bytes` as one snappy block.
    static func compress(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBufferPointer { input in
            let capacity = snappy_max_compressed_length(input.count)
            return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
                var length = capacity
                // An empty array may have no base address; snappy only needs a readable
                // pointer for zero bytes.
                let empty: CChar = 0
                let status = withUnsafePointer(to: empty) { emptyPointer in
                    buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: capacity) { destination in
                        if let base = input.baseAddress {
                            base.withMemoryRebound(to: CChar.self, capacity: input.count) { source in
                                snappy_compress(source, input.count, destination, &length)
                            }
                        } else {
                            snappy_compress(emptyPointer, 0, destination, &length)
                        }
                    }
                }
                // Cannot fail: the output buffer has the size snappy asks for.
                precondition(status == SNAPPY_OK, "snappy_compress failed with a buffer of snappy_max_compressed_length")
                count = length
            }
        }
    }
}
