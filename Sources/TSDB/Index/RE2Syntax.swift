/// Regular expressions with Go's RE2 meaning, on top of Swift's `Regex`: Prometheus's
/// matchers, `label_replace` and relabeling all use RE2, and a dashboard's selector must
/// select the same series here.
///
/// Two things differ between the engines and are bridged here:
/// - Semantics: RE2 matches Unicode scalars (not grapheme clusters), its `\w \d \s \b` and
///   POSIX classes are ASCII-only, and `.` does not match `\n`. The compiled regex is set up
///   that way.
/// - Syntax: RE2 refuses look-around, back-references, possessive quantifiers, atomic
///   groups, `\Z` and repeat counts over 1000 (Swift accepts them), and accepts `\pL`,
///   octal escapes like `\143` and `(?P<name>…)` (Swift does not). Patterns are checked and
///   translated first, with Go's error texts.
public enum RE2Syntax {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// Compiles `pattern` with RE2 semantics; `anchored` wraps it as Prometheus's
    /// matchers do (`^(?:pattern)$`, used with a whole match).
    public static func compile(_ pattern: String) throws(Failure) -> Regex<AnyRegexOutput> {
        let translated = try translate(pattern)
        do {
            return try Regex("(?:" + translated + ")")
                .matchingSemantics(.unicodeScalar)
                .asciiOnlyWordCharacters()
                .asciiOnlyDigits()
                .asciiOnlyWhitespace()
                .asciiOnlyCharacterClasses()
                .dotMatchesNewlines(false)
                .wordBoundaryKind(.simple)
        } catch {
            throw Failure(reason: "\(error)")
        }
    }

    /// RE2's POSIX classes, which are ASCII-only.
    static let posixClasses: [String: String] = [
        "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7F", "blank": "\\t ", "cntrl": "\\x00-\\x1F\\x7F",
        "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~", "punct": "!-/:-@\\[-`{-~",
        "space": "\\t\\n\\x0B\\f\\r ", "upper": "A-Z", "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f",
    ]

    /// RE2 syntax → Swift `Regex` syntax, refusing what RE2 refuses.
    static func translate(_ pattern: String) throws(Failure) -> String {
        let chars = Array(pattern.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        var inClass = false
        var classStart = 0
        var dotAll = false
        func text(_ from: Int, _ to: Int) -> String {
            var s = String.UnicodeScalarView()
            s.append(contentsOf: chars[from..<min(to, chars.count)])
            return String(s)
        }
        func append(_ s: String) { out.append(contentsOf: s.unicodeScalars) }
        while i < chars.count {
            let c = chars[i]
            if c == "\\" {
                guard i + 1 < chars.count else { throw Failure(reason: "trailing backslash at end of expression: ``") }
                let n = chars[i + 1]
                if n.properties.numericType != nil, n.isASCII, ("0"..."9").contains(n) {
                    // Octal: \0, \0NN or \NNN (up to three digits); a lone \1-\9 is a back-reference.
                    var j = i + 1
                    while j < chars.count, j < i + 4, ("0"..."7").contains(chars[j]) { j += 1 }
                    let digits = text(i + 1, j)
                    if n != "0" && digits.count < 2 { throw Failure(reason: "invalid escape sequence: `\\\(n)`") }
                    guard let value = UInt32(digits.isEmpty ? "0" : digits, radix: 8) else {
                        throw Failure(reason: "invalid escape sequence: `\\\(n)`")
                    }
                    append("\\x{" + String(value, radix: 16) + "}")
                    i = j
                    continue
                }
                switch n {
                case "p", "P", "x":
                    if i + 2 < chars.count, chars[i + 2] == "{" {
                        // \p{Greek}, \x{2028}: copied whole, so the brace is not read as a repeat.
                        guard let close = chars[(i + 2)...].firstIndex(of: "}") else {
                            throw Failure(reason: "invalid escape sequence: `\(text(i, chars.count))`")
                        }
                        append(text(i, close + 1))
                        i = close + 1
                        continue
                    }
                    if n != "x", i + 2 < chars.count {
                        append("\\" + String(n) + "{" + String(chars[i + 2]) + "}")
                        i += 3
                        continue
                    }
                case "Z", "G", "X", "R", "K", "h", "H", "V", "N", "o", "g", "k", "c", "e":
                    throw Failure(reason: "invalid escape sequence: `\\\(n)`")
                default: break
                }
                out.append(c)
                out.append(n)
                i += 2
                continue
            }
            if inClass {
                if c == "]" { inClass = false }
                if c == "[", i + 1 < chars.count, chars[i + 1] == ":",
                   let end = (i + 2 < chars.count ? chars[(i + 2)...].firstIndex(of: ":") : nil),
                   end + 1 < chars.count, chars[end + 1] == "]" {
                    var name = text(i + 2, end)
                    let negated = name.hasPrefix("^")
                    if negated { name.removeFirst() }
                    guard let ascii = Self.posixClasses[name] else { throw Failure(reason: "invalid character class range: `[:\(negated ? "^" : "")\(name):]`") }
                    append(negated ? "[^" + ascii + "]" : ascii)
                    i = end + 2
                    continue
                }
                out.append(c)
                i += 1
                continue
            }
            switch c {
            case "[":
                inClass = true
                out.append(c)
                i += 1
                if i < chars.count, chars[i] == "^" { out.append(chars[i]); i += 1 }
                classStart = i
                // A `]` right after `[` or `[^` is a literal, not the end of the class.
                if i < chars.count, chars[i] == "]" { out.append(contentsOf: "\\]".unicodeScalars); i += 1 }
                continue
            case "(":
                if i + 1 < chars.count, chars[i + 1] == "?" {
                    let next = i + 2 < chars.count ? chars[i + 2] : " "
                    let after = i + 3 < chars.count ? chars[i + 3] : " "
                    if next == "=" || next == "!" || next == ">" || (next == "<" && (after == "=" || after == "!")) {
                        throw Failure(reason: "invalid or unsupported Perl syntax: `\(text(i, i + (next == "<" ? 4 : 3)))`")
                    }
                    if next == "<" { throw Failure(reason: "invalid or unsupported Perl syntax: `(?<`") }
                    if next == "P", after == "<" {
                        append("(?<")
                        i += 4
                        continue
                    }
                    // Flags, `(?s)` or `(?is:`: the `s` flag changes what `.` means from here
                    // on (RE2 scopes it to the group; patterns in the wild set it up front).
                    var j = i + 2
                    var flags = ""
                    while j < chars.count, chars[j] != ")", chars[j] != ":" { flags.unicodeScalars.append(chars[j]); j += 1 }
                    if j < chars.count, flags.allSatisfy({ "imsU-".contains($0) }), !flags.isEmpty {
                        if flags.contains("s") && !flags.hasPrefix("-") && !flags.contains("-s") { dotAll = true }
                    }
                }
            case "*", "+", "?":
                if i + 1 < chars.count, chars[i + 1] == "*" || chars[i + 1] == "+" || (chars[i + 1] == "?" && c == "?" && false) {
                    throw Failure(reason: "invalid nested repetition operator: `\(text(i, i + 2))`")
                }
            case "{":
                // A repeat {n}, {n,} or {n,m}; anything else is a literal brace in RE2.
                var j = i + 1
                while j < chars.count, ("0"..."9").contains(chars[j]) { j += 1 }
                let low = text(i + 1, j)
                var high: String? = nil
                var valid = !low.isEmpty
                if valid, j < chars.count, chars[j] == "," {
                    var k = j + 1
                    while k < chars.count, ("0"..."9").contains(chars[k]) { k += 1 }
                    high = text(j + 1, k)
                    j = k
                }
                valid = valid && j < chars.count && chars[j] == "}"
                if !valid {
                    append("\\{")
                    i += 1
                    continue
                }
                let lowValue = Int(low) ?? Int.max
                let highValue = high.flatMap { $0.isEmpty ? nil : Int($0) ?? Int.max }
                if lowValue > 1000 || (highValue ?? 0) > 1000 || (highValue.map { $0 < lowValue } ?? false) {
                    throw Failure(reason: "invalid repeat count: `\(text(i, j + 1))`")
                }
                append(text(i, j + 1))
                i = j + 1
                if i < chars.count, chars[i] == "+" || chars[i] == "*" {
                    throw Failure(reason: "invalid nested repetition operator: `\(text(i - (j + 1 - i), i + 1))`")
                }
                continue
            case ".":
                // RE2's `.` excludes only `\n` (nothing under the `s` flag); Swift's also
                // excludes U+2028 and the other Unicode line terminators.
                append(dotAll ? "[\\s\\S]" : "[^\\n]")
                i += 1
                continue
            default:
                break
            }
            out.append(c)
            i += 1
        }
        if inClass { throw Failure(reason: "missing closing ]: `\(text(max(classStart - 1, 0), chars.count))`") }
        return String(out)
    }
}
