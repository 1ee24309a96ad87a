/// The parse tree of a template, shaped as Go's `text/template/parse` nodes. Each node
/// keeps its byte position for error messages, and prints back as Go prints it, which is
/// what an execution error quotes (`executing "x" at <humanize "a">: …`).
indirect enum TemplateNode: Sendable, CustomStringConvertible {
    case text(position: Int, text: String)
    case action(position: Int, line: Int, pipe: TemplatePipe)
    case branch(TemplateBranch)
    /// `{{template "name" pipeline}}`.
    case template(position: Int, line: Int, name: String, pipe: TemplatePipe?)
    case breakLoop(position: Int, line: Int)
    case continueLoop(position: Int, line: Int)
    // Only while parsing: the ends of a list.
    case end(position: Int)
    case elseBranch(position: Int, line: Int)

    var position: Int {
        switch self {
        case .text(let p, _), .action(let p, _, _), .template(let p, _, _, _), .breakLoop(let p, _),
            .continueLoop(let p, _), .end(let p), .elseBranch(let p, _):
            p
        case .branch(let b): b.position
        }
    }

    var description: String {
        switch self {
        case .text(_, let text): text
        case .action(_, _, let pipe): "{{\(pipe)}}"
        case .branch(let b): b.description
        case .template(_, _, let name, let pipe):
            pipe.map { "{{template \(GoQuote.quote(name)) \($0)}}" } ?? "{{template \(GoQuote.quote(name))}}"
        case .breakLoop: "{{break}}"
        case .continueLoop: "{{continue}}"
        case .end: "{{end}}"
        case .elseBranch: "{{else}}"
        }
    }
}

/// A list of nodes (Go's `ListNode`).
struct TemplateList: Sendable, CustomStringConvertible {
    var position: Int
    var nodes: [TemplateNode] = []

    var description: String { nodes.map(\.description).joined() }
}

/// `{{if}}`, `{{range}}` and `{{with}}`.
struct TemplateBranch: Sendable, CustomStringConvertible {
    enum Kind: String, Sendable { case ifBranch = "if", range, with }

    var kind: Kind
    var position: Int
    var line: Int
    var pipe: TemplatePipe
    var list: TemplateList
    var elseList: TemplateList?

    var description: String {
        var out = "{{\(kind.rawValue) \(pipe)}}\(list)"
        if let elseList { out += "{{else}}\(elseList)" }
        return out + "{{end}}"
    }
}

/// A pipeline, possibly declaring or assigning variables: `$x := a | b c`.
struct TemplatePipe: Sendable, CustomStringConvertible {
    var position: Int
    var line: Int
    var isAssign = false
    var declarations: [TemplateVariable] = []
    var commands: [TemplateCommand] = []

    var description: String {
        var out = ""
        if !declarations.isEmpty {
            out += declarations.map(\.description).joined(separator: ", ")
            out += isAssign ? " = " : " := "
        }
        out += commands.map(\.description).joined(separator: " | ")
        return out
    }
}

/// `$x` or `$x.Field.Key`.
struct TemplateVariable: Sendable, CustomStringConvertible {
    var position: Int
    /// The variable's name then the fields: `["$x", "Field", "Key"]`.
    var identifiers: [String]

    init(position: Int, name: String) {
        self.position = position
        identifiers = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    var description: String { identifiers.joined(separator: ".") }
}

/// One command of a pipeline: an operand followed by arguments.
struct TemplateCommand: Sendable, CustomStringConvertible {
    var position: Int
    var arguments: [TemplateArgument] = []

    var description: String {
        arguments.map { argument in
            if case .pipe(let pipe) = argument { return "(\(pipe))" }
            return argument.description
        }.joined(separator: " ")
    }
}

/// A number literal, with the types its text can stand for (Go's `NumberNode`).
struct TemplateNumber: Sendable {
    var position: Int
    var text: String
    var isInt = false
    var isUint = false
    var isFloat = false
    var int: Int64 = 0
    var uint: UInt64 = 0
    var float: Double = 0
}

/// An operand of a command.
indirect enum TemplateArgument: Sendable, CustomStringConvertible {
    /// A function name.
    case identifier(position: Int, name: String)
    case dot(position: Int)
    case nilValue(position: Int)
    case variable(TemplateVariable)
    /// `.Field.Key`: the names without dots.
    case field(position: Int, identifiers: [String])
    case bool(position: Int, value: Bool)
    case number(TemplateNumber)
    case string(position: Int, quoted: String, text: String)
    case pipe(TemplatePipe)
    /// `(pipeline).Field`.
    case chain(position: Int, node: TemplateArgument, fields: [String])

    var position: Int {
        switch self {
        case .identifier(let p, _), .dot(let p), .nilValue(let p), .field(let p, _), .bool(let p, _),
            .string(let p, _, _), .chain(let p, _, _):
            p
        case .variable(let v): v.position
        case .number(let n): n.position
        case .pipe(let pipe): pipe.position
        }
    }

    var description: String {
        switch self {
        case .identifier(_, let name): name
        case .dot: "."
        case .nilValue: "nil"
        case .variable(let v): v.description
        case .field(_, let identifiers): identifiers.map { "." + $0 }.joined()
        case .bool(_, let value): value ? "true" : "false"
        case .number(let n): n.text
        case .string(_, let quoted, _): quoted
        case .pipe(let pipe): pipe.description
        case .chain(_, let node, let fields):
            if case .pipe = node {
                "(\(node))" + fields.map { "." + $0 }.joined()
            } else {
                node.description + fields.map { "." + $0 }.joined()
            }
        }
    }
}
