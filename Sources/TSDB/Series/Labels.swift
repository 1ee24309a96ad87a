/// A series' identity: label pairs sorted by name, each name at most once.
///
/// The metric name is the label `__name__`. Construct through ``init(_:)`` (sorts and
/// rejects duplicates via ``validated()``) or ``init(sorted:)`` when the caller already
/// holds a sorted, duplicate-free list (decoders, the head).
public struct Labels: Hashable, Sendable, Comparable, CustomStringConvertible, Sequence {
    public static let metricName = "__name__"

    public private(set) var pairs: [Label]

    /// Sorts `pairs` by name. Duplicate names are kept; call ``validated()`` to reject them.
    public init(_ pairs: [Label]) {
        self.pairs = pairs.sorted()
    }

    public init(_ dictionary: [String: String]) {
        self.pairs = dictionary.map { Label($0.key, $0.value) }.sorted()
    }

    /// Trusts that `pairs` is sorted by name with unique names.
    public init(sorted pairs: [Label]) {
        self.pairs = pairs
    }

    public static let empty = Labels(sorted: [])

    public var count: Int { pairs.count }
    public var isEmpty: Bool { pairs.isEmpty }
    public func makeIterator() -> IndexingIterator<[Label]> { pairs.makeIterator() }

    public subscript(name: String) -> String? {
        // Label sets are small (usually < 16): a linear scan beats a binary search.
        for pair in pairs where pair.name.bytesEqual(name) { return pair.value }
        return nil
    }

    public var metricName: String? { self[Self.metricName] }

    /// A copy with `name` set to `value`; an empty value removes the label, as in Prometheus.
    public func setting(_ name: String, to value: String) -> Labels {
        var copy = pairs.filter { !$0.name.bytesEqual(name) }
        if !value.isEmpty {
            let index = copy.firstIndex { name.bytesLess($0.name) } ?? copy.endIndex
            copy.insert(Label(name, value), at: index)
        }
        return Labels(sorted: copy)
    }

    public func removing(_ names: Set<String>) -> Labels {
        Labels(sorted: pairs.filter { !names.contains($0.name) })
    }

    public static func < (lhs: Labels, rhs: Labels) -> Bool {
        for (l, r) in zip(lhs.pairs, rhs.pairs) where l != r {
            return l < r
        }
        return lhs.pairs.count < rhs.pairs.count
    }

    /// `{__name__="up", job="x"}` rendered as Prometheus does: `up{job="x"}`.
    public var description: String {
        var out = metricName ?? ""
        let rest = pairs.filter { $0.name != Self.metricName }
        if rest.isEmpty && !out.isEmpty { return out }
        out += "{"
        out += rest.map { "\($0.name)=\"\(LabelValueEscaping.escape($0.value))\"" }.joined(separator: ", ")
        out += "}"
        return out
    }
}

/// Quoting of label values in the text formats: backslash, double quote and newline.
public enum LabelValueEscaping {
    public static func escape(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") })
        else { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count + 4)
        for ch in value {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(ch)
            }
        }
        return out
    }
}
