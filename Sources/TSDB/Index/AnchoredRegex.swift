/// A regular expression matched against a whole string with RE2's meaning (see
/// ``RE2Syntax``), with fast paths for the shapes selectors use most: a literal, a literal
/// alternation (`a|b|c`), a prefix (`foo.*`) and `.*` / `.+` (`.` never matches `\n`).
///
/// Swift's `Regex` is the general engine; it is `Sendable` but not cheap, so literal
/// shapes never reach it.
struct AnchoredRegex: @unchecked Sendable {
    // @unchecked: `Regex<AnyRegexOutput>` is immutable after init and documented as safe
    // to share across tasks; it only lacks a Sendable conformance on this platform.
    private enum Shape {
        case any                  // .*: anything without a newline
        case nonEmpty             // .+
        case literals(Set<ExactString>)
        case prefix(String)       // literal followed by .*
        case general(Regex<AnyRegexOutput>)
    }

    private let shape: Shape

    init(_ pattern: String) throws(MatcherError) {
        if pattern == ".*" { shape = .any; return }
        if pattern == ".+" { shape = .nonEmpty; return }
        if let alternatives = Self.literalAlternatives(pattern) { shape = .literals(Set(alternatives.map(ExactString.init))); return }
        if pattern.hasSuffix(".*"), let literal = Self.literalAlternatives(String(pattern.dropLast(2))), literal.count == 1 {
            shape = .prefix(literal[0])
            return
        }
        do throws(RE2Syntax.Failure) {
            shape = .general(try RE2Syntax.compile(pattern))
        } catch {
            throw MatcherError(pattern: pattern, reason: error.reason)
        }
    }

    func matches(_ s: String) -> Bool {
        switch shape {
        case .any: !s.utf8.contains(0x0A)
        case .nonEmpty: !s.isEmpty && !s.utf8.contains(0x0A)
        case .literals(let set): set.contains(ExactString(s))
        case .prefix(let p): s.utf8.starts(with: p.utf8) && !s.utf8.dropFirst(p.utf8.count).contains(0x0A)
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
