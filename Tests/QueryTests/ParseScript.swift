import Query

/// One case of `testdata/parse.txt`.
///
/// The file is a list of blocks separated by blank lines; `#` lines between blocks are
/// comments. In a block:
///
///     > query line              (repeat for a multi-line query; a lone ">" is an empty line)
///     = printed form            the expression prints back as this (Prometheus's String())
///     ~ tree                    the parse tree, as (op lhs rhs) S-expressions
///     : type                    the expression's value type
///     ! error                   parsing fails with exactly this text
///     ? error prefix            parsing fails with a text starting with this
///
/// A block has `>` lines and then either `!`/`?` or any of `=`, `~`, `:`.
struct ParseCase: Sendable, CustomStringConvertible {
    let line: Int
    let query: String
    var printed: String?
    var tree: String?
    var type: String?
    var error: String?
    var errorPrefix: String?

    var description: String { "line \(line): \(query)" }
}

enum ParseScript {
    static func cases(in text: String) -> [ParseCase] {
        var cases: [ParseCase] = []
        var current: ParseCase?
        var queryLines: [String] = []
        var blockStart = 0

        func finish() {
            guard var block = current else { return }
            block = ParseCase(
                line: blockStart, query: queryLines.joined(separator: "\n"), printed: block.printed,
                tree: block.tree, type: block.type, error: block.error, errorPrefix: block.errorPrefix)
            cases.append(block)
            current = nil
            queryLines = []
        }

        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(rawLine)
            if line.isEmpty {
                finish()
                continue
            }
            if current == nil {
                if line.hasPrefix("#") { continue }
                blockStart = offset + 1
                current = ParseCase(line: blockStart, query: "")
            }
            let marker = line.first!
            let rest = line.count > 2 ? String(line.dropFirst(2)) : ""
            switch marker {
            case ">": queryLines.append(rest)
            case "=": current?.printed = rest
            case "~": current?.tree = rest
            case ":": current?.type = rest
            case "!": current?.error = rest
            case "?": current?.errorPrefix = rest
            default: current?.error = "malformed test line \(offset + 1): \(line)"
            }
        }
        finish()
        return cases
    }

    /// Nil if the case holds, else what went wrong.
    static func failure(of testCase: ParseCase) -> String? {
        let expectsError = testCase.error != nil || testCase.errorPrefix != nil
        do {
            let expr = try PromQL.parse(testCase.query)
            if expectsError { return "parsed as \(expr) but expected an error" }
            var problems: [String] = []
            if let printed = testCase.printed, expr.description != printed {
                problems.append("printed \(expr.description), expected \(printed)")
            }
            if let tree = testCase.tree, Self.tree(expr) != tree {
                problems.append("tree \(Self.tree(expr)), expected \(tree)")
            }
            if let type = testCase.type, expr.type.rawValue != type {
                problems.append("type \(expr.type.rawValue), expected \(type)")
            }
            // Whatever prints must parse again to the same text.
            if let again = try? PromQL.parse(expr.description), again.description != expr.description {
                problems.append("reprinted as \(again.description)")
            }
            return problems.isEmpty ? nil : problems.joined(separator: "; ")
        } catch {
            if let expected = testCase.error {
                return error.description == expected ? nil : "error \(error.description), expected \(expected)"
            }
            if let prefix = testCase.errorPrefix {
                return error.description.hasPrefix(prefix) ? nil : "error \(error.description), expected prefix \(prefix)"
            }
            return "unexpected error \(error.description)"
        }
    }

    /// The shape of the parse, e.g. `(+ 1 (* 2 3))`.
    static func tree(_ expr: Expr) -> String {
        switch expr {
        case .number, .string, .vectorSelector, .matrixSelector:
            return expr.description
        case .subquery(let subquery):
            return "(subquery \(tree(subquery.expr)))"
        case .call(let call):
            return "(" + ([call.function.name] + call.args.map(tree)).joined(separator: " ") + ")"
        case .aggregate(let aggregate):
            let operands = (aggregate.parameter.map { [$0] } ?? []) + [aggregate.expr]
            return "(" + ([aggregate.op.rawValue] + operands.map(tree)).joined(separator: " ") + ")"
        case .binary(let binary):
            return "(\(binary.op.rawValue)\(binary.returnBool ? " bool" : "") \(tree(binary.lhs)) \(tree(binary.rhs)))"
        case .unary(let unary):
            return "(\(unary.op.rawValue) \(tree(unary.expr)))"
        case .paren(let paren):
            return "(paren \(tree(paren.expr)))"
        }
    }
}
