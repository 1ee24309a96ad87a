/// A parsed template: the main tree and the trees it defines with `{{define}}` or
/// `{{block}}`, possibly joined with trees parsed from other texts (a template set).
struct ParsedTemplate: Sendable {
    /// The name errors are reported under (Go's `ParseName`).
    var name: String
    /// The text the positions in the trees refer to.
    var text: String
    /// Trees by name; the main one is under ``name``.
    var trees: [String: TemplateList]
    /// For trees that came from another text (``adding(_:)``): that text and its name, which
    /// execution errors give positions in, as Go's `Tree.ParseName` does.
    var sources: [String: TemplateSource] = [:]

    /// The text and parse name of the tree `treeName`.
    func source(of treeName: String) -> TemplateSource {
        sources[treeName] ?? TemplateSource(name: name, text: text)
    }

    /// This set with `other`'s trees added, as Go's `AddParseTree` adds them: a tree
    /// replaces one of the same name unless it is empty (only spaces) and the old one is not.
    /// The main tree stays this one's.
    func adding(_ other: ParsedTemplate) -> ParsedTemplate {
        var joined = self
        for (treeName, list) in other.trees {
            if let existing = joined.trees[treeName], !TemplateParser.isEmpty(existing), TemplateParser.isEmpty(list) { continue }
            joined.trees[treeName] = list
            joined.sources[treeName] = other.source(of: treeName)
        }
        return joined
    }

    /// This template run against the named templates of `base`: its own definitions
    /// replace the base's as ``adding(_:)`` would, and its main tree is the one executed.
    func over(_ base: ParsedTemplate) -> ParsedTemplate {
        var joined = self
        for (treeName, list) in base.trees where treeName != name {
            if let mine = trees[treeName], !(TemplateParser.isEmpty(mine) && !TemplateParser.isEmpty(list)) { continue }
            joined.trees[treeName] = list
            joined.sources[treeName] = base.source(of: treeName)
        }
        return joined
    }
}

/// The text a tree was parsed from and the name positions in it are given under.
struct TemplateSource: Sendable, Hashable {
    var name: String
    var text: String
}

/// Builds the parse tree of a template as Go's `text/template/parse` does, reporting the
/// same first error in the same words.
///
/// Unlike Go it limits nesting (parentheses and `if`/`range`/`with` blocks) to
/// ``maxDepth`` levels, so that a hostile template cannot exhaust the stack.
struct TemplateParser {
    static let maxDepth = 100

    private let name: String
    private let functions: Set<String>
    private let tokens: [TemplateToken]
    private var cursor = 0

    // Go's three-token lookahead.
    private var token: [TemplateToken]
    private var peekCount = 0

    // Per-tree state.
    private var vars: [String] = ["$"]
    private var actionLine = 0
    private var rangeDepth = 0
    private var depth = 0
    private var trees: [String: TemplateList] = [:]

    private init(name: String, text: String, functions: Set<String>) {
        self.name = name
        self.functions = functions
        tokens = TemplateLexer.tokens(text)
        let none = TemplateToken(kind: .eof, position: 0, value: "", line: 1)
        token = [none, none, none]
    }

    /// Parses `text` as the template `name` whose functions are `functions`.
    static func parse(_ text: String, name: String, functions: Set<String>) throws(TemplateError) -> ParsedTemplate {
        var parser = TemplateParser(name: name, text: text, functions: functions)
        try parser.parse()
        return ParsedTemplate(name: name, text: text, trees: parser.trees)
    }

    // MARK: - Tokens

    private mutating func lexNext() -> TemplateToken {
        let token = tokens[min(cursor, tokens.count - 1)]
        cursor += 1
        return token
    }

    private mutating func next() -> TemplateToken {
        if peekCount > 0 {
            peekCount -= 1
        } else {
            token[0] = lexNext()
        }
        return token[peekCount]
    }

    private mutating func backup() { peekCount += 1 }

    private mutating func backup2(_ t1: TemplateToken) {
        token[1] = t1
        peekCount = 2
    }

    private mutating func backup3(_ t2: TemplateToken, _ t1: TemplateToken) {
        token[1] = t1
        token[2] = t2
        peekCount = 3
    }

    private mutating func peek() -> TemplateToken {
        if peekCount > 0 { return token[peekCount - 1] }
        peekCount = 1
        token[0] = lexNext()
        return token[0]
    }

    private mutating func nextNonSpace() -> TemplateToken {
        var t: TemplateToken
        repeat { t = next() } while t.kind == .space
        return t
    }

    private mutating func peekNonSpace() -> TemplateToken {
        let t = nextNonSpace()
        backup()
        return t
    }

    // MARK: - Errors

    private func error(_ message: String) -> TemplateError {
        TemplateError(phase: .parse, templateName: name, message: "template: \(name):\(token[0].line): \(message)")
    }

    private func unexpected(_ t: TemplateToken, _ context: String) -> TemplateError {
        if t.kind == .error {
            var extra = ""
            if actionLine != 0 && actionLine != t.line {
                extra = " in action started at \(name):\(actionLine)"
                if t.value.hasSuffix(" action") { extra = String(extra.dropFirst(" in action".count)) }
            }
            return error("\(t)\(extra)")
        }
        return error("unexpected \(t) in \(context)")
    }

    private mutating func expect(_ kind: TemplateToken.Kind, _ context: String) throws(TemplateError) -> TemplateToken {
        let t = nextNonSpace()
        if t.kind != kind { throw unexpected(t, context) }
        return t
    }

    private mutating func deeper() throws(TemplateError) {
        depth += 1
        if depth > Self.maxDepth { throw error("max expression depth exceeded") }
    }

    // MARK: - Trees

    private mutating func parse() throws(TemplateError) {
        var root = TemplateList(position: peek().position)
        while peek().kind != .eof {
            if peek().kind == .leftDelim {
                let delimiter = next()
                if nextNonSpace().kind == .define {
                    try parseDefinition()
                    continue
                }
                backup2(delimiter)
            }
            let node = try textOrAction()
            switch node {
            case .end, .elseBranch: throw error("unexpected \(node)")
            default: root.nodes.append(node)
            }
        }
        try add(name, root)
    }

    /// Records a tree; a name may be defined twice only if one definition is empty.
    private mutating func add(_ treeName: String, _ list: TemplateList) throws(TemplateError) {
        if let existing = trees[treeName], !Self.isEmpty(existing) {
            if !Self.isEmpty(list) { throw error("template: multiple definition of template \(GoQuote.quote(treeName))") }
            return
        }
        trees[treeName] = list
    }

    /// Go's `IsEmptyTree`: nothing but spaces.
    static func isEmpty(_ list: TemplateList) -> Bool {
        list.nodes.allSatisfy { node in
            if case .text(_, let text) = node { return text.allSatisfy(\.isWhitespace) }
            return false
        }
    }

    /// `{{define "name"}} … {{end}}`, the keyword already read: a tree with its own variables.
    private mutating func parseDefinition() throws(TemplateError) {
        let context = "define clause"
        let saved = (vars, actionLine, rangeDepth)
        vars = ["$"]
        actionLine = 0
        rangeDepth = 0
        let nameToken = nextNonSpace()
        guard nameToken.kind == .string || nameToken.kind == .rawString else { throw unexpected(nameToken, context) }
        let treeName: String
        do {
            treeName = try GoQuote.unquote(nameToken.value)
        } catch {
            throw self.error("invalid syntax")
        }
        _ = try expect(.rightDelim, context)
        let (list, end) = try itemList()
        guard case .end = end else { throw error("unexpected \(end) in \(context)") }
        try add(treeName, list)
        (vars, actionLine, rangeDepth) = saved
    }

    /// `textOrAction*` up to `{{end}}` or `{{else}}`, which is returned separately.
    private mutating func itemList() throws(TemplateError) -> (TemplateList, TemplateNode) {
        var list = TemplateList(position: peekNonSpace().position)
        while peekNonSpace().kind != .eof {
            let node = try textOrAction()
            switch node {
            case .end, .elseBranch: return (list, node)
            default: list.nodes.append(node)
            }
        }
        throw error("unexpected EOF")
    }

    private mutating func textOrAction() throws(TemplateError) -> TemplateNode {
        let t = nextNonSpace()
        switch t.kind {
        case .text:
            return .text(position: t.position, text: t.value)
        case .leftDelim:
            actionLine = t.line
            defer { actionLine = 0 }
            return try action()
        default:
            throw unexpected(t, "input")
        }
    }

    private mutating func action() throws(TemplateError) -> TemplateNode {
        let t = nextNonSpace()
        switch t.kind {
        case .block: return try blockControl()
        case .breakKeyword: return try loopControl(t, keyword: "break")
        case .continueKeyword: return try loopControl(t, keyword: "continue")
        case .elseKeyword: return try elseControl()
        case .end: return .end(position: try expect(.rightDelim, "end").position)
        case .ifKeyword: return .branch(try parseControl(.ifBranch))
        case .range: return .branch(try parseControl(.range))
        case .template: return try templateControl()
        case .with: return .branch(try parseControl(.with))
        default: break
        }
        backup()
        let first = peek()
        return .action(position: first.position, line: first.line, pipe: try pipeline("command", end: .rightDelim))
    }

    private mutating func loopControl(_ t: TemplateToken, keyword: String) throws(TemplateError) -> TemplateNode {
        let closing = nextNonSpace()
        if closing.kind != .rightDelim { throw unexpected(closing, "{{\(keyword)}}") }
        if rangeDepth == 0 { throw error("{{\(keyword)}} outside {{range}}") }
        return keyword == "break" ? .breakLoop(position: t.position, line: t.line) : .continueLoop(position: t.position, line: t.line)
    }

    private mutating func elseControl() throws(TemplateError) -> TemplateNode {
        let following = peekNonSpace()
        // `{{else if …}}` reads as `{{else}}{{if …}}…{{end}}`.
        if following.kind == .ifKeyword { return .elseBranch(position: following.position, line: following.line) }
        let t = try expect(.rightDelim, "else")
        return .elseBranch(position: t.position, line: t.line)
    }

    private mutating func parseControl(_ kind: TemplateBranch.Kind) throws(TemplateError) -> TemplateBranch {
        let context = kind.rawValue
        let savedVars = vars.count
        defer { vars.removeSubrange(min(savedVars, vars.count)...) }
        try deeper()
        defer { depth -= 1 }
        let pipe = try pipeline(context, end: .rightDelim)
        if kind == .range { rangeDepth += 1 }
        let (list, next) = try itemList()
        if kind == .range { rangeDepth -= 1 }
        var elseList: TemplateList?
        if case .elseBranch(let position, _) = next {
            if kind == .ifBranch && peek().kind == .ifKeyword {
                _ = self.next()
                elseList = TemplateList(position: position, nodes: [.branch(try parseControl(.ifBranch))])
            } else {
                let (otherwise, end) = try itemList()
                guard case .end = end else { throw error("expected end; found \(end)") }
                elseList = otherwise
            }
        }
        return TemplateBranch(kind: kind, position: pipe.position, line: pipe.line, pipe: pipe, list: list, elseList: elseList)
    }

    private mutating func blockControl() throws(TemplateError) -> TemplateNode {
        let context = "block clause"
        let t = nextNonSpace()
        let blockName = try templateName(t, context)
        let pipe = try pipeline(context, end: .rightDelim)
        try deeper()
        defer { depth -= 1 }
        let saved = (vars, actionLine, rangeDepth)
        vars = ["$"]
        rangeDepth = 0
        let (list, end) = try itemList()
        guard case .end = end else { throw error("unexpected \(end) in \(context)") }
        try add(blockName, list)
        (vars, actionLine, rangeDepth) = saved
        return .template(position: t.position, line: t.line, name: blockName, pipe: pipe)
    }

    private mutating func templateControl() throws(TemplateError) -> TemplateNode {
        let context = "template clause"
        let t = nextNonSpace()
        let templateName = try templateName(t, context)
        var pipe: TemplatePipe?
        if nextNonSpace().kind != .rightDelim {
            backup()
            pipe = try pipeline(context, end: .rightDelim)
        }
        return .template(position: t.position, line: t.line, name: templateName, pipe: pipe)
    }

    private func templateName(_ t: TemplateToken, _ context: String) throws(TemplateError) -> String {
        guard t.kind == .string || t.kind == .rawString else { throw unexpected(t, context) }
        do {
            return try GoQuote.unquote(t.value)
        } catch {
            throw self.error("invalid syntax")
        }
    }

    // MARK: - Pipelines

    private mutating func pipeline(_ context: String, end: TemplateToken.Kind) throws(TemplateError) -> TemplatePipe {
        let first = peekNonSpace()
        var pipe = TemplatePipe(position: first.position, line: first.line)
        declarations: while true {
            let v = peekNonSpace()
            guard v.kind == .variable else { break }
            _ = next()
            let tokenAfterVariable = peek()
            let following = peekNonSpace()
            if following.kind == .assign || following.kind == .declare {
                pipe.isAssign = following.kind == .assign
                _ = nextNonSpace()
                pipe.declarations.append(TemplateVariable(position: v.position, name: v.value))
                vars.append(v.value)
            } else if following.kind == .char && following.value == "," {
                _ = nextNonSpace()
                pipe.declarations.append(TemplateVariable(position: v.position, name: v.value))
                vars.append(v.value)
                if context == "range" && pipe.declarations.count < 2 {
                    switch peekNonSpace().kind {
                    case .variable, .rightDelim, .rightParen: continue declarations
                    default: throw error("range can only initialize variables")
                    }
                }
                throw error("too many declarations in \(context)")
            } else if tokenAfterVariable.kind == .space {
                backup3(v, tokenAfterVariable)
            } else {
                backup2(v)
            }
            break
        }
        while true {
            let t = nextNonSpace()
            switch t.kind {
            case end:
                try checkPipeline(pipe, context)
                return pipe
            case .bool, .charConstant, .complex, .dot, .field, .identifier, .number, .nilKeyword, .rawString,
                .string, .variable, .leftParen:
                backup()
                pipe.commands.append(try command())
            default:
                throw unexpected(t, context)
            }
        }
    }

    private func checkPipeline(_ pipe: TemplatePipe, _ context: String) throws(TemplateError) {
        if pipe.commands.isEmpty { throw error("missing value for \(context)") }
        for (index, command) in pipe.commands.enumerated().dropFirst() {
            switch command.arguments[0] {
            case .bool, .dot, .nilValue, .number, .string:
                throw error("non executable command in pipeline stage \(index + 1)")
            default:
                break
            }
        }
    }

    private mutating func command() throws(TemplateError) -> TemplateCommand {
        var command = TemplateCommand(position: peekNonSpace().position)
        loop: while true {
            _ = peekNonSpace()
            if let operand = try operand() { command.arguments.append(operand) }
            let t = next()
            switch t.kind {
            case .space: continue loop
            case .rightDelim, .rightParen: backup()
            case .pipe: break
            default: throw unexpected(t, "operand")
            }
            break
        }
        if command.arguments.isEmpty { throw error("empty command") }
        return command
    }

    private mutating func operand() throws(TemplateError) -> TemplateArgument? {
        guard let node = try term() else { return nil }
        guard peek().kind == .field else { return node }
        let position = peek().position
        var fields: [String] = []
        while peek().kind == .field {
            fields.append(String(next().value.dropFirst()))
        }
        switch node {
        case .field(_, let identifiers):
            return .field(position: position, identifiers: identifiers + fields)
        case .variable(let variable):
            var extended = variable
            extended.position = position
            extended.identifiers += fields
            return .variable(extended)
        case .bool, .string, .number, .nilValue, .dot:
            throw error("unexpected . after term \(GoQuote.quote(node.description))")
        default:
            return .chain(position: position, node: node, fields: fields)
        }
    }

    private mutating func term() throws(TemplateError) -> TemplateArgument? {
        let t = nextNonSpace()
        switch t.kind {
        case .identifier:
            if !functions.contains(t.value) { throw error("function \(GoQuote.quote(t.value)) not defined") }
            return .identifier(position: t.position, name: t.value)
        case .dot:
            return .dot(position: t.position)
        case .nilKeyword:
            return .nilValue(position: t.position)
        case .variable:
            let variable = TemplateVariable(position: t.position, name: t.value)
            if !vars.contains(variable.identifiers[0]) {
                throw error("undefined variable \(GoQuote.quote(variable.identifiers[0]))")
            }
            return .variable(variable)
        case .field:
            return .field(position: t.position, identifiers: [String(t.value.dropFirst())])
        case .bool:
            return .bool(position: t.position, value: t.value == "true")
        case .charConstant, .complex, .number:
            return .number(try number(t))
        case .leftParen:
            try deeper()
            defer { depth -= 1 }
            return .pipe(try pipeline("parenthesized pipeline", end: .rightParen))
        case .string, .rawString:
            do {
                return .string(position: t.position, quoted: t.value, text: try GoQuote.unquote(t.value))
            } catch {
                throw self.error("invalid syntax")
            }
        default:
            backup()
            return nil
        }
    }

    // MARK: - Numbers

    /// Go's `newNumber`: which of int, uint and float the literal can be.
    private func number(_ t: TemplateToken) throws(TemplateError) -> TemplateNumber {
        var n = TemplateNumber(position: t.position, text: t.value)
        let text = t.value
        if t.kind == .charConstant {
            let bytes = Array(text.utf8)
            let decoded: [UInt8]
            let next: Int
            do {
                (decoded, next) = try GoQuote.unquoteChar(bytes, at: 1, quote: bytes[0])
            } catch {
                throw self.error("invalid syntax")
            }
            guard next == bytes.count - 1, bytes[next] == UInt8(ascii: "'") else {
                throw error("malformed character constant: \(text)")
            }
            let rune: UInt32 = decoded.count == 1
                ? UInt32(decoded[0]) : String(decoding: decoded, as: UTF8.self).unicodeScalars.first?.value ?? 0xFFFD
            n.isInt = true; n.int = Int64(rune)
            n.isUint = true; n.uint = UInt64(rune)
            n.isFloat = true; n.float = Double(rune)
            return n
        }
        if t.kind == .complex || text.hasSuffix("i") {
            throw error("complex constants are not supported: \(GoQuote.quote(text))")
        }
        let unsigned = Self.parseUnsigned(text)
        if let u = unsigned {
            n.isUint = true
            n.uint = u
        }
        if let i = Self.parseSigned(text) {
            n.isInt = true
            n.int = i
            if i == 0 {
                n.isUint = true
                n.uint = unsigned ?? 0
            }
        }
        if n.isInt {
            n.isFloat = true
            n.float = Double(n.int)
        } else if n.isUint {
            n.isFloat = true
            n.float = Double(n.uint)
        } else if let f = try? GoFloat.parse(text) {
            if !text.contains(where: { ".eEpP".contains($0) }) {
                throw error("integer overflow: \(GoQuote.quote(text))")
            }
            n.isFloat = true
            n.float = f
            if f.isFinite && Swift.abs(f) < 9.2e18 && Double(Int64(f)) == f {
                n.isInt = true
                n.int = Int64(f)
            }
            if f.isFinite && f >= 0 && f < 1.8e19 && Double(UInt64(f)) == f {
                n.isUint = true
                n.uint = UInt64(f)
            }
        }
        if !n.isInt && !n.isUint && !n.isFloat {
            throw error("illegal number syntax: \(GoQuote.quote(text))")
        }
        return n
    }

    /// `strconv.ParseUint(text, 0, 64)`.
    static func parseUnsigned(_ text: String) -> UInt64? {
        var bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        let original = bytes
        var base: UInt64 = 10
        if bytes[0] == UInt8(ascii: "0") {
            if bytes.count >= 3 {
                switch bytes[1] | 0x20 {
                case UInt8(ascii: "b"): base = 2; bytes.removeFirst(2)
                case UInt8(ascii: "o"): base = 8; bytes.removeFirst(2)
                case UInt8(ascii: "x"): base = 16; bytes.removeFirst(2)
                default: base = 8; bytes.removeFirst(1)
                }
            } else {
                base = 8
                bytes.removeFirst(1)
            }
        }
        var value: UInt64 = 0
        var underscores = false
        for byte in bytes {
            if byte == UInt8(ascii: "_") {
                underscores = true
                continue
            }
            let digit: UInt64
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt64(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): digit = UInt64(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): digit = UInt64(byte - UInt8(ascii: "A")) + 10
            default: return nil
            }
            guard digit < base else { return nil }
            let (times, o1) = value.multipliedReportingOverflow(by: base)
            let (sum, o2) = times.addingReportingOverflow(digit)
            if o1 || o2 { return nil }
            value = sum
        }
        if underscores && !underscoresOK(original) { return nil }
        return value
    }

    /// `strconv.ParseInt(text, 0, 64)`.
    static func parseSigned(_ text: String) -> Int64? {
        var body = Substring(text)
        var negative = false
        if let first = body.first, first == "+" || first == "-" {
            negative = first == "-"
            body = body.dropFirst()
        }
        guard let magnitude = parseUnsigned(String(body)) else { return nil }
        if negative {
            if magnitude > UInt64(Int64.max) + 1 { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)
        }
        return magnitude > UInt64(Int64.max) ? nil : Int64(magnitude)
    }

    private static func underscoresOK(_ bytes: [UInt8]) -> Bool {
        var saw = UInt8(ascii: "^")
        var index = 0
        var hex = false
        if bytes.count >= 2 && bytes[0] == UInt8(ascii: "0")
            && [UInt8(ascii: "b"), UInt8(ascii: "o"), UInt8(ascii: "x")].contains(bytes[1] | 0x20)
        {
            index = 2
            saw = UInt8(ascii: "0")
            hex = bytes[1] | 0x20 == UInt8(ascii: "x")
        }
        while index < bytes.count {
            let byte = bytes[index]
            if (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || (hex && (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "f"))
            {
                saw = UInt8(ascii: "0")
            } else if byte == UInt8(ascii: "_") {
                if saw != UInt8(ascii: "0") { return false }
                saw = UInt8(ascii: "_")
            } else {
                if saw == UInt8(ascii: "_") { return false }
                saw = UInt8(ascii: "!")
            }
            index += 1
        }
        return saw != UInt8(ascii: "_")
    }
}
