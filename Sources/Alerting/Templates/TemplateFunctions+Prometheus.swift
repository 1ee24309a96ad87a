import Query

/// The functions Prometheus 2.42 gives alert templates (its `template/template.go`), apart
/// from the `humanize` family in `TemplateFunctions+Humanize.swift`.
extension TemplateFunctions {
    static let prometheus: [String: TemplateFunction] = humanizing.merging([
        "query": TemplateFunction([.string]) { (args, environment) throws(TemplateFunctionError) in
            guard let query = environment.query else { throw TemplateFunctionError("no query function is available here") }
            return .queryResult(try query(args[0].stringValue))
        },
        "first": .unary(.queryResult) { (value) throws(TemplateFunctionError) in
            guard case .queryResult(let samples) = value, let first = samples.first else {
                throw TemplateFunctionError("first() called on vector with no elements")
            }
            return .sample(first)
        },
        "label": TemplateFunction([.string, .sample]) { (args, _) throws(TemplateFunctionError) in
            .string(try sample(args[1]).labels[args[0].stringValue] ?? "")
        },
        "value": .unary(.sample) { (value) throws(TemplateFunctionError) in .float(try sample(value).value) },
        "strvalue": .unary(.sample) { (value) throws(TemplateFunctionError) in
            .string(try sample(value).labels["__value__"] ?? "")
        },
        "args": TemplateFunction([], variadic: .any) { args, _ in
            var result: [String: TemplateValue] = [:]
            for (index, arg) in args.enumerated() { result["arg\(index)"] = arg }
            return .anyMap(result)
        },
        "reReplaceAll": TemplateFunction([.string, .string, .string]) { (args, _) throws(TemplateFunctionError) in
            let pattern = args[0].stringValue
            let regex: GoRegexp
            do throws(GoRegexp.CompileError) {
                regex = try GoRegexp(pattern)
            } catch {
                // regexp.MustCompile panics; the template package reports the panic.
                throw TemplateFunctionError("regexp: Compile(\(GoRegexp.quote(pattern))): \(error.message)")
            }
            guard let result = regex.replaceAll(in: args[2].stringValue, with: args[1].stringValue, limit: TemplateExecutor.maxOutput)
            else { throw TemplateFunctionError("result exceeds \(TemplateExecutor.maxOutput) bytes") }
            return .string(result)
        },
        "safeHtml": .unary(.string) { .html($0.stringValue) },
        "match": TemplateFunction([.string, .string]) { (args, _) throws(TemplateFunctionError) in
            do throws(GoRegexp.CompileError) {
                return .bool(try GoRegexp(args[0].stringValue).matches(args[1].stringValue))
            } catch {
                throw TemplateFunctionError(error.message)
            }
        },
        "title": .strings(GoStrings.title),
        "toUpper": .strings(GoStrings.toUpper),
        "toLower": .strings(GoStrings.toLower),
        "graphLink": .strings { "/graph?g0.expr=\(GoStrings.queryEscape($0))&g0.tab=0" },
        "tableLink": .strings { "/graph?g0.expr=\(GoStrings.queryEscape($0))&g0.tab=1" },
        "sortByLabel": TemplateFunction([.string, .queryResult]) { args, _ in
            guard case .queryResult(let samples) = args[1] else { return args[1] }
            let label = args[0].stringValue
            // A stable sort, as sort.Stable, by bytes, as Go compares strings.
            let sorted = samples.enumerated().sorted { a, b in
                let x = Array((a.element.labels[label] ?? "").utf8)
                let y = Array((b.element.labels[label] ?? "").utf8)
                return x == y ? a.offset < b.offset : x.lexicographicallyPrecedes(y)
            }
            return .queryResult(sorted.map(\.element))
        },
        "stripPort": .strings(GoStrings.stripPort),
        "pathPrefix": TemplateFunction([]) { _, environment in .string(GoStrings.urlPath(environment.externalURL)) },
        "externalURL": TemplateFunction([]) { _, environment in .string(environment.externalURL) },
        "parseDuration": .unary(.string) { (value) throws(TemplateFunctionError) in
            do throws(PromQL.Duration.InvalidDuration) {
                let duration = try PromQL.Duration(parsing: value.stringValue)
                return .float(Double(duration.milliseconds) / 1000)
            } catch {
                throw TemplateFunctionError(error.message)
            }
        },
    ]) { _, new in new }

    /// The sample a `*sample` argument points at; Go would crash on nil and the template
    /// package would report the panic.
    private static func sample(_ value: TemplateValue) throws(TemplateFunctionError) -> TemplateSample {
        guard case .sample(let sample?) = value else {
            throw TemplateFunctionError("runtime error: invalid memory address or nil pointer dereference")
        }
        return sample
    }
}
