/// The parts of Go's `regexp` that templates use, on Swift's `Regex` matching Unicode
/// scalars (Go matches runes): unanchored search and `ReplaceAllString` with `$1`,
/// `${name}` and `$$` in the replacement.
///
/// Swift's engine backtracks where Go's RE2 does not, and words its syntax errors its own way.
struct GoRegexp {
    struct CompileError: Error {
        var message: String
    }

    private let regex: Regex<AnyRegexOutput>

    init(_ pattern: String) throws(CompileError) {
        do {
            regex = try Regex(pattern).matchingSemantics(.unicodeScalar)
        } catch {
            throw CompileError(message: "error parsing regexp: \(error)")
        }
    }

    /// `regexp.MatchString`: whether the pattern matches anywhere in `text`.
    func matches(_ text: String) -> Bool {
        (try? regex.firstMatch(in: text)) != nil
    }

    /// `Regexp.ReplaceAllString`: every match replaced, an empty match right after another
    /// match left alone. Nil once the result would pass `limit` bytes.
    func replaceAll(in text: String, with replacement: String, limit: Int) -> String? {
        var out = ""
        var lastEnd = text.startIndex
        for match in text.matches(of: regex) {
            if out.utf8.count > limit { return nil }
            let range = match.range
            if range.isEmpty && range.lowerBound == lastEnd && range.lowerBound != text.startIndex { continue }
            out += text[lastEnd..<range.lowerBound]
            out += Self.expand(replacement, match.output)
            lastEnd = range.upperBound
        }
        out += text[lastEnd...]
        return out
    }

    /// Go's `Regexp.Expand`.
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
        let end = rest.unicodeScalars.firstIndex { !(GoQuote.isLetter($0) || GoQuote.isDigit($0) || $0 == "_") }
            ?? rest.endIndex
        let name = rest[..<end]
        guard !name.isEmpty else { return nil }
        rest = rest[end...]
        if braced {
            guard rest.first == "}" else { return nil }
            rest = rest.dropFirst()
        }
        return (name, rest)
    }

    private static func groupNumber(_ name: Substring) -> Int? {
        guard name.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), name.utf8.count <= 8 else {
            return nil
        }
        if name.first == "0" && name.count > 1 { return nil }
        return Int(name)
    }

    /// How `regexp.MustCompile` quotes a pattern in its panic: back-quoted when it can be.
    static func quote(_ pattern: String) -> String {
        GoQuote.canBackquote(pattern) ? "`\(pattern)`" : GoQuote.quote(pattern)
    }
}
