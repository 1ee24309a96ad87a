/// The label sets of the head's series, stored compactly: each distinct name and value once
/// in a symbol table, each series' pairs as symbol ids in one shared pool (8 bytes a pair),
/// and a hash index from label set to ref.
///
/// A `Labels` per series cost an array of 32 bytes a pair plus its header, and the map from
/// labels to refs kept another reference to it: about 230 of the 470 resident bytes of a
/// series with one sample. Readers get a `Labels` built on demand (``labels(_:)``); the
/// appender's check that a cached ref still names its labels compares in place
/// (``equals(_:_:)``).
///
/// Ranges of removed series stay in the pool until they are half of it; ``compact(_:)``
/// then rewrites the pool and the symbol table from the live series.
struct SeriesLabelStore {
    private var symbols: [String] = []
    private var symbolIDs: [ExactString: UInt32] = [:]
    /// Name id, value id, name id, … per series, at `MemSeries.labelOffset`.
    private var pool: [UInt32] = []
    /// Pool entries of removed series.
    private var dead = 0
    /// Label-set hash → ref; refs whose set hashes like the first one's go to `collisions`.
    private var refsByHash: [Int: UInt32] = [:]
    private var collisions: [Int: [UInt32]] = [:]

    /// Stores `labels` (sorted, unique names) and returns where they are.
    mutating func add(_ labels: Labels) -> (offset: UInt32, count: UInt32) {
        let offset = UInt32(pool.count)
        for label in labels {
            pool.append(symbol(label.name))
            pool.append(symbol(label.value))
        }
        return (offset, UInt32(labels.count))
    }

    private mutating func symbol(_ string: String) -> UInt32 {
        let key = ExactString(string)
        if let id = symbolIDs[key] { return id }
        let id = UInt32(symbols.count)
        symbols.append(string)
        symbolIDs[key] = id
        return id
    }

    /// The labels stored at `series`' range.
    func labels(_ series: MemSeries) -> Labels {
        guard series.labelCount > 0 else { return .empty }
        return pool.withUnsafeBufferPointer { pool in
            symbols.withUnsafeBufferPointer { symbols in
                var pairs: [Label] = []
                pairs.reserveCapacity(Int(series.labelCount))
                var at = Int(series.labelOffset)
                for _ in 0..<series.labelCount {
                    pairs.append(Label(symbols[Int(pool[at])], symbols[Int(pool[at + 1])]))
                    at += 2
                }
                return Labels(sorted: pairs)
            }
        }
    }

    /// Whether `series` has exactly `labels`, compared by bytes.
    func equals(_ series: MemSeries, _ labels: Labels) -> Bool {
        guard Int(series.labelCount) == labels.count else { return false }
        return pool.withUnsafeBufferPointer { pool in
            symbols.withUnsafeBufferPointer { symbols in
                var at = Int(series.labelOffset)
                for label in labels {
                    guard Self.same(symbols[Int(pool[at])], label.name), Self.same(symbols[Int(pool[at + 1])], label.value) else {
                        return false
                    }
                    at += 2
                }
                return true
            }
        }
    }

    /// Byte equality, at once when both are the same string: a scrape loop passes back the
    /// strings the head interned from its first scrape, and short strings are inline.
    @inline(__always)
    private static func same(_ a: String, _ b: String) -> Bool {
        unsafeBitCast(a, to: (UInt64, UInt64).self) == unsafeBitCast(b, to: (UInt64, UInt64).self) || a.bytesEqual(b)
    }

    // MARK: - Labels → ref

    static func hash(_ labels: Labels) -> Int {
        var hasher = Hasher()
        hasher.combine(labels.count)
        for label in labels {
            hasher.combine(label.name.utf8.count)
            label.name.hashBytes(into: &hasher)
            hasher.combine(label.value.utf8.count)
            label.value.hashBytes(into: &hasher)
        }
        return hasher.finalize()
    }

    /// The ref of the live series with `labels` among `series`, if any.
    func ref(for labels: Labels, hash: Int, in series: [MemSeries]) -> SeriesRef? {
        guard let first = refsByHash[hash] else { return nil }
        if equals(series[Int(first) - 1], labels) { return SeriesRef(UInt64(first)) }
        for ref in collisions[hash] ?? [] where equals(series[Int(ref) - 1], labels) {
            return SeriesRef(UInt64(ref))
        }
        return nil
    }

    mutating func index(_ ref: SeriesRef, hash: Int) {
        let raw = UInt32(ref.rawValue)
        if refsByHash[hash] == nil {
            refsByHash[hash] = raw
        } else {
            collisions[hash, default: []].append(raw)
        }
    }

    /// Forgets a series: its ref leaves the index, its pool range becomes dead.
    mutating func remove(_ ref: SeriesRef, hash: Int, count: UInt32) {
        let raw = UInt32(ref.rawValue)
        dead += 2 * Int(count)
        if refsByHash[hash] == raw {
            if var others = collisions[hash], !others.isEmpty {
                refsByHash[hash] = others.removeFirst()
                collisions[hash] = others.isEmpty ? nil : others
            } else {
                refsByHash[hash] = nil
            }
        } else if var others = collisions[hash], let i = others.firstIndex(of: raw) {
            others.remove(at: i)
            collisions[hash] = others.isEmpty ? nil : others
        }
    }

    /// Whether removed series hold enough of the pool to rewrite it.
    var wantsCompaction: Bool { dead > 4096 && dead * 2 > pool.count }

    /// Rewrites the pool and the symbol table with only the live series' labels, moving
    /// each series' range.
    mutating func compact(_ series: inout [MemSeries]) {
        var fresh = SeriesLabelStore()
        fresh.refsByHash = refsByHash
        fresh.collisions = collisions
        fresh.pool.reserveCapacity(pool.count - dead)
        for i in series.indices where series[i].labelCount > 0 {
            let (offset, _) = fresh.add(labels(series[i]))
            series[i].labelOffset = offset
        }
        self = fresh
    }
}
