/// Runs a parsed template over a value as Go's `text/template` executes it, with
/// `missingkey=zero` (a missing map key reads as the zero value), as Prometheus sets it.
///
/// Beyond Go, execution is bounded: output past ``maxOutput`` bytes, more than
/// ``maxSteps`` nodes walked or templates nested deeper than ``maxTemplateDepth`` stop it
/// with an error, so a rule cannot stall the evaluator or exhaust its memory.
struct TemplateExecutor {
    static let maxOutput = 1 << 20
    static let maxSteps = 1_000_000
    static let maxTemplateDepth = 32

    private let template: ParsedTemplate
    private let functions: [String: TemplateFunction]
    private let environment: TemplateEnvironment

    private var output: [UInt8] = []
    private var vars: [(name: String, value: TemplateValue)] = []
    /// The node being executed, which an error points at (Go's `state.node`).
    private var node: Located?
    /// The template being executed, which an error names.
    private var current: String
    private var steps = 0
    private var depth = 0

    private enum Flow { case normal, breakLoop, continueLoop }

    /// Anything an error can point at: its position and how Go prints it.
    private enum Located {
        case node(TemplateNode)
        case pipe(TemplatePipe)
        case command(TemplateCommand)
        case argument(TemplateArgument)

        var position: Int {
            switch self {
            case .node(let n): n.position
            case .pipe(let p): p.position
            case .command(let c): c.position
            case .argument(let a): a.position
            }
        }

        var description: String {
            switch self {
            case .node(let n): n.description
            case .pipe(let p): p.description
            case .command(let c): c.description
            case .argument(let a): a.description
            }
        }
    }

    /// Escapes every value an action prints for HTML unless it is HTML already (`safeHtml`,
    /// `html`), as Go's `html/template` does in text: an alert label a scraped target chose
    /// cannot put markup or links into an email.
    var escapesHTML = false

    init(_ template: ParsedTemplate, functions: [String: TemplateFunction], environment: TemplateEnvironment) {
        self.template = template
        self.functions = functions
        self.environment = environment
        current = template.name
    }

    /// Executes the main template with `data` as dot and `$`.
    mutating func execute(_ data: TemplateValue) throws(TemplateError) -> String {
        guard let root = template.trees[template.name] else {
            throw error("\(GoQuote.quote(template.name)) is an incomplete or empty template")
        }
        vars = [("$", data)]
        _ = try walk(data, root)
        return String(decoding: output, as: UTF8.self)
    }

    // MARK: - Errors

    private mutating func at(_ located: Located) { node = located }

    /// Go's `state.errorf`: `template: NAME:LINE:COL: executing "NAME" at <NODE>: message`.
    private func error(_ message: String) -> TemplateError {
        guard let node else {
            return TemplateError(phase: .execution, templateName: template.name, message: "template: \(current): \(message)")
        }
        let source = template.source(of: current)
        let bytes = Array(source.text.utf8)
        let position = min(max(node.position, 0), bytes.count)
        let before = bytes[..<position]
        let lastNewline = before.lastIndex(of: UInt8(ascii: "\n"))
        let column = lastNewline.map { position - ($0 + 1) } ?? position
        let line = 1 + before.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        let location = "\(source.name):\(line):\(column)"
        return TemplateError(
            phase: .execution, templateName: template.name,
            message: "template: \(location): executing \(GoQuote.quote(current)) at <\(node.description)>: \(message)")
    }

    // MARK: - Walking

    private mutating func walk(_ dot: TemplateValue, _ list: TemplateList) throws(TemplateError) -> Flow {
        for node in list.nodes {
            let flow = try walk(dot, node)
            if flow != .normal { return flow }
        }
        return .normal
    }

    private mutating func walk(_ dot: TemplateValue, _ node: TemplateNode) throws(TemplateError) -> Flow {
        at(.node(node))
        steps += 1
        if steps > Self.maxSteps { throw error("template execution exceeded \(Self.maxSteps) steps") }
        switch node {
        case .action(_, _, let pipe):
            let value = try evalPipeline(dot, pipe)
            if pipe.declarations.isEmpty { try printValue(node, value) }
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        case .branch(let branch):
            if branch.kind == .range { return try walkRange(dot, branch) }
            return try walkIfOrWith(dot, branch)
        case .template(_, _, let name, let pipe):
            try walkTemplate(dot, node, name: name, pipe: pipe)
        case .text(_, let text):
            try write(Array(text.utf8))
        case .end, .elseBranch:
            throw error("unknown node: \(node)")
        }
        return .normal
    }

    private mutating func write(_ bytes: [UInt8]) throws(TemplateError) {
        output += bytes
        if output.count > Self.maxOutput { throw error("template output exceeds \(Self.maxOutput) bytes") }
    }

    private mutating func walkIfOrWith(_ dot: TemplateValue, _ branch: TemplateBranch) throws(TemplateError) -> Flow {
        let mark = vars.count
        defer { vars.removeSubrange(min(mark, vars.count)...) }
        let value = try evalPipeline(dot, branch.pipe)
        if value.truth {
            return try walk(branch.kind == .with ? value : dot, branch.list)
        } else if let elseList = branch.elseList {
            return try walk(dot, elseList)
        }
        return .normal
    }

    private mutating func walkRange(_ dot: TemplateValue, _ branch: TemplateBranch) throws(TemplateError) -> Flow {
        at(.node(.branch(branch)))
        let outerMark = vars.count
        defer { vars.removeSubrange(min(outerMark, vars.count)...) }
        var value = try evalPipeline(dot, branch.pipe)
        if case .sample(let sample?) = value { value = .record(sample.record) }
        let mark = vars.count
        let declarations = branch.pipe.declarations

        func iterate(_ index: TemplateValue, _ element: TemplateValue, _ executor: inout TemplateExecutor) throws(TemplateError) -> Flow {
            if !declarations.isEmpty {
                if branch.pipe.isAssign {
                    try executor.setVar(declarations[0].identifiers[0], declarations.count > 1 ? index : element)
                } else {
                    executor.vars[executor.vars.count - 1].value = element
                }
            }
            if declarations.count > 1 {
                if branch.pipe.isAssign {
                    try executor.setVar(declarations[1].identifiers[0], element)
                } else {
                    executor.vars[executor.vars.count - 2].value = index
                }
            }
            defer { executor.vars.removeSubrange(min(mark, executor.vars.count)...) }
            return try executor.walk(element, branch.list)
        }

        var elements: [(TemplateValue, TemplateValue)] = []
        switch value {
        case .queryResult(let samples):
            elements = samples.enumerated().map { (.int($0.offset), .sample($0.element)) }
        case .stringMap(let map), .kv(let map):
            elements = map.keys.sorted(by: Self.goLess).map { (.string($0), .string(map[$0]!)) }
        case .slice(let slice):
            elements = slice.elements.enumerated().map { (.int($0.offset), $0.element) }
        case .anyMap(let map):
            elements = map.keys.sorted(by: Self.goLess).map { (.string($0), map[$0]!) }
        case .invalid:
            break
        default:
            throw error("range can't iterate over \(GoFormat.string(value))")
        }
        if !elements.isEmpty {
            for (index, element) in elements {
                if try iterate(index, element, &self) == .breakLoop { break }
            }
            return .normal
        }
        if let elseList = branch.elseList { return try walk(dot, elseList) }
        return .normal
    }

    private static func goLess(_ a: String, _ b: String) -> Bool {
        Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8))
    }

    private mutating func walkTemplate(_ dot: TemplateValue, _ node: TemplateNode, name: String, pipe: TemplatePipe?) throws(TemplateError) {
        at(.node(node))
        guard let tree = template.trees[name] else { throw error("template \(GoQuote.quote(name)) not defined") }
        if depth >= Self.maxTemplateDepth { throw error("exceeded maximum template depth (\(Self.maxTemplateDepth))") }
        var newDot = TemplateValue.invalid
        if let pipe { newDot = try evalPipeline(dot, pipe) }
        let saved = (vars, current)
        vars = [("$", newDot)]
        current = name
        depth += 1
        defer {
            depth -= 1
            (vars, current) = saved
        }
        _ = try walk(newDot, tree)
    }

    private mutating func printValue(_ node: TemplateNode, _ value: TemplateValue) throws(TemplateError) {
        at(.node(node))
        let text: String
        switch value {
        case .invalid: text = "<no value>"
        case .sample(let sample?): text = GoFormat.string(.record(sample.record))
        default: text = GoFormat.string(value)
        }
        if escapesHTML, case .html = value {
            try write(Array(text.utf8))
        } else if escapesHTML {
            try write(Array(GoStrings.htmlEscape(text).utf8))
        } else {
            try write(Array(text.utf8))
        }
    }

    // MARK: - Variables

    private mutating func setVar(_ name: String, _ value: TemplateValue) throws(TemplateError) {
        guard let index = vars.lastIndex(where: { $0.name == name }) else { throw error("undefined variable: \(name)") }
        vars[index].value = value
    }

    private func varValue(_ name: String) throws(TemplateError) -> TemplateValue {
        guard let entry = vars.last(where: { $0.name == name }) else { throw error("undefined variable: \(name)") }
        return entry.value
    }

    // MARK: - Evaluating

    private mutating func evalPipeline(_ dot: TemplateValue, _ pipe: TemplatePipe) throws(TemplateError) -> TemplateValue {
        at(.pipe(pipe))
        var value: TemplateValue?
        for command in pipe.commands {
            value = try evalCommand(dot, command, final: value)
        }
        let result = value ?? .invalid
        for variable in pipe.declarations {
            if pipe.isAssign {
                try setVar(variable.identifiers[0], result)
            } else {
                vars.append((variable.identifiers[0], result))
            }
        }
        return result
    }

    private mutating func notAFunction(_ args: [TemplateArgument], _ final: TemplateValue?) throws(TemplateError) {
        if args.count > 1 || final != nil { throw error("can't give argument to non-function \(args[0])") }
    }

    private mutating func evalCommand(_ dot: TemplateValue, _ command: TemplateCommand, final: TemplateValue?) throws(TemplateError) -> TemplateValue {
        let first = command.arguments[0]
        switch first {
        case .field(_, let identifiers):
            at(.argument(first))
            return try evalFieldChain(dot, dot, identifiers, command.arguments, final)
        case .chain:
            return try evalChain(dot, first, command.arguments, final)
        case .identifier(_, let name):
            return try evalFunction(dot, first, name, .command(command), command.arguments, final)
        case .pipe(let pipe):
            try notAFunction(command.arguments, final)
            return try evalPipeline(dot, pipe)
        case .variable(let variable):
            return try evalVariable(dot, first, variable, command.arguments, final)
        default:
            break
        }
        at(.argument(first))
        try notAFunction(command.arguments, final)
        switch first {
        case .bool(_, let value): return .bool(value)
        case .dot: return dot
        case .nilValue: throw error("nil is not a command")
        case .number(let number): return try idealConstant(number)
        case .string(_, _, let text): return .string(text)
        default: throw error("can't evaluate command \(GoQuote.quote(first.description))")
        }
    }

    /// A number literal where no type is expected: float if written as one, else int.
    private mutating func idealConstant(_ number: TemplateNumber) throws(TemplateError) -> TemplateValue {
        at(.argument(.number(number)))
        let text = number.text
        let isHexInt = text.count > 2 && text.hasPrefix("0") && (text.dropFirst().first == "x" || text.dropFirst().first == "X")
            && !text.contains(where: { $0 == "p" || $0 == "P" })
        if number.isFloat && !isHexInt && !text.hasPrefix("'") && text.contains(where: { ".eEpP".contains($0) }) {
            return .float(number.float)
        }
        if number.isInt {
            guard let value = Int(exactly: number.int) else { throw error("\(text) overflows int") }
            return .int(value)
        }
        if number.isUint { throw error("\(text) overflows int") }
        return .invalid
    }

    private mutating func evalChain(_ dot: TemplateValue, _ chain: TemplateArgument, _ args: [TemplateArgument]?, _ final: TemplateValue?) throws(TemplateError) -> TemplateValue {
        guard case .chain(_, let inner, let fields) = chain else { return .invalid }
        at(.argument(chain))
        if case .nilValue = inner { throw error("indirection through explicit nil in \(chain)") }
        let receiver = try evalArgument(dot, .any, inner)
        return try evalFieldChain(dot, receiver, fields, args, final)
    }

    private mutating func evalVariable(_ dot: TemplateValue, _ argument: TemplateArgument, _ variable: TemplateVariable, _ args: [TemplateArgument]?, _ final: TemplateValue?) throws(TemplateError) -> TemplateValue {
        at(.argument(argument))
        let value = try varValue(variable.identifiers[0])
        if variable.identifiers.count == 1 {
            try notAFunction(args ?? [argument], final)
            return value
        }
        return try evalFieldChain(dot, value, Array(variable.identifiers.dropFirst()), args, final)
    }

    /// `.X.Y.Z` from `receiver`: the last field gets the arguments, which only a method
    /// can take; arguments are evaluated with `dot`.
    private mutating func evalFieldChain(
        _ dot: TemplateValue, _ receiver: TemplateValue, _ identifiers: [String], _ args: [TemplateArgument]?, _ final: TemplateValue?
    ) throws(TemplateError) -> TemplateValue {
        var receiver = receiver
        for name in identifiers.dropLast() {
            receiver = try evalField(dot, name, receiver, args: nil, final: nil)
        }
        return try evalField(dot, identifiers[identifiers.count - 1], receiver, args: args, final: final)
    }

    /// A method of the receiver's type (looked up first, as Go does), `.Field` of a
    /// struct, `.key` of a map (the zero value when absent).
    private mutating func evalField(
        _ dot: TemplateValue, _ name: String, _ receiver: TemplateValue, args: [TemplateArgument]?, final: TemplateValue?
    ) throws(TemplateError) -> TemplateValue {
        if let method = TemplateMethods.method(name, of: receiver) {
            let node: Located = args.flatMap(\.first).map { .argument($0) } ?? node ?? .argument(.identifier(position: 0, name: name))
            return try evalCall(dot, method.bound(to: receiver), node, name, args, final)
        }
        let hasArgs = (args?.count ?? 0) > 1 || final != nil
        switch receiver {
        case .invalid:
            return .invalid
        case .record(let record):
            if let value = record[name] {
                if hasArgs { throw error("\(name) has arguments but cannot be invoked as function") }
                return value
            }
        case .sample(let sample):
            guard let sample else {
                if name == "Labels" || name == "Value" { throw error("nil pointer evaluating *template.sample.\(name)") }
                break
            }
            if let value = sample.record[name] {
                if hasArgs { throw error("\(name) has arguments but cannot be invoked as function") }
                return value
            }
        case .stringMap(let map), .kv(let map):
            if hasArgs { throw error("\(name) is not a method but has arguments") }
            return .string(map[name] ?? "")
        case .anyMap(let map):
            if hasArgs { throw error("\(name) is not a method but has arguments") }
            return map[name] ?? .invalid
        default:
            break
        }
        throw error("can't evaluate field \(name) in type \(receiver.typeName)")
    }

    private mutating func evalFunction(
        _ dot: TemplateValue, _ identifier: TemplateArgument, _ name: String, _ node: Located,
        _ args: [TemplateArgument]?, _ final: TemplateValue?
    ) throws(TemplateError) -> TemplateValue {
        at(.argument(identifier))
        guard let function = functions[name] else { throw error("\(GoQuote.quote(name)) is not a defined function") }
        return try evalCall(dot, function, node, name, args, final)
    }

    private mutating func evalCall(
        _ dot: TemplateValue, _ function: TemplateFunction, _ node: Located, _ name: String,
        _ args: [TemplateArgument]?, _ final: TemplateValue?
    ) throws(TemplateError) -> TemplateValue {
        let args = args.map { Array($0.dropFirst()) } ?? []
        let numIn = args.count + (final == nil ? 0 : 1)
        let numFixed = function.parameters.count
        if function.variadic != nil {
            if numIn < numFixed {
                throw error("wrong number of args for \(name): want at least \(numFixed) got \(args.count)")
            }
        } else if numIn != numFixed {
            throw error("wrong number of args for \(name): want \(numFixed) got \(numIn)")
        }
        if name == "and" || name == "or" {
            var value = TemplateValue.invalid
            for arg in args {
                value = try evalArgument(dot, .value, arg)
                if value.truth == (name == "or") { return value }
            }
            if let final { value = final }
            return value
        }
        var argv: [TemplateValue] = []
        argv.reserveCapacity(numIn)
        for (index, arg) in args.enumerated() {
            let type = index < numFixed ? function.parameters[index] : function.variadic ?? .any
            argv.append(try evalArgument(dot, type, arg))
        }
        if let final {
            let type: TemplateType
            if let variadic = function.variadic {
                type = numIn - 1 < numFixed ? function.parameters[numIn - 1] : variadic
            } else {
                type = function.parameters[numFixed - 1]
            }
            argv.append(try validateType(final, type))
        }
        let result: TemplateValue
        do {
            result = try function.call(argv, environment)
        } catch {
            at(node)
            throw self.error("error calling \(name): \(error.message)")
        }
        switch result {
        case .string(let s) where s.utf8.count > Self.maxOutput, .html(let s) where s.utf8.count > Self.maxOutput:
            at(node)
            throw self.error("result of \(name) exceeds \(Self.maxOutput) bytes")
        default:
            return result
        }
    }

    /// Go's `validateType`: the value must be assignable to the parameter's type.
    private mutating func validateType(_ value: TemplateValue, _ type: TemplateType) throws(TemplateError) -> TemplateValue {
        if case .invalid = value {
            if type.canBeNil { return type.zero }
            throw error("invalid value; expected \(type)")
        }
        if type.accepts(value) { return value }
        throw error("wrong type for value; expected \(type); got \(value.typeName)")
    }

    private mutating func evalArgument(_ dot: TemplateValue, _ type: TemplateType, _ argument: TemplateArgument) throws(TemplateError) -> TemplateValue {
        at(.argument(argument))
        switch argument {
        case .dot:
            return try validateType(dot, type)
        case .nilValue:
            if type.canBeNil { return type.zero }
            throw error("cannot assign nil to \(type)")
        case .field(_, let identifiers):
            let value = try evalFieldChain(dot, dot, identifiers, [argument], nil)
            return try validateType(value, type)
        case .variable(let variable):
            return try validateType(try evalVariable(dot, argument, variable, nil, nil), type)
        case .pipe(let pipe):
            return try validateType(try evalPipeline(dot, pipe), type)
        case .identifier(_, let name):
            return try validateType(try evalFunction(dot, argument, name, .argument(argument), nil, nil), type)
        case .chain:
            return try validateType(try evalChain(dot, argument, nil, nil), type)
        case .bool, .number, .string:
            break
        }
        switch type {
        case .bool:
            if case .bool(_, let value) = argument { return .bool(value) }
            throw error("expected bool; found \(argument)")
        case .float64:
            if case .number(let number) = argument, number.isFloat { return .float(number.float) }
            throw error("expected float; found \(argument)")
        case .int:
            if case .number(let number) = argument, number.isInt, let value = Int(exactly: number.int) { return .int(value) }
            throw error("expected integer; found \(argument)")
        case .string:
            if case .string(_, _, let text) = argument { return .string(text) }
            throw error("expected string; found \(argument)")
        case .any, .value:
            switch argument {
            case .bool(_, let value): return .bool(value)
            case .number(let number): return try idealConstant(number)
            case .string(_, _, let text): return .string(text)
            default: throw error("can't handle assignment of \(argument) to empty interface argument")
            }
        case .sample, .queryResult, .stringSlice:
            throw error("can't handle \(argument) for arg of type \(type)")
        }
    }
}
