public import TSDB

/// The template of an alerting rule's label or annotation, written in Go's template
/// language as Prometheus users write it, and expanded per alert as Prometheus 2.42 does.
///
/// ```swift
/// let summary = try AlertTemplate("{{ $labels.instance }} is at {{ humanizePercentage $value }}",
///                                 name: "__alert_HighCPU")
/// let text = try summary.expand(labels: Labels(["instance": "db-1"]), value: 0.934)
/// // "db-1 is at 93.4%"
/// ```
///
/// As in Prometheus, the text is parsed behind the definitions
/// `{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}`,
/// so `.Labels.instance` works too, and positions in execution errors count those
/// definitions, as Prometheus's do. Functions: Go's built-ins (`printf`, `eq`, `len`,
/// `index`, …) and Prometheus's (`humanize`, `humanize1024`, `humanizeDuration`,
/// `humanizePercentage`, `humanizeTimestamp`, `toUpper`, `toLower`, `title`, `match`,
/// `reReplaceAll`, `query`, `first`, `label`, `value`, `sortByLabel`, `stripPort`,
/// `parseDuration`, `args`, `safeHtml`, `graphLink`, `tableLink`, `externalURL`, `pathPrefix`).
public struct AlertTemplate: Sendable, Hashable, CustomStringConvertible {
    /// The template as written in the rule.
    public let text: String
    /// The name errors are reported under: `__alert_<alertname>` for a rule's templates.
    public let name: String
    /// Nil when the text has no action and expands to itself.
    let parsed: ParsedTemplate?

    static let definitions =
        "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"

    /// A function a template's `query` calls: an instant PromQL query at the evaluation time.
    public typealias QueryFunction = (String) throws -> [TemplateSample]

    /// Parses `text`; a syntax error or an unknown function is a ``TemplateError`` with Go's message.
    public init(_ text: String, name: String) throws(TemplateError) {
        self.text = text
        self.name = name
        if text.contains("{{") {
            parsed = try TemplateParser.parse(Self.definitions + text, name: name, functions: TemplateFunctions.names)
        } else {
            parsed = nil
        }
    }

    public var description: String { text }

    public static func == (lhs: AlertTemplate, rhs: AlertTemplate) -> Bool {
        lhs.text == rhs.text && lhs.name == rhs.name
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(text)
        hasher.combine(name)
    }

    /// Expands the template for one alert: `labels` are the labels of the series the rule's
    /// expression returned, `value` its value.
    public func expand(
        labels: Labels, externalLabels: Labels = .empty, value: Double, externalURL: String = "",
        query: QueryFunction? = nil
    ) throws(TemplateError) -> String {
        guard let parsed else { return text }
        let data = TemplateRecord(
            typeName: "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }",
            fields: [
                ("Labels", .stringMap(Self.map(labels))),
                ("ExternalLabels", .stringMap(Self.map(externalLabels))),
                ("ExternalURL", .string(externalURL)),
                ("Value", .float(value)),
            ])
        var environment = TemplateEnvironment(externalURL: externalURL)
        if let query {
            environment.query = { (expression: String) throws(TemplateFunctionError) -> [TemplateSample] in
                do {
                    return try query(expression)
                } catch {
                    throw TemplateFunctionError("\(error)")
                }
            }
        }
        var executor = TemplateExecutor(parsed, functions: TemplateFunctions.all, environment: environment)
        return try executor.execute(.record(data))
    }

    /// The expansion, or on failure Prometheus's error text
    /// `<error expanding template: error executing template …>`.
    public func expandOrPlaceholder(
        labels: Labels, externalLabels: Labels = .empty, value: Double, externalURL: String = "",
        query: QueryFunction? = nil
    ) -> String {
        do {
            return try expand(labels: labels, externalLabels: externalLabels, value: value, externalURL: externalURL, query: query)
        } catch {
            return error.expansionPlaceholder
        }
    }

    private static func map(_ labels: Labels) -> [String: String] {
        Dictionary(labels.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
    }
}
