/// The newest pending timestamp of each series in one append batch. An open-addressing
/// table keyed by the ref's number with a multiplicative hash: `Dictionary`'s SipHash and
/// its growth from empty on every fresh appender were about a tenth of remote-write ingest
/// (benchmarks/RESULTS.md, "Remote-write ingest").
struct PendingNewest {
    /// Ref numbers; 0 (``SeriesRef/unknown``, never stored) marks an empty slot.
    private var keys: [UInt64] = []
    private var values: [Int64] = []
    private var shift = 64
    private(set) var count = 0

    subscript(ref: SeriesRef) -> Int64? {
        get {
            guard count > 0 else { return nil }
            var slot = self.slot(ref.rawValue)
            while true {
                let key = keys[slot]
                if key == ref.rawValue { return values[slot] }
                if key == 0 { return nil }
                slot = (slot + 1) & (keys.count - 1)
            }
        }
        set {
            precondition(ref != .unknown, "the unknown ref has no pending samples")
            guard let newValue else { preconditionFailure("entries are only removed all at once") }
            if (count + 1) * 2 > keys.count { grow() }
            var slot = self.slot(ref.rawValue)
            while keys[slot] != 0 && keys[slot] != ref.rawValue { slot = (slot + 1) & (keys.count - 1) }
            if keys[slot] == 0 {
                keys[slot] = ref.rawValue
                count += 1
            }
            values[slot] = newValue
        }
    }

    /// Empties the table, keeping its storage for the next batch.
    mutating func removeAll() {
        guard count > 0 else { return }
        for i in keys.indices { keys[i] = 0 }
        count = 0
    }

    private func slot(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
    }

    private mutating func grow() {
        let capacity = Swift.max(64, keys.count * 2)
        let oldKeys = keys, oldValues = values
        keys = Array(repeating: 0, count: capacity)
        values = Array(repeating: 0, count: capacity)
        shift = 64 - capacity.trailingZeroBitCount
        for i in oldKeys.indices where oldKeys[i] != 0 {
            var slot = self.slot(oldKeys[i])
            while keys[slot] != 0 { slot = (slot + 1) & (capacity - 1) }
            keys[slot] = oldKeys[i]
            values[slot] = oldValues[i]
        }
    }
}
