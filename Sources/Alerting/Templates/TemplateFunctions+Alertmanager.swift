/// The functions of Alertmanager's notification templates (its `template.DefaultFuncs`)
/// besides Go's built-ins. Alertmanager offers none of Prometheus's `humanize` or `query`
/// family, so neither do notification templates.
extension TemplateFunctions {
    static let alertmanager: [String: TemplateFunction] = builtins.merging([
        "toUpper": prometheus["toUpper"]!,
        "toLower": prometheus["toLower"]!,
        "title": prometheus["title"]!,
        "match": prometheus["match"]!,
        "safeHtml": prometheus["safeHtml"]!,
        "reReplaceAll": prometheus["reReplaceAll"]!,
        "trimSpace": .strings(trimSpace),
        "join": TemplateFunction([.string, .stringSlice]) { args, _ in
            guard case .slice(let strings) = args[1] else { return .string("") }
            return .string(strings.strings.joined(separator: args[0].stringValue))
        },
        "stringSlice": TemplateFunction([], variadic: .string) { args, _ in .slice(.strings(args.map(\.stringValue))) },
    ]) { _, new in new }

    static let alertmanagerNames: Set<String> = Set(alertmanager.keys)

    /// For an email's HTML, where every printed value is escaped (see
    /// ``TemplateExecutor/escapesHTML``): `html` marks what it escaped as HTML already, so it
    /// is not escaped twice.
    static let alertmanagerHTML: [String: TemplateFunction] = alertmanager.merging([
        "html": TemplateFunction([], variadic: .any) { args, _ in .html(GoStrings.htmlEscape(joinedArgs(args))) },
    ]) { _, new in new }

    /// Go's `strings.TrimSpace`: Unicode white space off both ends.
    static func trimSpace(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
