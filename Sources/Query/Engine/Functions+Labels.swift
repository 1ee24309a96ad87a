import TSDB

extension Functions {
    /// `label_replace` and `label_join`, which rewrite labels and keep values.
    static let labelFunctions: [String: FunctionImplementation] = [
        "label_replace": .labelReplace,
        "label_join": .labelJoin,
    ]
}

/// Rewrites each input series' labels once, then copies values through at every step.
struct RelabelOperator: StepOperator {
    let relabel: (Labels) -> Labels
    private var ids: [Int] = []

    init(_ relabel: @escaping (Labels) -> Labels) { self.relabel = relabel }

    mutating func prepare(_ inputs: [Matrix], _ output: inout OutputTable) throws(QueryError) {
        ids = inputs[0].map { output.id(for: relabel($0.labels)) }
    }

    mutating func step(_ t: Int64, _ args: [[StepElement]], _ output: inout OutputTable) throws(QueryError) {
        for element in args[0] { output.emit(ids[element.series], element.value) }
    }

    /// `label_replace(v, dst, replacement, src, regex)`: where `regex` matches all of the
    /// value of `src`, `dst` is set to `replacement` with `$1`, `${name}` expanded (an
    /// empty result removes `dst`); elsewhere the labels stay as they are.
    static func labelReplace(destination: String, replacement: String, source: String, regex pattern: String) throws(QueryError) -> RelabelOperator {
        let regex: Regex<AnyRegexOutput>
        do {
            regex = try Regex("(?:" + pattern + ")")
        } catch {
            throw .execution("invalid regular expression in label_replace(): \(pattern)")
        }
        guard LabelName.isValid(destination) else {
            throw .execution("invalid destination label name in label_replace(): \(destination)")
        }
        return RelabelOperator { labels in
            let value = labels[source] ?? ""
            guard let match = try? regex.wholeMatch(in: value) else { return labels }
            let result = RegexTemplate.expand(replacement, match.output)
            return labels.setting(destination, to: result)
        }
    }

    /// `label_join(v, dst, separator, src...)`: `dst` set to the values of the `src`
    /// labels joined by `separator` (an empty result removes it).
    static func labelJoin(destination: String, separator: String, sources: [String]) throws(QueryError) -> RelabelOperator {
        for source in sources where !LabelName.isValid(source) {
            throw .execution("invalid source label name in label_join(): \(source)")
        }
        guard LabelName.isValid(destination) else {
            throw .execution("invalid destination label name in label_join(): \(destination)")
        }
        return RelabelOperator { labels in
            labels.setting(destination, to: sources.map { labels[$0] ?? "" }.joined(separator: separator))
        }
    }
}

/// Go's `regexp.Expand`: `$1`, `${1}`, `$name`, `${name}` and `$$` in a template. A name
/// is the longest run of letters, digits and `_` (so `$1x` names a group "1x"); unknown
/// groups expand to nothing; a `$` not followed by a name is kept.
enum RegexTemplate {
    static func expand(_ template: String, _ match: AnyRegexOutput) -> String {
        var out = ""
        var rest = Substring(template)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            if rest.first == "$" {
                out += "$"
                rest = rest.dropFirst()
                continue
            }
            guard let (name, remainder) = extractName(rest) else {
                out += "$"
                continue
            }
            rest = remainder
            if let number = groupNumber(name) {
                if number < match.count, let text = match[number].substring { out += text }
            } else if let group = match[String(name)], let text = group.substring {
                out += text
            }
        }
        out += rest
        return out
    }

    private static func extractName(_ text: Substring) -> (Substring, Substring)? {
        var rest = text
        let braced = rest.first == "{"
        if braced { rest = rest.dropFirst() }
        let end = rest.firstIndex { !($0.isLetter || $0.isNumber || $0 == "_") } ?? rest.endIndex
        let name = rest[..<end]
        guard !name.isEmpty else { return nil }
        rest = rest[end...]
        if braced {
            guard rest.first == "}" else { return nil }
            rest = rest.dropFirst()
        }
        return (name, rest)
    }

    /// The group number a name denotes: ASCII digits without a leading zero, at most nine of them.
    private static func groupNumber(_ name: Substring) -> Int? {
        guard name.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), name.utf8.count <= 9 else {
            return nil
        }
        if name.first == "0" && name.count > 1 { return nil }
        return Int(name)
    }
}
