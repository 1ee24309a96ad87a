/// One token of Go's template language.
struct TemplateToken: Sendable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        case error, bool, char, charConstant, comment, complex, assign, declare, eof, field, identifier
        case leftDelim, leftParen, number, pipe, rawString, rightDelim, rightParen, space, string, text, variable
        // Keywords.
        case block, breakKeyword, continueKeyword, dot, define, elseKeyword, end, ifKeyword, nilKeyword
        case range, template, with

        var isKeyword: Bool {
            switch self {
            case .block, .breakKeyword, .continueKeyword, .dot, .define, .elseKeyword, .end, .ifKeyword,
                .nilKeyword, .range, .template, .with:
                true
            default: false
            }
        }
    }

    var kind: Kind
    /// Byte offset in the template text.
    var position: Int
    var value: String
    var line: Int

    /// How Go's parser names the token in an error: `EOF`, `<end>`, `"foo"`, `"a long tok"...`.
    var description: String {
        switch kind {
        case .eof: return "EOF"
        case .error: return value
        case _ where kind.isKeyword: return "<\(value)>"
        default:
            if value.unicodeScalars.count > 10 {
                return GoQuote.quote(String(value.unicodeScalars.prefix(10))) + "..."
            }
            return GoQuote.quote(value)
        }
    }

    static let keywords: [String: Kind] = [
        ".": .dot, "block": .block, "break": .breakKeyword, "continue": .continueKeyword, "define": .define,
        "else": .elseKeyword, "end": .end, "if": .ifKeyword, "range": .range, "nil": .nilKeyword,
        "template": .template, "with": .with,
    ]
}

/// Splits a template into tokens as Go's `text/template/parse` lexer does: text outside
/// `{{ }}`, trim markers (`{{- ` and ` -}}`), comments, and the words inside actions. The
/// first malformed input ends the stream with an `.error` token carrying Go's message.
struct TemplateLexer {
    private let input: [UInt8]
    private var position = 0
    private var start = 0
    private var line = 1
    private var startLine = 1
    private var insideAction = false
    private var parenDepth = 0
    private var finished = false
    /// An error to report after the token just returned (Go emits `)` before complaining
    /// that it closes nothing).
    private var pendingError: String?

    init(_ text: String) {
        input = Array(text.utf8)
    }

    /// Every token up to and including the `.eof` or `.error` that ends the input.
    static func tokens(_ text: String) -> [TemplateToken] {
        var lexer = TemplateLexer(text)
        var tokens: [TemplateToken] = []
        while true {
            let token = lexer.next()
            tokens.append(token)
            if token.kind == .eof || token.kind == .error { return tokens }
        }
    }

    mutating func next() -> TemplateToken {
        if let message = pendingError {
            pendingError = nil
            return error(message)
        }
        if finished { return TemplateToken(kind: .eof, position: position, value: "EOF", line: startLine) }
        return insideAction ? lexInsideAction() : lexText()
    }

    // MARK: - Reading runes

    private static let eof: UInt32 = .max

    private mutating func nextRune() -> UInt32 {
        guard position < input.count else { return Self.eof }
        let (scalar, width) = decode(at: position)
        position += width
        if scalar == 0x0A { line += 1 }
        return scalar
    }

    /// Steps back over the character before the current position.
    private mutating func backup() {
        guard position > 0 else { return }
        var index = position - 1
        while index > 0 && position - index < 4 && input[index] & 0xC0 == 0x80 { index -= 1 }
        if index + decode(at: index).1 != position { index = position - 1 }
        position = index
        if input[position] == 0x0A { line -= 1 }
    }

    private mutating func peek() -> UInt32 {
        let r = nextRune()
        if r != Self.eof { backup() }
        return r
    }

    private func decode(at index: Int) -> (UInt32, Int) {
        let first = input[index]
        if first < 0x80 { return (UInt32(first), 1) }
        let length = first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 1
        guard length > 1, index + length <= input.count else { return (0xFFFD, 1) }
        var value = UInt32(first) & (0xFF >> (length + 1))
        for offset in 1..<length {
            let byte = input[index + offset]
            guard byte & 0xC0 == 0x80 else { return (0xFFFD, 1) }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        return (value, length)
    }

    private func hasPrefix(_ prefix: String, at index: Int) -> Bool {
        let bytes = Array(prefix.utf8)
        guard index >= 0, index + bytes.count <= input.count else { return false }
        return input[index..<index + bytes.count].elementsEqual(bytes)
    }

    // MARK: - Emitting

    private mutating func token(_ kind: TemplateToken.Kind) -> TemplateToken {
        let value = String(decoding: input[start..<position], as: UTF8.self)
        let token = TemplateToken(kind: kind, position: start, value: value, line: startLine)
        start = position
        startLine = line
        return token
    }

    private mutating func ignore() {
        line += input[start..<position].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        start = position
        startLine = line
    }

    private mutating func error(_ message: String) -> TemplateToken {
        finished = true
        return TemplateToken(kind: .error, position: start, value: message, line: startLine)
    }

    private func isSpace(_ r: UInt32) -> Bool { r == 0x20 || r == 0x09 || r == 0x0D || r == 0x0A }

    private func isAlphaNumeric(_ r: UInt32) -> Bool {
        guard r != Self.eof, let scalar = Unicode.Scalar(r) else { return false }
        return r == 0x5F || GoQuote.isLetter(scalar) || GoQuote.isDigit(scalar)
    }

    private func hasLeftTrimMarker(at index: Int) -> Bool {
        index + 1 < input.count && input[index] == UInt8(ascii: "-") && isSpace(UInt32(input[index + 1]))
    }

    private func hasRightTrimMarker(at index: Int) -> Bool {
        index + 1 < input.count && isSpace(UInt32(input[index])) && input[index + 1] == UInt8(ascii: "-")
    }

    private func spaceCount(from index: Int, backwards: Bool, limit: Int) -> Int {
        var count = 0
        if backwards {
            while index - count - 1 >= limit && isSpace(UInt32(input[index - count - 1])) { count += 1 }
        } else {
            while index + count < input.count && isSpace(UInt32(input[index + count])) { count += 1 }
        }
        return count
    }

    private func atRightDelim() -> (delim: Bool, trim: Bool) {
        if hasRightTrimMarker(at: position) && hasPrefix("}}", at: position + 2) { return (true, true) }
        if hasPrefix("}}", at: position) { return (true, false) }
        return (false, false)
    }

    // MARK: - States

    private mutating func lexText() -> TemplateToken {
        var delimiter: Int?
        var index = position
        while index + 1 < input.count {
            if input[index] == UInt8(ascii: "{") && input[index + 1] == UInt8(ascii: "{") {
                delimiter = index
                break
            }
            index += 1
        }
        guard let x = delimiter else {
            position = input.count
            if position > start {
                line += input[start..<position].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                return token(.text)
            }
            finished = true
            return token(.eof)
        }
        if x > position {
            position = x
            let trim = hasLeftTrimMarker(at: x + 2) ? spaceCount(from: x, backwards: true, limit: start) : 0
            position -= trim
            line += input[start..<position].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            let text = token(.text)
            position += trim
            ignore()
            if !text.value.isEmpty { return text }
        }
        return lexLeftDelim()
    }

    private mutating func lexLeftDelim() -> TemplateToken {
        position += 2
        let trim = hasLeftTrimMarker(at: position)
        let afterMarker = trim ? 2 : 0
        if hasPrefix("/*", at: position + afterMarker) {
            position += afterMarker
            ignore()
            return lexComment()
        }
        let delimiter = token(.leftDelim)
        insideAction = true
        position += afterMarker
        ignore()
        parenDepth = 0
        return delimiter
    }

    private mutating func lexComment() -> TemplateToken {
        position += 2
        var index = position
        var close: Int?
        while index + 1 < input.count {
            if input[index] == UInt8(ascii: "*") && input[index + 1] == UInt8(ascii: "/") {
                close = index
                break
            }
            index += 1
        }
        guard let close else { return error("unclosed comment") }
        position = close + 2
        let (delim, trim) = atRightDelim()
        guard delim else { return error("comment ends before closing delimiter") }
        line += input[start..<position].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        _ = token(.comment)
        if trim { position += 2 }
        position += 2
        if trim { position += spaceCount(from: position, backwards: false, limit: 0) }
        ignore()
        return lexText()
    }

    private mutating func lexRightDelim() -> TemplateToken {
        let (_, trim) = atRightDelim()
        if trim {
            position += 2
            ignore()
        }
        position += 2
        let delimiter = token(.rightDelim)
        if trim {
            position += spaceCount(from: position, backwards: false, limit: 0)
            ignore()
        }
        insideAction = false
        return delimiter
    }

    private mutating func lexInsideAction() -> TemplateToken {
        if atRightDelim().delim {
            if parenDepth == 0 { return lexRightDelim() }
            return error("unclosed left paren")
        }
        let r = nextRune()
        switch r {
        case Self.eof:
            return error("unclosed action")
        case _ where isSpace(r):
            backup()
            return lexSpace()
        case 0x3D:  // =
            return token(.assign)
        case 0x3A:  // :
            if nextRune() != 0x3D { return error("expected :=") }
            return token(.declare)
        case 0x7C:  // |
            return token(.pipe)
        case 0x22:  // "
            return lexQuote()
        case 0x60:  // `
            return lexRawQuote()
        case 0x24:  // $
            return lexVariable()
        case 0x27:  // '
            return lexChar()
        case 0x2E where position < input.count && (input[position] < UInt8(ascii: "0") || input[position] > UInt8(ascii: "9")):
            return lexFieldOrVariable(.field)
        case 0x2E, 0x2B, 0x2D, 0x30...0x39:  // . + - digits
            backup()
            return lexNumber()
        case _ where isAlphaNumeric(r):
            backup()
            return lexIdentifier()
        case 0x28:  // (
            parenDepth += 1
            return token(.leftParen)
        case 0x29:  // )
            parenDepth -= 1
            let paren = token(.rightParen)
            if parenDepth < 0 { pendingError = "unexpected right paren \(Self.unicodeNotation(r))" }
            return paren
        case 0x00...0x7F where Unicode.Scalar(r).map(GoQuote.isPrint) ?? false:
            return token(.char)
        default:
            return error("unrecognized character in action: \(Self.unicodeNotation(r))")
        }
    }

    private mutating func lexSpace() -> TemplateToken {
        var spaces = 0
        while isSpace(peek()) {
            _ = nextRune()
            spaces += 1
        }
        // A trim-marked right delimiter starts with a space: leave that space to it.
        if hasRightTrimMarker(at: position - 1) && hasPrefix("}}", at: position + 1) {
            backup()
            if spaces == 1 { return lexRightDelim() }
        }
        return token(.space)
    }

    private mutating func lexIdentifier() -> TemplateToken {
        while true {
            let r = nextRune()
            if isAlphaNumeric(r) { continue }
            if r != Self.eof { backup() }
            let word = String(decoding: input[start..<position], as: UTF8.self)
            if !atTerminator() { return error("bad character \(Self.unicodeNotation(r))") }
            if let keyword = TemplateToken.keywords[word], keyword.isKeyword { return token(keyword) }
            if word.hasPrefix(".") { return token(.field) }
            if word == "true" || word == "false" { return token(.bool) }
            return token(.identifier)
        }
    }

    private mutating func lexVariable() -> TemplateToken {
        if atTerminator() { return token(.variable) }
        return lexFieldOrVariable(.variable)
    }

    private mutating func lexFieldOrVariable(_ kind: TemplateToken.Kind) -> TemplateToken {
        if atTerminator() { return token(kind == .variable ? .variable : .dot) }
        var r: UInt32
        while true {
            r = nextRune()
            if !isAlphaNumeric(r) {
                if r != Self.eof { backup() }
                break
            }
        }
        if !atTerminator() { return error("bad character \(Self.unicodeNotation(r))") }
        return token(kind)
    }

    /// Whether the next character may follow a word: space, end of input, `.,|:()` or the
    /// right delimiter's first character.
    private mutating func atTerminator() -> Bool {
        let r = peek()
        if isSpace(r) { return true }
        switch r {
        case Self.eof, 0x2E, 0x2C, 0x7C, 0x3A, 0x29, 0x28, 0x7D: return true
        default: return false
        }
    }

    private mutating func lexChar() -> TemplateToken {
        while true {
            switch nextRune() {
            case 0x5C:  // backslash
                let r = nextRune()
                if r != Self.eof && r != 0x0A { continue }
                return error("unterminated character constant")
            case Self.eof, 0x0A:
                return error("unterminated character constant")
            case 0x27:
                return token(.charConstant)
            default:
                continue
            }
        }
    }

    private mutating func lexNumber() -> TemplateToken {
        if !scanNumber() {
            return error("bad number syntax: \(GoQuote.quote(String(decoding: input[start..<position], as: UTF8.self)))")
        }
        let sign = peek()
        if sign == 0x2B || sign == 0x2D {
            if !scanNumber() || input[position - 1] != UInt8(ascii: "i") {
                return error("bad number syntax: \(GoQuote.quote(String(decoding: input[start..<position], as: UTF8.self)))")
            }
            return token(.complex)
        }
        return token(.number)
    }

    private mutating func accept(_ valid: String) -> Bool {
        let r = nextRune()
        if r != Self.eof, let scalar = Unicode.Scalar(r), valid.unicodeScalars.contains(scalar) { return true }
        if r != Self.eof { backup() }
        return false
    }

    private mutating func acceptRun(_ valid: String) {
        while accept(valid) {}
    }

    private mutating func scanNumber() -> Bool {
        _ = accept("+-")
        var digits = "0123456789_"
        if accept("0") {
            if accept("xX") {
                digits = "0123456789abcdefABCDEF_"
            } else if accept("oO") {
                digits = "01234567_"
            } else if accept("bB") {
                digits = "01_"
            }
        }
        acceptRun(digits)
        if accept(".") { acceptRun(digits) }
        if digits.count == 11 && accept("eE") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        if digits.count == 23 && accept("pP") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        _ = accept("i")
        if isAlphaNumeric(peek()) {
            _ = nextRune()
            return false
        }
        return true
    }

    private mutating func lexQuote() -> TemplateToken {
        while true {
            switch nextRune() {
            case 0x5C:
                let r = nextRune()
                if r != Self.eof && r != 0x0A { continue }
                return error("unterminated quoted string")
            case Self.eof, 0x0A:
                return error("unterminated quoted string")
            case 0x22:
                return token(.string)
            default:
                continue
            }
        }
    }

    private mutating func lexRawQuote() -> TemplateToken {
        while true {
            switch nextRune() {
            case Self.eof: return error("unterminated raw quoted string")
            case 0x60: return token(.rawString)
            default: continue
            }
        }
    }

    /// Go's `%#U`: `U+0023 '#'`, without the character when it is not printable.
    static func unicodeNotation(_ r: UInt32) -> String {
        let hex = String(r, radix: 16, uppercase: true)
        var text = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        if let scalar = Unicode.Scalar(r), GoQuote.isPrint(scalar) { text += " '\(Character(scalar))'" }
        return text
    }
}
