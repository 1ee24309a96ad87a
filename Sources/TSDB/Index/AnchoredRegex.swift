/// A regular expression matched against a whole string, with fast paths for the shapes
/// selectors use most: a literal, a literal alternation (`a|b|c`), a prefix (`foo.*`) and
/// `.*` / `.+`.
///
/// Swift's `Regex` is the general engine; it is `Sendable` but not cheap, so literal
/// shapes never reach it.
struct AnchoredRegex: @unchecked Sendable {
    // @unchecked: `Regex<AnyRegexOutput>` is immutable after init and documented as safe
    // to share across tasks; it only lacks a Sendable conformance on this platform.
    private enum Shape {
        case any                  // .*
        case nonEmpty             // .+
        case literals(Set<String>)
        case prefix(String)       // literal followed by .*
        case general(Regex<AnyRegexOutput>)
    }

    private let shape: Shape

    init(_ pattern: String) throws(MatcherError) {
        if pattern == ".*" { shape = .any; return }
        if pattern == ".+" { shape = .nonEmpty; return }
        if let alternatives = Self.literalAlternatives(pattern) { shape = .literals(Set(alternatives)); return }
        if pattern.hasSuffix(".*"), let literal = Self.literalAlternatives(String(pattern.dropLast(2))), literal.count == 1 {
            shape = .prefix(literal[0])
            return
        }
        do {
            shape = .general(try Regex("(?s:" + pattern + ")"))
        } catch {
            throw MatcherError(pattern: pattern, reason: String(describing: error))
        }
    }

    func matches(_ s: String) -> Bool {
        switch shape {
        case .any: true
        case .nonEmpty: !s.isEmpty
        case .literals(let set): set.contains(s)
        case .prefix(let p): s.hasPrefix(p)
        case .general(let regex): (try? regex.wholeMatch(in: s)) != nil
        }
    }

    /// `a|b|c` where every part is free of regex metacharacters; nil otherwise.
    private static func literalAlternatives(_ pattern: String) -> [String]? {
        let meta: Set<Character> = ["\\", ".", "+", "*", "?", "(", ")", "[", "]", "{", "}", "^", "$"]
        if pattern.contains(where: { meta.contains($0) }) { return nil }
        return pattern.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
    }
}
