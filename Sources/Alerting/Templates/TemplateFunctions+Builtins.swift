/// Go's `text/template` built-in functions: `and or not len index slice print printf
/// println html js urlquery call eq ne lt le gt ge`. (`and` and `or` are evaluated by the
/// executor, which short-circuits them.)
extension TemplateFunctions {
    static let builtins: [String: TemplateFunction] = [
        "and": TemplateFunction([.value], variadic: .value) { args, _ in args.last ?? .invalid },
        "or": TemplateFunction([.value], variadic: .value) { args, _ in args.last ?? .invalid },
        "not": .unary(.value) { .bool(!$0.truth) },
        "len": .unary(.value, length),
        "index": TemplateFunction([.value], variadic: .value) { (args, _) throws(TemplateFunctionError) in
            try index(args[0], Array(args.dropFirst()))
        },
        "slice": TemplateFunction([.value], variadic: .value) { (args, _) throws(TemplateFunctionError) in
            try slice(args[0], Array(args.dropFirst()))
        },
        "print": TemplateFunction([], variadic: .any) { args, _ in .string(GoFormat.sprint(args)) },
        "println": TemplateFunction([], variadic: .any) { args, _ in .string(GoFormat.sprintln(args)) },
        "printf": TemplateFunction([.string], variadic: .any) { args, _ in
            .string(GoFormat.sprintf(args[0].stringValue, Array(args.dropFirst())))
        },
        "html": TemplateFunction([], variadic: .any) { args, _ in .string(GoStrings.htmlEscape(joinedArgs(args))) },
        "js": TemplateFunction([], variadic: .any) { args, _ in .string(GoStrings.jsEscape(joinedArgs(args))) },
        "urlquery": TemplateFunction([], variadic: .any) { args, _ in .string(GoStrings.queryEscape(joinedArgs(args))) },
        "call": TemplateFunction([.value], variadic: .value) { (args, _) throws(TemplateFunctionError) in
            if case .invalid = args[0] { throw TemplateFunctionError("call of nil") }
            throw TemplateFunctionError("non-function of type \(args[0].typeName)")
        },
        "eq": TemplateFunction([.value], variadic: .value) { (args, _) throws(TemplateFunctionError) in
            .bool(try equal(args[0], Array(args.dropFirst())))
        },
        "ne": TemplateFunction([.value, .value]) { (args, _) throws(TemplateFunctionError) in
            .bool(!(try equal(args[0], [args[1]])))
        },
        "lt": TemplateFunction([.value, .value]) { (args, _) throws(TemplateFunctionError) in
            .bool(try less(args[0], args[1]))
        },
        "le": TemplateFunction([.value, .value]) { (args, _) throws(TemplateFunctionError) in
            .bool(try lessOrEqual(args[0], args[1]))
        },
        "gt": TemplateFunction([.value, .value]) { (args, _) throws(TemplateFunctionError) in
            .bool(!(try lessOrEqual(args[0], args[1])))
        },
        "ge": TemplateFunction([.value, .value]) { (args, _) throws(TemplateFunctionError) in
            .bool(!(try less(args[0], args[1])))
        },
    ]

    /// Go's `evalArgs`: a lone string as it is, anything else as `fmt.Sprint` prints it.
    static func joinedArgs(_ args: [TemplateValue]) -> String {
        if args.count == 1, case .string(let s) = args[0] { return s }
        return GoFormat.sprint(args)
    }

    private static func length(_ item: TemplateValue) throws(TemplateFunctionError) -> TemplateValue {
        switch item {
        case .string(let s), .html(let s): return .int(s.utf8.count)
        case .stringMap(let m), .kv(let m): return .int(m.count)
        case .slice(let slice): return .int(slice.elements.count)
        case .anyMap(let m): return .int(m.count)
        case .queryResult(let q): return .int(q.count)
        case .sample(nil): throw TemplateFunctionError("len of nil pointer")
        case .invalid: throw TemplateFunctionError("reflect: call of reflect.Value.Type on zero Value")
        default: throw TemplateFunctionError("len of type \(item.typeName)")
        }
    }

    private static func indexArgument(_ index: TemplateValue, limit: Int) throws(TemplateFunctionError) -> Int {
        let x: Int
        switch index {
        case .int(let n): x = n
        case .byte(let b): x = Int(b)
        case .invalid: throw TemplateFunctionError("cannot index slice/array with nil")
        default: throw TemplateFunctionError("cannot index slice/array with type \(index.typeName)")
        }
        if x < 0 || x > limit { throw TemplateFunctionError("index out of range: \(x)") }
        return x
    }

    private static func index(_ item: TemplateValue, _ indexes: [TemplateValue]) throws(TemplateFunctionError) -> TemplateValue {
        var item = item
        if case .invalid = item { throw TemplateFunctionError("index of untyped nil") }
        for index in indexes {
            if case .sample(let s) = item {
                guard let s else { throw TemplateFunctionError("index of nil pointer") }
                item = .record(s.record)
            }
            switch item {
            case .string(let s), .html(let s):
                let bytes = Array(s.utf8)
                let x = try indexArgument(index, limit: bytes.count)
                if x == bytes.count { throw TemplateFunctionError("reflect: string index out of range") }
                item = .byte(bytes[x])
            case .queryResult(let samples):
                let x = try indexArgument(index, limit: samples.count)
                if x == samples.count { throw TemplateFunctionError("reflect: slice index out of range") }
                item = .sample(samples[x])
            case .slice(let slice):
                let x = try indexArgument(index, limit: slice.elements.count)
                if x == slice.elements.count { throw TemplateFunctionError("reflect: slice index out of range") }
                item = slice.elements[x]
            case .stringMap(let m), .kv(let m):
                item = .string(m[try mapKey(index)] ?? "")
            case .anyMap(let m):
                item = m[try mapKey(index)] ?? .invalid
            default:
                throw TemplateFunctionError("can't index item of type \(item.typeName)")
            }
        }
        return item
    }

    /// Go's `prepareArg` for a `map[string]…` key.
    private static func mapKey(_ key: TemplateValue) throws(TemplateFunctionError) -> String {
        switch key {
        case .string(let s): return s
        case .invalid: throw TemplateFunctionError("value is nil; should be of type string")
        default: throw TemplateFunctionError("value has type \(key.typeName); should be string")
        }
    }

    private static func slice(_ item: TemplateValue, _ indexes: [TemplateValue]) throws(TemplateFunctionError) -> TemplateValue {
        if case .invalid = item { throw TemplateFunctionError("slice of untyped nil") }
        if indexes.count > 3 { throw TemplateFunctionError("too many slice indexes: \(indexes.count)") }
        let length: Int
        switch item {
        case .string(let s):
            if indexes.count == 3 { throw TemplateFunctionError("cannot 3-index slice a string") }
            length = s.utf8.count
        case .queryResult(let q):
            length = q.count
        case .slice(let s):
            length = s.elements.count
        default:
            throw TemplateFunctionError("can't slice item of type \(item.typeName)")
        }
        var bounds = [0, length, length]
        for (i, index) in indexes.enumerated() {
            bounds[i] = try indexArgument(index, limit: length)
        }
        if bounds[0] > bounds[1] { throw TemplateFunctionError("invalid slice index: \(bounds[0]) > \(bounds[1])") }
        if indexes.count == 3 && bounds[1] > bounds[2] {
            throw TemplateFunctionError("invalid slice index: \(bounds[1]) > \(bounds[2])")
        }
        switch item {
        case .string(let s):
            return .string(String(decoding: Array(s.utf8)[bounds[0]..<bounds[1]], as: UTF8.self))
        case .queryResult(let q):
            return .queryResult(Array(q[bounds[0]..<bounds[1]]))
        case .slice(var s):
            s.elements = Array(s.elements[bounds[0]..<bounds[1]])
            return .slice(s)
        default:
            return item
        }
    }

    // MARK: - Comparison

    private enum BasicKind { case bool, int, uint, float, string, invalid }

    private static func basicKind(_ value: TemplateValue) -> BasicKind {
        switch value {
        case .bool: .bool
        case .int: .int
        case .byte: .uint
        case .float: .float
        case .string, .html: .string
        default: .invalid
        }
    }

    private static let badComparisonType = TemplateFunctionError("invalid type for comparison")
    private static let badComparison = TemplateFunctionError("incompatible types for comparison")

    private static func equal(_ a: TemplateValue, _ others: [TemplateValue]) throws(TemplateFunctionError) -> Bool {
        switch a {
        case .stringMap, .anyMap, .queryResult, .kv, .slice:
            throw TemplateFunctionError("uncomparable type \(a.typeName): \(GoFormat.string(a))")
        default: break
        }
        if others.isEmpty { throw TemplateFunctionError("missing argument for comparison") }
        let k1 = basicKind(a)
        for b in others {
            let k2 = basicKind(b)
            var truth = false
            if k1 != k2 {
                switch (a, b) {
                case (.int(let x), .byte(let y)): truth = x >= 0 && UInt64(x) == UInt64(y)
                case (.byte(let x), .int(let y)): truth = y >= 0 && UInt64(x) == UInt64(y)
                default:
                    if a.isValid && b.isValid { throw badComparison }
                }
            } else {
                switch (a, b) {
                case (.bool(let x), .bool(let y)): truth = x == y
                case (.float(let x), .float(let y)): truth = x == y
                case (.int(let x), .int(let y)): truth = x == y
                case (.byte(let x), .byte(let y)): truth = x == y
                case (.invalid, .invalid): truth = true
                case (.sample(let x), .sample(let y)): truth = x == y
                case (.time(let x), .time(let y)): truth = x == y
                case (.record, _), (_, .record):
                    throw TemplateFunctionError("non-comparable type \(GoFormat.string(b)): \(b.typeName)")
                case (.stringMap, _), (.anyMap, _), (.queryResult, _), (_, .stringMap), (_, .anyMap), (_, .queryResult),
                    (_, .kv), (_, .slice):
                    throw TemplateFunctionError("non-comparable type \(GoFormat.string(b)): \(b.typeName)")
                default:
                    if k1 == .string {
                        truth = a.stringValue == b.stringValue
                    } else if a.isValid != b.isValid {
                        truth = false
                    } else {
                        throw TemplateFunctionError(
                            "non-comparable types \(GoFormat.string(a)): \(a.typeName), \(b.typeName): \(GoFormat.string(b))")
                    }
                }
            }
            if truth { return true }
        }
        return false
    }

    private static func less(_ a: TemplateValue, _ b: TemplateValue) throws(TemplateFunctionError) -> Bool {
        let k1 = basicKind(a)
        if k1 == .invalid { throw badComparisonType }
        let k2 = basicKind(b)
        if k2 == .invalid { throw badComparisonType }
        if k1 != k2 {
            switch (a, b) {
            case (.int(let x), .byte(let y)): return x < 0 || UInt64(x) < UInt64(y)
            case (.byte(let x), .int(let y)): return y >= 0 && UInt64(x) < UInt64(y)
            default: throw badComparison
            }
        }
        switch (a, b) {
        case (.bool, .bool): throw badComparisonType
        case (.float(let x), .float(let y)): return x < y
        case (.int(let x), .int(let y)): return x < y
        case (.byte(let x), .byte(let y)): return x < y
        default: return Array(a.stringValue.utf8).lexicographicallyPrecedes(Array(b.stringValue.utf8))
        }
    }

    private static func lessOrEqual(_ a: TemplateValue, _ b: TemplateValue) throws(TemplateFunctionError) -> Bool {
        if try less(a, b) { return true }
        return try equal(a, [b])
    }
}
