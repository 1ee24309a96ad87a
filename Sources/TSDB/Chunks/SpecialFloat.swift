/// Floats that the decimal form cannot hold, each with a short tag so that the common ones —
/// stale markers above all — cost no 8 raw bytes.
enum SpecialFloat: UInt8, CaseIterable {
    /// Any other float: 8 raw bytes follow, little-endian.
    case raw = 0
    case staleMarker = 1
    /// The canonical quiet NaN, 0x7FF8000000000000 (what `Double.nan` and Go's `math.NaN()` give).
    case nan = 2
    case plusInfinity = 3
    case minusInfinity = 4
    case minusZero = 5

    static let canonicalNaN: UInt64 = 0x7FF8_0000_0000_0000

    init(classifying bits: UInt64) {
        switch bits {
        case StaleMarker.bitPattern: self = .staleMarker
        case Self.canonicalNaN: self = .nan
        case Double.infinity.bitPattern: self = .plusInfinity
        case (-Double.infinity).bitPattern: self = .minusInfinity
        case (-0.0 as Double).bitPattern: self = .minusZero
        default: self = .raw
        }
    }

    /// The bits of a tagged value; `nil` for `.raw`, whose bits are stored.
    var bits: UInt64? {
        switch self {
        case .raw: nil
        case .staleMarker: StaleMarker.bitPattern
        case .nan: Self.canonicalNaN
        case .plusInfinity: Double.infinity.bitPattern
        case .minusInfinity: (-Double.infinity).bitPattern
        case .minusZero: (-0.0 as Double).bitPattern
        }
    }

    static func readRaw(_ reader: inout ByteReader) throws(ChunkDecodingFailure) -> UInt64 {
        do {
            return try reader.uint64()
        } catch {
            throw ChunkDecodingFailure(.truncated, at: reader.offset, "raw float cut short")
        }
    }
}
