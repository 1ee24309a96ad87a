/// A method a template calls on a value of a Go type — `.Labels.SortedPairs`,
/// `.Alerts.Firing`, `.StartsAt.Format "…"` — with its parameters checked as a function's.
struct TemplateMethod: Sendable {
    var parameters: [TemplateType]
    var call: @Sendable (TemplateValue, [TemplateValue]) throws(TemplateFunctionError) -> TemplateValue

    init(
        _ parameters: [TemplateType] = [],
        _ call: @escaping @Sendable (TemplateValue, [TemplateValue]) throws(TemplateFunctionError) -> TemplateValue
    ) {
        self.parameters = parameters
        self.call = call
    }

    /// The method value `receiver.Method`, which the executor calls as it calls functions.
    func bound(to receiver: TemplateValue) -> TemplateFunction {
        TemplateFunction(parameters) { (args, _) throws(TemplateFunctionError) in try call(receiver, args) }
    }
}

/// The method sets of the Go types templates see, by the type's name as `%T` prints it.
enum TemplateMethods {
    static let byType: [String: [String: TemplateMethod]] = alertmanager.merging(time) { $0.merging($1) { _, new in new } }

    /// The method `name` of `receiver`'s type, if it has one.
    static func method(_ name: String, of receiver: TemplateValue) -> TemplateMethod? {
        byType[receiver.typeName]?[name]
    }
}
