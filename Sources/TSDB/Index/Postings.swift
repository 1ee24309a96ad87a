/// Label pair → ascending series refs, with the set operations matchers reduce to.
///
/// Refs are handed out in increasing order, so appending keeps every list sorted.
struct Postings {
    /// Label name → value → refs. Values are keyed by bytes (see ``ExactString``); names are
    /// validated ASCII, where `String` equality is byte equality.
    private(set) var byName: [String: [ExactString: [SeriesRef]]] = [:]
    private(set) var all: [SeriesRef] = []

    mutating func add(_ ref: SeriesRef, _ labels: Labels) {
        Self.insert(ref, into: &all)
        for label in labels {
            Self.insert(ref, into: &byName[label.name, default: [:]][ExactString(label.value), default: []])
        }
    }

    /// Appends, or inserts in place a ref older than the newest: WAL replay restores a series
    /// when its record comes, which may be after younger series' records.
    private static func insert(_ ref: SeriesRef, into list: inout [SeriesRef]) {
        if let last = list.last, last.rawValue > ref.rawValue {
            list.insert(ref, at: list.partitioningIndex { $0.rawValue > ref.rawValue })
        } else {
            list.append(ref)
        }
    }

    /// Forgets removed series; label values no series carries any more go with them.
    mutating func remove(_ refs: Set<SeriesRef>) {
        guard !refs.isEmpty else { return }
        all.removeAll { refs.contains($0) }
        for (name, values) in byName {
            var kept: [ExactString: [SeriesRef]] = [:]
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
        // Matchers that accept a missing label cannot narrow by themselves: apply them as
        // subtractions of what they reject. Order by selectivity: equality first.
        var result: [SeriesRef]? = nil
        var subtract: [[SeriesRef]] = []
        for matcher in matchers.sorted(by: { $0.kind == .equal && $1.kind != .equal }) {
            if matcher.matchesEmpty {
                // Reject: series that have the label with a value the matcher refuses.
                let values = byName[matcher.name] ?? [:]
                let rejected = values.filter { !matcher.matches($0.key.value) }.map(\.value)
                if !rejected.isEmpty { subtract.append(Self.union(rejected)) }
            } else {
                let values = byName[matcher.name] ?? [:]
                let accepted: [SeriesRef]
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

    static func intersect(_ a: [SeriesRef], _ b: [SeriesRef]) -> [SeriesRef] {
        var out: [SeriesRef] = []
        out.reserveCapacity(min(a.count, b.count))
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i] < b[j] { i += 1 } else if b[j] < a[i] { j += 1 } else { out.append(a[i]); i += 1; j += 1 }
        }
        return out
    }

    static func subtract(_ a: [SeriesRef], _ b: [SeriesRef]) -> [SeriesRef] {
        var out: [SeriesRef] = []
        out.reserveCapacity(a.count)
        var j = 0
        for ref in a {
            while j < b.count && b[j] < ref { j += 1 }
            if j < b.count && b[j] == ref { continue }
            out.append(ref)
        }
        return out
    }

    static func union(_ lists: [[SeriesRef]]) -> [SeriesRef] {
        if lists.count == 1 { return lists[0] }
        var merged = lists.flatMap { $0 }
        merged.sort()
        var out: [SeriesRef] = []
        out.reserveCapacity(merged.count)
        for ref in merged where out.last != ref { out.append(ref) }
        return out
    }
}
