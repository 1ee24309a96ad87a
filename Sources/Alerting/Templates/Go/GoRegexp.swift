import TSDB

/// The parts of Go's `regexp` that templates use, with RE2's meaning and syntax
/// (``RE2Syntax``): unanchored search and `ReplaceAllString` with `$1`, `${name}` and `$$`
/// in the replacement.
struct GoRegexp {
    struct CompileError: Error {
        var message: String
    }

    private let regex: Regex<AnyRegexOutput>

    init(_ pattern: String) throws(CompileError) {
        do throws(RE2Syntax.Failure) {
            regex = try RE2Syntax.compile(pattern)
        } catch {
            throw CompileError(message: "error parsing regexp: \(error.reason)")
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
            out += RE2Syntax.expand(replacement, match.output)
            lastEnd = range.upperBound
        }
        out += text[lastEnd...]
        return out
    }

    /// How `regexp.MustCompile` quotes a pattern in its panic: back-quoted when it can be.
    static func quote(_ pattern: String) -> String {
        GoQuote.canBackquote(pattern) ? "`\(pattern)`" : GoQuote.quote(pattern)
    }
}
