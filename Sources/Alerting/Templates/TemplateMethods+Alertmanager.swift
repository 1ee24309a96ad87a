/// The methods of Alertmanager's template data (its `template/template.go`): `KV`
/// (labels and annotations), `Pairs` and `Alerts`.
extension TemplateMethods {
    static let alertmanager: [String: [String: TemplateMethod]] = [
        "template.KV": [
            "SortedPairs": TemplateMethod { receiver, _ in .slice(pairs(sortedPairs(receiver))) },
            "Names": TemplateMethod { receiver, _ in .slice(.strings(sortedPairs(receiver).map(\.name))) },
            "Values": TemplateMethod { receiver, _ in .slice(.strings(sortedPairs(receiver).map(\.value))) },
            "Remove": TemplateMethod([.stringSlice]) { receiver, args in
                guard case .kv(let kv) = receiver, case .slice(let keys) = args[0] else { return receiver }
                let removed = Set(keys.strings)
                return .kv(kv.filter { !removed.contains($0.key) })
            },
        ],
        "template.Pairs": [
            "Names": TemplateMethod { receiver, _ in .slice(.strings(pairFields(receiver, "Name"))) },
            "Values": TemplateMethod { receiver, _ in .slice(.strings(pairFields(receiver, "Value"))) },
        ],
        "template.Alerts": [
            // Both return `[]Alert`, not `Alerts`, so they have no methods of their own.
            "Firing": TemplateMethod { receiver, _ in alerts(receiver, status: "firing") },
            "Resolved": TemplateMethod { receiver, _ in alerts(receiver, status: "resolved") },
        ],
    ]

    /// `KV.SortedPairs`: by name in byte order, except that `alertname` comes first.
    static func sortedPairs(_ receiver: TemplateValue) -> [(name: String, value: String)] {
        guard case .kv(let kv) = receiver else { return [] }
        let names = kv.keys.filter { $0 != "alertname" }.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        return (kv["alertname"] == nil ? names : ["alertname"] + names).map { ($0, kv[$0]!) }
    }

    /// A `template.Pairs` of `template.Pair{Name, Value}` structs.
    static func pairs(_ pairs: [(name: String, value: String)]) -> TemplateSlice {
        TemplateSlice(
            typeName: "template.Pairs",
            elements: pairs.map { .record(TemplateRecord(typeName: "template.Pair", fields: [("Name", .string($0.name)), ("Value", .string($0.value))])) })
    }

    private static func pairFields(_ receiver: TemplateValue, _ field: String) -> [String] {
        guard case .slice(let slice) = receiver else { return [] }
        return slice.elements.map { element in
            guard case .record(let pair) = element else { return "" }
            return pair[field]?.stringValue ?? ""
        }
    }

    private static func alerts(_ receiver: TemplateValue, status: String) -> TemplateValue {
        guard case .slice(let slice) = receiver else { return receiver }
        let matching = slice.elements.filter { element in
            guard case .record(let alert) = element else { return false }
            return alert["Status"]?.stringValue == status
        }
        return .slice(TemplateSlice(typeName: "[]template.Alert", elements: matching))
    }
}
