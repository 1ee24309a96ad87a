import Synchronization

/// One shared timestamp column of a block (``SharedTimestamps``) decoded once for all the
/// chunks of a selection that carry it: the series of one target share their scrape times,
/// so without this a query decodes the same column once per series (8 times for a host's
/// CPU modes), which was a sixth of a 24 h `rate` over blocks.
///
/// ``Block/chunks(of:mint:maxt:sharing:)`` gives the same instance to every chunk whose
/// column, timestamp mode, first and last time and count agree (``Key``), which is what the
/// decoded times depend on; the first decoder to ask decodes them, under the lock, and the
/// rest reuse the array. It lives as long as the selection's chunks do, never across queries.
final class SharedTimestampDecoding: Sendable {
    /// What decoded timestamps depend on besides the column's bytes.
    struct Key: Hashable {
        let column: Int
        let mode: UInt8
        let count: Int
        let minTime: Int64
        let maxTime: Int64
    }

    /// The decodings of one block's columns for one selection, by key; used on the
    /// selecting thread only.
    final class Table {
        private var decodings: [Key: SharedTimestampDecoding] = [:]

        func decoding(of key: Key, columnLength: Int) -> SharedTimestampDecoding {
            if let decoding = decodings[key] { return decoding }
            let decoding = SharedTimestampDecoding(columnLength: columnLength)
            decodings[key] = decoding
            return decoding
        }
    }

    private enum State {
        case pending
        case decoded([Int64])
        /// Not well formed: each chunk decodes itself and reports the error where it is.
        case failed
    }

    /// The column's length in bytes: the values start this far after the header byte.
    let columnLength: Int
    private let state = Mutex<State>(.pending)

    init(columnLength: Int) { self.columnLength = columnLength }

    /// The timestamps of `chunk`, which carries this column (under this instance's key),
    /// decoded and checked as ``ColumnarChunk`` checks its own; nil where they are not well
    /// formed.
    func timestamps(of chunk: EncodedChunk) -> [Int64]? {
        state.withLock { state in
            switch state {
            case .decoded(let times): return times
            case .failed: return nil
            case .pending:
                let times = Self.decode(chunk, columnLength: columnLength)
                state = times.map { .decoded($0) } ?? .failed
                return times
            }
        }
    }

    private static func decode(_ chunk: EncodedChunk, columnLength: Int) -> [Int64]? {
        var times: [Int64] = []
        guard let end = SharedTimestamps.columnEnd(chunk, scratch: &times), end == 1 + columnLength,
              (try? ColumnarChunk.check(times, maxTime: chunk.maxTime, at: end)) != nil
        else { return nil }
        return times
    }
}
