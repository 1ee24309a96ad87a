import TSDB

extension Labels {
    /// The labels without `__name__`, as arithmetic and most functions return them.
    func droppingMetricName() -> Labels {
        guard pairs.contains(where: { $0.name == Labels.metricName }) else { return self }
        return Labels(sorted: pairs.filter { $0.name != Labels.metricName })
    }

    /// Only the labels named in `names`.
    func keeping(_ names: Set<String>) -> Labels {
        Labels(sorted: pairs.filter { names.contains($0.name) })
    }

    /// Prometheus's `Labels.String()`, used in error messages: `{__name__="up", job="a"}`.
    var bracedDescription: String {
        "{" + pairs.map { "\($0.name)=\(GoFormat.quote($0.value))" }.joined(separator: ", ") + "}"
    }
}

enum LabelName {
    /// `model.LabelName.IsValid` as of Prometheus 2.42: `[a-zA-Z_][a-zA-Z0-9_]*`.
    static func isValid(_ name: String) -> Bool {
        guard !name.isEmpty else { return false }
        for (index, byte) in name.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"): continue
            case UInt8(ascii: "0")...UInt8(ascii: "9") where index > 0: continue
            default: return false
            }
        }
        return true
    }
}
