/// Splits a PromQL query into tokens exactly as Prometheus 2.42's lexer (`promql/parser/lex.go`)
/// does, including its quirks: keywords are case-insensitive, `inf`/`nan` are numbers, a `)`
/// without a partner is reported just after itself, and inside `[…]` any letter lexes as `:`.
///
/// The lexer stops at the first error; the error token carries the message and the position
/// Prometheus reports for it (the start of the item being lexed).
struct Lexer {
    private static let eof: Int32 = -1

    private let bytes: [UInt8]
    private var pos = 0
    private var start = 0
    private var width = 0

    private var parenDepth = 0
    private var braceOpen = false
    private var bracketOpen = false
    private var gotColon = false
    /// Set right after `[`: the next item must be a duration.
    private var expectDuration = false
    private var finished = false

    init(_ input: String) {
        bytes = Array(input.utf8)
    }

    /// All tokens up to and including the first `.eof` or `.error`.
    static func tokenize(_ input: String) -> [Token] {
        var lexer = Lexer(input)
        var tokens: [Token] = []
        while true {
            let token = lexer.nextToken()
            tokens.append(token)
            if token.kind == .eof || token.kind == .error { return tokens }
        }
    }

    mutating func nextToken() -> Token {
        if finished { return Token(kind: .eof, start: start, end: start, text: "") }
        while true {
            let token: Token?
            if expectDuration {
                expectDuration = false
                token = lexDuration()
            } else if braceOpen {
                token = lexInsideBraces()
            } else {
                token = lexStatement()
            }
            if let token {
                if token.kind == .error || token.kind == .eof { finished = true }
                return token
            }
        }
    }

    // MARK: - Runes

    private mutating func next() -> Int32 {
        guard pos < bytes.count else {
            width = 0
            return Self.eof
        }
        let (rune, size) = decode(at: pos)
        width = size
        pos += size
        return rune
    }

    private mutating func backup() { pos -= width }

    private mutating func peek() -> Int32 {
        let rune = next()
        backup()
        return rune
    }

    private mutating func accept(_ valid: String) -> Bool {
        let rune = next()
        if rune >= 0, valid.unicodeScalars.contains(where: { Int32($0.value) == rune }) { return true }
        backup()
        return false
    }

    private mutating func acceptRun(_ valid: String) {
        while accept(valid) {}
    }

    /// Decodes the (valid, since it came from a Swift string) UTF-8 sequence at `index`.
    private func decode(at index: Int) -> (Int32, Int) {
        let lead = bytes[index]
        switch lead {
        case 0..<0x80:
            return (Int32(lead), 1)
        case 0xC0..<0xE0:
            return (Int32(lead & 0x1F) << 6 | Int32(bytes[index + 1] & 0x3F), 2)
        case 0xE0..<0xF0:
            return (Int32(lead & 0x0F) << 12 | Int32(bytes[index + 1] & 0x3F) << 6 | Int32(bytes[index + 2] & 0x3F), 3)
        default:
            return (Int32(lead & 0x07) << 18 | Int32(bytes[index + 1] & 0x3F) << 12
                | Int32(bytes[index + 2] & 0x3F) << 6 | Int32(bytes[index + 3] & 0x3F), 4)
        }
    }

    // MARK: - Items

    private var currentText: String {
        String(decoding: bytes[start..<pos], as: UTF8.self)
    }

    private mutating func emit(_ kind: Token.Kind, stringValue: String = "") -> Token {
        let token = Token(kind: kind, start: start, end: pos, text: currentText, stringValue: stringValue)
        start = pos
        return token
    }

    private func error(_ message: String) -> Token {
        Token(kind: .error, start: start, end: bytes.count, text: message)
    }

    private mutating func ignore() { start = pos }

    private func hasCommentPrefix() -> Bool {
        pos < bytes.count && bytes[pos] == UInt8(ascii: "#")
    }

    private mutating func skipComment() {
        pos += 1
        while true {
            let rune = next()
            if rune == Self.eof || isEndOfLine(rune) { break }
        }
        backup()
        ignore()
    }

    private mutating func skipSpaces() {
        while isSpace(peek()) { _ = next() }
        ignore()
    }

    // MARK: - States

    /// Outside braces (`lexStatements`). Returns nil after skipping space or a comment.
    private mutating func lexStatement() -> Token? {
        if hasCommentPrefix() {
            skipComment()
            return nil
        }
        let rune = next()
        switch rune {
        case Self.eof:
            if parenDepth != 0 { return error("unclosed left parenthesis") }
            if bracketOpen { return error("unclosed left bracket") }
            return emit(.eof)
        case ascii(","): return emit(.comma)
        case _ where isSpace(rune):
            skipSpaces()
            return nil
        case ascii("*"): return emit(.mul)
        case ascii("/"): return emit(.div)
        case ascii("%"): return emit(.mod)
        case ascii("+"): return emit(.add)
        case ascii("-"): return emit(.sub)
        case ascii("^"): return emit(.pow)
        case ascii("="):
            let following = peek()
            if following == ascii("=") {
                _ = next()
                return emit(.eqlc)
            }
            if following == ascii("~") {
                return error("unexpected character after '=': \(GoFormat.quoteRune(following))")
            }
            return emit(.assign)
        case ascii("!"):
            let following = next()
            guard following == ascii("=") else {
                return error("unexpected character after '!': \(GoFormat.quoteRune(following))")
            }
            return emit(.neq)
        case ascii("<"):
            if peek() == ascii("=") {
                _ = next()
                return emit(.lte)
            }
            return emit(.lss)
        case ascii(">"):
            if peek() == ascii("=") {
                _ = next()
                return emit(.gte)
            }
            return emit(.gtr)
        case _ where isDigit(rune) || (rune == ascii(".") && isDigit(peek())):
            backup()
            return lexNumberOrDuration()
        case ascii("\""), ascii("'"):
            return lexString(quote: rune)
        case ascii("`"):
            return lexRawString()
        case _ where isAlpha(rune) || rune == ascii(":"):
            if !bracketOpen {
                backup()
                return lexKeywordOrIdentifier()
            }
            if gotColon { return error("unexpected colon \(GoFormat.quoteRune(rune))") }
            gotColon = true
            return emit(.colon)
        case ascii("("):
            parenDepth += 1
            return emit(.leftParen)
        case ascii(")"):
            let token = emit(.rightParen)
            parenDepth -= 1
            // Reported after the parenthesis: the item was already emitted.
            if parenDepth < 0 { return error("unexpected right parenthesis ')'") }
            return token
        case ascii("{"):
            braceOpen = true
            return emit(.leftBrace)
        case ascii("["):
            if bracketOpen { return error("unexpected left bracket '['") }
            gotColon = false
            let token = emit(.leftBracket)
            skipSpaces()
            bracketOpen = true
            expectDuration = true
            return token
        case ascii("]"):
            if !bracketOpen { return error("unexpected right bracket ']'") }
            bracketOpen = false
            return emit(.rightBracket)
        case ascii("@"):
            return emit(.at)
        default:
            return error("unexpected character: \(GoFormat.quoteRune(rune))")
        }
    }

    /// Inside `{…}`: keywords are plain identifiers and only matcher syntax is allowed.
    private mutating func lexInsideBraces() -> Token? {
        if hasCommentPrefix() {
            skipComment()
            return nil
        }
        let rune = next()
        switch rune {
        case Self.eof:
            return error("unexpected end of input inside braces")
        case _ where isSpace(rune):
            skipSpaces()
            return nil
        case _ where isAlpha(rune):
            while isAlphaNumeric(next()) {}
            backup()
            return emit(.identifier)
        case ascii(","):
            return emit(.comma)
        case ascii("\""), ascii("'"):
            return lexString(quote: rune)
        case ascii("`"):
            return lexRawString()
        case ascii("="):
            if next() == ascii("~") { return emit(.eqlRegex) }
            backup()
            return emit(.assign)
        case ascii("!"):
            let following = next()
            if following == ascii("~") { return emit(.neqRegex) }
            if following == ascii("=") { return emit(.neq) }
            return error("unexpected character after '!' inside braces: \(GoFormat.quoteRune(following))")
        case ascii("{"):
            return error("unexpected left brace '{'")
        case ascii("}"):
            braceOpen = false
            return emit(.rightBrace)
        default:
            return error("unexpected character inside braces: \(GoFormat.quoteRune(rune))")
        }
    }

    /// Right after `[`: a duration, or an error (`lexDuration`).
    private mutating func lexDuration() -> Token {
        if scanNumber() { return error("missing unit character in duration") }
        if !acceptRemainingDuration() {
            return error("bad duration syntax: \(GoFormat.quote(currentText))")
        }
        backup()
        return emit(.duration)
    }

    private mutating func lexNumberOrDuration() -> Token {
        if scanNumber() { return emit(.number) }
        if acceptRemainingDuration() {
            backup()
            return emit(.duration)
        }
        return error("bad number or duration syntax: \(GoFormat.quote(currentText))")
    }

    /// Consumes a decimal, hexadecimal or floating-point number; true if what follows cannot
    /// continue it. The text is validated later, when the parser converts it.
    private mutating func scanNumber() -> Bool {
        var digits = "0123456789"
        if accept("0") && accept("xX") { digits = "0123456789abcdefABCDEF" }
        acceptRun(digits)
        if accept(".") { acceptRun(digits) }
        if accept("eE") {
            _ = accept("+-")
            acceptRun("0123456789")
        }
        return !isAlphaNumeric(peek())
    }

    /// After a number, the unit letters of a duration like `5m` or `1h30m`. Consumes one
    /// character past the duration, which the caller backs up over.
    private mutating func acceptRemainingDuration() -> Bool {
        guard accept("smhdwy") else { return false }
        _ = accept("s")  // "ms"; bad units like "hs" are caught when the duration is parsed.
        while accept("0123456789") {
            acceptRun("0123456789")
            // "y" must come first, so it is not accepted here.
            guard accept("smhdw") else { return false }
            _ = accept("s")
        }
        return !isAlphaNumeric(next())
    }

    private mutating func lexKeywordOrIdentifier() -> Token {
        while true {
            let rune = next()
            if isAlphaNumeric(rune) || rune == ascii(":") { continue }
            backup()
            break
        }
        let word = currentText
        if let keyword = Token.Kind.keywords[word.lowercased()] { return emit(keyword) }
        return emit(word.contains(":") ? .metricIdentifier : .identifier)
    }

    /// A `"…"` or `'…'` string with Go escapes. The value is decoded as it is validated.
    private mutating func lexString(quote: Int32) -> Token {
        var value: [UInt8] = []
        while true {
            let rune = next()
            switch rune {
            case ascii("\\"):
                if let failure = lexEscape(quote: quote, into: &value) { return error(failure) }
            case 0xFFFD:
                // Go cannot tell a literal U+FFFD from invalid UTF-8 here.
                return error("invalid UTF-8 rune")
            case Self.eof, ascii("\n"):
                return error("unterminated quoted string")
            case quote:
                return emit(.string, stringValue: String(decoding: value, as: UTF8.self))
            default:
                value.append(contentsOf: bytes[(pos - width)..<pos])
            }
        }
    }

    /// One escape sequence after a backslash; returns the error message, if any.
    private mutating func lexEscape(quote: Int32, into value: inout [UInt8]) -> String? {
        var ch = next()
        let count: Int, base: UInt32, max: UInt32
        switch ch {
        case ascii("a"): value.append(0x07); return nil
        case ascii("b"): value.append(0x08); return nil
        case ascii("f"): value.append(0x0C); return nil
        case ascii("n"): value.append(0x0A); return nil
        case ascii("r"): value.append(0x0D); return nil
        case ascii("t"): value.append(0x09); return nil
        case ascii("v"): value.append(0x0B); return nil
        case ascii("\\"): value.append(UInt8(ascii: "\\")); return nil
        case quote: value.append(UInt8(quote)); return nil
        case ascii("0")...ascii("7"):
            (count, base, max) = (3, 8, 255)
        case ascii("x"):
            ch = next()
            (count, base, max) = (2, 16, 255)
        case ascii("u"):
            ch = next()
            (count, base, max) = (4, 16, 0x10FFFF)
        case ascii("U"):
            ch = next()
            (count, base, max) = (8, 16, 0x10FFFF)
        case Self.eof:
            return "escape sequence not terminated"
        default:
            return "unknown escape sequence \(GoFormat.unicodeNotation(ch))"
        }
        var x: UInt32 = 0
        for index in 0..<count {
            let digit = digitValue(ch)
            if digit >= base {
                if ch == Self.eof { return "escape sequence not terminated" }
                return "illegal character \(GoFormat.unicodeNotation(ch)) in escape sequence"
            }
            x = x * base + digit
            if index < count - 1 { ch = next() }
        }
        if x > max || (0xD800..<0xE000).contains(x) {
            return "escape sequence is an invalid Unicode code point"
        }
        if base == 8 || count == 2 {
            value.append(UInt8(x))  // \377 and \xff are bytes, not code points.
        } else {
            appendUTF8(Int32(x), to: &value)
        }
        return nil
    }

    private mutating func lexRawString() -> Token {
        var value: [UInt8] = []
        while true {
            let rune = next()
            switch rune {
            case 0xFFFD: return error("invalid UTF-8 rune")
            case Self.eof: return error("unterminated raw string")
            case ascii("`"): return emit(.string, stringValue: String(decoding: value, as: UTF8.self))
            default: value.append(contentsOf: bytes[(pos - width)..<pos])
            }
        }
    }

    private func appendUTF8(_ rune: Int32, to buffer: inout [UInt8]) {
        guard let scalar = Unicode.Scalar(UInt32(rune)) else { return }
        buffer.append(contentsOf: Array(String(Character(scalar)).utf8))
    }
}

// MARK: - Character classes (ASCII only, as in Prometheus)

private func ascii(_ character: Unicode.Scalar) -> Int32 { Int32(character.value) }

private func isSpace(_ rune: Int32) -> Bool {
    rune == 0x20 || rune == 0x09 || rune == 0x0A || rune == 0x0D
}

private func isEndOfLine(_ rune: Int32) -> Bool { rune == 0x0A || rune == 0x0D }

private func isDigit(_ rune: Int32) -> Bool { rune >= 0x30 && rune <= 0x39 }

private func isAlpha(_ rune: Int32) -> Bool {
    rune == 0x5F || (rune >= 0x61 && rune <= 0x7A) || (rune >= 0x41 && rune <= 0x5A)
}

private func isAlphaNumeric(_ rune: Int32) -> Bool { isAlpha(rune) || isDigit(rune) }

private func digitValue(_ rune: Int32) -> UInt32 {
    switch rune {
    case 0x30...0x39: UInt32(rune - 0x30)
    case 0x61...0x66: UInt32(rune - 0x61 + 10)
    case 0x41...0x46: UInt32(rune - 0x41 + 10)
    default: 16
    }
}
