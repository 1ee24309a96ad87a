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
        do throws(RE2Syntax.Failure) {
            regex = try RE2Syntax.compile(pattern)
        } catch {
            throw .execution("invalid regular expression in label_replace(): \(pattern)")
        }
        guard LabelName.isValid(destination) else {
            throw .execution("invalid destination label name in label_replace(): \(destination)")
        }
        return RelabelOperator { labels in
            let value = labels[source] ?? ""
            guard let match = try? regex.wholeMatch(in: value) else { return labels }
            let result = RE2Syntax.expand(replacement, match.output)
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

