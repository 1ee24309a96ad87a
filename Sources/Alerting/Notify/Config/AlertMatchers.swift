public import TSDB

/// Alertmanager's matcher syntax, as `matchers:` lists in `alertmanager.yml`, silences and
/// `amtool` write it: one or more `name op value`, comma-separated, optionally in braces.
///
/// ```swift
/// let matchers = try AlertMatchers.parse(#"{severity=~"critical|page", team!=db}"#)
/// AlertMatchers.format(matchers) // {severity=~"critical|page",team!="db"}
/// ```
///
/// It follows Alertmanager 0.25's `labels.ParseMatchers`: operators `=`, `!=`, `=~`, `!~`;
/// whitespace around names, operators and values is ignored; a value is either quoted
/// (`\"`, `\\` and `\n` are escapes, any other backslash is literal) or the unquoted rest of
/// the matcher; a trailing comma is allowed. Regular expressions are anchored, as in
/// Alertmanager. Label names are Prometheus's `[a-zA-Z_][a-zA-Z0-9_]*`.
public enum AlertMatchers {
    /// The matchers in `text`; an empty text (or `{}`) is no matchers.
    public static func parse(_ text: String) throws(AlertMatcherError) -> [LabelMatcher] {
        var parser = MatcherParser(text)
        return try parser.parse()
    }

    /// `{name="value",other=~"re"}`: text ``parse(_:)`` reads back to the same matchers.
    public static func format(_ matchers: [LabelMatcher]) -> String {
        "{" + matchers.map(\.description).joined(separator: ",") + "}"
    }
}

/// A matcher string that was refused: what is wrong, where (the offset, in characters,
/// into the text given to ``AlertMatchers/parse(_:)``), and why.
public struct AlertMatcherError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A matcher with no label name (an empty item between commas, or text that is not one).
        case missingName
        /// A label name with a character outside `[a-zA-Z0-9_]`.
        case invalidName
        /// No `=`, `!=`, `=~` or `!~` after the label name.
        case missingOperator
        /// A quoted value without its closing quote.
        case unterminatedQuote
        /// A `"` inside a value that is not escaped, or text after the closing quote.
        case unexpectedQuote
        /// `{` without `}`, or the other way round.
        case unbalancedBraces
        /// A `=~` or `!~` value that does not compile.
        case invalidRegex
    }

    public var kind: Kind
    /// Characters before the fault.
    public var offset: Int
    public var reason: String
    /// The matcher at fault, shortened to 60 characters.
    public var excerpt: String

    public init(kind: Kind, offset: Int, reason: String, excerpt: String) {
        self.kind = kind
        self.offset = offset
        self.reason = reason
        self.excerpt = excerpt
    }

    public var description: String {
        excerpt.isEmpty ? "at offset \(offset): \(reason)" : "at offset \(offset) in \"\(excerpt)\": \(reason)"
    }
}

/// Works on UTF-8 bytes so a megabyte of text is one linear pass; offsets become character
/// counts only when an error is reported.
private struct MatcherParser {
    let text: String
    let bytes: [UInt8]

    init(_ text: String) {
        self.text = text
        self.bytes = Array(text.utf8)
    }

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")
    private static let comma = UInt8(ascii: ",")

    /// Go's `\s`, which Alertmanager's matcher regex uses.
    private static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C
    }

    private static func isNameStart(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "_") || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        isNameStart(b) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
    }

    mutating func parse() throws(AlertMatcherError) -> [LabelMatcher] {
        var start = 0
        var end = bytes.count
        while start < end, Self.isSpace(bytes[start]) { start += 1 }
        while end > start, Self.isSpace(bytes[end - 1]) { end -= 1 }
        let opens = start < end && bytes[start] == UInt8(ascii: "{")
        let closes = end > start && bytes[end - 1] == UInt8(ascii: "}")
        if opens && closes && end - start >= 2 {
            start += 1
            end -= 1
        } else if opens {
            throw error(.unbalancedBraces, at: start, in: start..<end, "\"{\" is never closed with \"}\"")
        } else if closes {
            // Alertmanager trims a lone "}" too; refusing it catches a lost "{" (or a value
            // meant to end in "}", which must then be quoted).
            throw error(.unbalancedBraces, at: end - 1, in: start..<end, "\"}\" without an opening \"{\" (quote a value that ends in })")
        }

        // Split at commas outside quotes, as Alertmanager does before parsing each item.
        var items: [Range<Int>] = []
        var itemStart = start
        var inQuotes = false
        var escaped = false
        var index = start
        while index < end {
            let b = bytes[index]
            if b == Self.comma && !inQuotes {
                items.append(itemStart..<index)
                itemStart = index + 1
                escaped = false
            } else if escaped {
                escaped = false
            } else if b == Self.backslash {
                escaped = true
            } else if b == Self.quote {
                inQuotes.toggle()
            }
            index += 1
        }
        items.append(itemStart..<end)

        var matchers: [LabelMatcher] = []
        for (number, item) in items.enumerated() {
            var first = item.lowerBound
            while first < item.upperBound, Self.isSpace(bytes[first]) { first += 1 }
            // A trailing comma (and an empty text) leaves an empty last item; Alertmanager skips it.
            if first == item.upperBound && number == items.count - 1 { break }
            matchers.append(try parseMatcher(item))
        }
        return matchers
    }

    private func parseMatcher(_ item: Range<Int>) throws(AlertMatcherError) -> LabelMatcher {
        var index = item.lowerBound
        var end = item.upperBound
        while index < end, Self.isSpace(bytes[index]) { index += 1 }
        while end > index, Self.isSpace(bytes[end - 1]) { end -= 1 }
        let matcher = index..<end

        guard index < end, Self.isNameStart(bytes[index]) else {
            let reason = index == end
                ? "empty matcher (two commas in a row, or a comma first)"
                : "expected a label name (a letter or _ first), found \(describe(at: index))"
            throw error(.missingName, at: index, in: matcher, reason)
        }
        let nameStart = index
        while index < end, Self.isNameByte(bytes[index]) { index += 1 }
        let name = String(decoding: bytes[nameStart..<index], as: UTF8.self)
        while index < end, Self.isSpace(bytes[index]) { index += 1 }

        let kind: LabelMatcher.Kind
        let next = index + 1 < end ? bytes[index + 1] : 0
        switch index < end ? bytes[index] : 0 {
        case UInt8(ascii: "="):
            kind = next == UInt8(ascii: "~") ? .regexMatch : .equal
        case UInt8(ascii: "!") where next == UInt8(ascii: "="):
            kind = .notEqual
        case UInt8(ascii: "!") where next == UInt8(ascii: "~"):
            kind = .regexNoMatch
        case let b:
            if index < end, !Self.isSpace(bytes[index - 1]), b != UInt8(ascii: "!"), !Self.isOperatorStart(b) {
                throw error(.invalidName, at: index, in: matcher, "label names are letters, digits and _, not \(describe(at: index))")
            }
            let found = index < end ? describe(at: index) : "the end"
            throw error(.missingOperator, at: index, in: matcher, "expected =, !=, =~ or !~ after \"\(Self.shortened(name))\", found \(found)")
        }
        index += kind == .equal ? 1 : 2
        while index < end, Self.isSpace(bytes[index]) { index += 1 }

        let valueStart = index
        let value = try unescape(index..<end, matcher: matcher)
        do throws(MatcherError) {
            return try LabelMatcher(kind, name, value)
        } catch {
            // The reason may quote the rest of the pattern, which may be a megabyte long.
            throw self.error(.invalidRegex, at: valueStart, in: matcher, "invalid regular expression: \(Self.shortened(error.reason, to: 200))")
        }
    }

    private static func shortened(_ text: String, to limit: Int = 40) -> String {
        text.utf8.count <= limit ? text : String(text.prefix(limit)) + "…"
    }

    private static func isOperatorStart(_ b: UInt8) -> Bool { b == UInt8(ascii: "=") || b == UInt8(ascii: "!") }

    /// The value's text: quoted (closing quote last) or bare, with `\"`, `\\` and `\n`
    /// unescaped and any other backslash kept.
    private func unescape(_ range: Range<Int>, matcher: Range<Int>) throws(AlertMatcherError) -> String {
        var index = range.lowerBound
        let quoted = index < range.upperBound && bytes[index] == Self.quote
        if quoted { index += 1 }
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var closed = false
        while index < range.upperBound {
            let b = bytes[index]
            if b == Self.backslash, index + 1 < range.upperBound {
                switch bytes[index + 1] {
                case UInt8(ascii: "n"): out.append(0x0A)
                case Self.quote: out.append(Self.quote)
                case Self.backslash: out.append(Self.backslash)
                default: out.append(contentsOf: [Self.backslash, bytes[index + 1]])
                }
                index += 2
                continue
            }
            if b == Self.quote {
                guard quoted else {
                    throw error(.unexpectedQuote, at: index, in: matcher, "unescaped \" in an unquoted value (quote the value, or write \\\")")
                }
                guard index == range.upperBound - 1 else {
                    throw error(.unexpectedQuote, at: index + 1, in: matcher, "unexpected text after the closing quote (a , between matchers?)")
                }
                closed = true
                break
            }
            out.append(b)
            index += 1
        }
        if quoted && !closed {
            throw error(.unterminatedQuote, at: range.lowerBound, in: matcher, "the quoted value is never closed")
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func describe(at index: Int) -> String {
        let scalarEnd = min(bytes.count, index + Self.sequenceLength(bytes[index]))
        return "\"" + String(decoding: bytes[index..<scalarEnd], as: UTF8.self) + "\""
    }

    private static func sequenceLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0xF0...: 4
        case 0xE0...: 3
        case 0xC0...: 2
        default: 1
        }
    }

    private func error(_ kind: AlertMatcherError.Kind, at byteOffset: Int, in matcher: Range<Int>, _ reason: String) -> AlertMatcherError {
        AlertMatcherError(kind: kind, offset: characterOffset(byteOffset), reason: reason, excerpt: excerpt(matcher))
    }

    private func characterOffset(_ byteOffset: Int) -> Int {
        let utf8 = text.utf8
        let index = utf8.index(utf8.startIndex, offsetBy: min(byteOffset, bytes.count))
        return text[..<index].count
    }

    private func excerpt(_ range: Range<Int>) -> String {
        let limit = 60
        // Decode no more than the excerpt can show: a matcher may be a megabyte long.
        let window = bytes[range.lowerBound..<min(range.upperBound, range.lowerBound + 4 * limit + 4)]
        let text = String(decoding: window, as: UTF8.self)
        return window.count == range.count && text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }
}
