/// How a chunk's bytes are laid out; stored as one byte beside every chunk.
///
/// `xor` is Prometheus's Gorilla chunk, byte for byte, and is what the head writes while a
/// chunk is still open. The others are chosen per closed chunk by ``ChunkEncoder`` from the
/// data. They share one packed timestamp column and differ in how they keep values; unlike
/// `xor` they are not self-describing: `count`, `minTime` and `maxTime` are part of the chunk
/// and the container (block index, chunk file) stores them. See `docs/format/chunks.md`.
public enum ChunkEncoding: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Gorilla: delta-of-delta timestamps in Prometheus's bit buckets, XOR'd values.
    case xor = 1
    /// Every sample has the same value (bit for bit); the value is stored once.
    case constant = 2
    /// Values are integer mantissas under one decimal exponent for the chunk (VictoriaMetrics's
    /// `lib/decimal` idea), stored as values, deltas or deltas of deltas, bit-packed; values
    /// that do not fit (NaN, stale markers, infinities, -0.0) are listed apart.
    case decimal = 3
    /// Packed timestamps with Gorilla-XOR values, for floats that have no short decimal form.
    case packedXOR = 4

    public var description: String {
        switch self {
        case .xor: "xor"
        case .constant: "constant"
        case .decimal: "decimal"
        case .packedXOR: "packed-xor"
        }
    }
}
