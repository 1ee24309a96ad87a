/// Label pair → ascending series refs, with the set operations matchers reduce to.
///
/// Refs are handed out in increasing order, so appending keeps every list sorted. Lists hold
/// refs as 32-bit numbers (half the memory; the head and blocks count series from 1 up), and
/// ``select(_:)`` hands back `SeriesRef`s.
struct Postings {
    /// A ref in a list.
    typealias ID = UInt32

    /// Label name → value → refs. Values are keyed by bytes (see ``ExactString``); names are
    /// validated ASCII, where `String` equality is byte equality.
    private(set) var byName: [String: [ExactString: [ID]]] = [:]
    private(set) var all: [ID] = []

    /// Adds the series; returns its labels made of the strings the postings keep as keys, so
    /// the head holds one copy of each distinct name and value however many series share it.
    @discardableResult
    mutating func add(_ ref: SeriesRef, _ labels: Labels) -> Labels {
        precondition(ref.rawValue <= UInt64(ID.max), "postings count series in 32 bits")
        let ref = ID(truncatingIfNeeded: ref.rawValue)
        Self.insert(ref, into: &all)
        var interned: [Label] = []
        interned.reserveCapacity(labels.count)
        for label in labels {
            let key = ExactString(label.value)
            // One lookup for the name and one for the value, updated in place.
            guard let i = byName.index(forKey: label.name) else {
                byName[label.name] = [key: [ref]]
                interned.append(label)
                continue
            }
            let name = byName[i].key
            if let j = byName.values[i].index(forKey: key) {
                interned.append(Label(name, byName.values[i][j].key.value))
                Self.insert(ref, into: &byName.values[i].values[j])
            } else {
                byName.values[i][key] = [ref]
                interned.append(Label(name, label.value))
            }
        }
        return Labels(sorted: interned)
    }

    /// Appends, or inserts in place a ref older than the newest: WAL replay restores a series
    /// when its record comes, which may be after younger series' records.
    private static func insert(_ ref: ID, into list: inout [ID]) {
        if let last = list.last, last > ref {
            list.insert(ref, at: list.partitioningIndex { $0 > ref })
        } else {
            list.append(ref)
        }
    }

    /// Forgets removed series; label values no series carries any more go with them.
    mutating func remove(_ removed: Set<SeriesRef>) {
        guard !removed.isEmpty else { return }
        let refs = Set(removed.map { ID(truncatingIfNeeded: $0.rawValue) })
        all.removeAll { refs.contains($0) }
        for (name, values) in byName {
            var kept: [ExactString: [ID]] = [:]
            kept.reserveCapacity(values.count)
            for (value, list) in values {
                let remaining = list.contains(where: refs.contains) ? list.filter { !refs.contains($0) } : list
                if !remaining.isEmpty { kept[value] = remaining }
            }
            byName[name] = kept.isEmpty ? nil : kept
        }
    }

    /// Refs of series matching every matcher.
    func select(_ matchers: [LabelMatcher]) -> [SeriesRef] {
        selectIDs(matchers).map { SeriesRef(UInt64($0)) }
    }

    private func selectIDs(_ matchers: [LabelMatcher]) -> [ID] {
        // Matchers that accept a missing label cannot narrow by themselves: apply them as
        // subtractions of what they reject. Order by selectivity: equality first.
        var result: [ID]? = nil
        var subtract: [[ID]] = []
        for matcher in matchers.sorted(by: { $0.kind == .equal && $1.kind != .equal }) {
            if matcher.matchesEmpty {
                // Reject: series that have the label with a value the matcher refuses.
                let values = byName[matcher.name] ?? [:]
                let rejected = values.filter { !matcher.matches($0.key.value) }.map(\.value)
                if !rejected.isEmpty { subtract.append(Self.union(rejected)) }
            } else {
                let values = byName[matcher.name] ?? [:]
                let accepted: [ID]
                if matcher.kind == .equal {
                    accepted = values[ExactString(matcher.value)] ?? []
                } else {
                    accepted = Self.union(values.filter { matcher.matches($0.key.value) }.map(\.value))
                }
                result = result.map { Self.intersect($0, accepted) } ?? accepted
                if result!.isEmpty { return [] }
            }
        }
        var refs = result ?? all
        for s in subtract { refs = Self.subtract(refs, s) }
        return refs
    }

    static func intersect(_ a: [ID], _ b: [ID]) -> [ID] {
        var out: [ID] = []
        out.reserveCapacity(min(a.count, b.count))
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i] < b[j] { i += 1 } else if b[j] < a[i] { j += 1 } else { out.append(a[i]); i += 1; j += 1 }
        }
        return out
    }

    static func subtract(_ a: [ID], _ b: [ID]) -> [ID] {
        var out: [ID] = []
        out.reserveCapacity(a.count)
        var j = 0
        for ref in a {
            while j < b.count && b[j] < ref { j += 1 }
            if j < b.count && b[j] == ref { continue }
            out.append(ref)
        }
        return out
    }

    static func union(_ lists: [[ID]]) -> [ID] {
        if lists.count == 1 { return lists[0] }
        var merged = lists.flatMap { $0 }
        merged.sort()
        var out: [ID] = []
        out.reserveCapacity(merged.count)
        for ref in merged where out.last != ref { out.append(ref) }
        return out
    }
}
