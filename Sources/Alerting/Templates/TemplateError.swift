/// Why a template did not parse or could not be expanded, in Go's words.
///
/// ``message`` is the text Go's `text/template` gives, with the template's name and the
/// position: `template: __alert_HighLoad:1: function "humanise" not defined` for a parse
/// error, `template: __alert_HighLoad:1:118: executing "__alert_HighLoad" at <humanize
/// "x">: error calling humanize: …` for an execution error.
public struct TemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Phase: String, Sendable, Hashable {
        case parse
        case execution
    }

    public let phase: Phase
    /// The template's name, `__alert_<alertname>` for an alerting rule's labels and annotations.
    public let templateName: String
    public let message: String

    public init(phase: Phase, templateName: String, message: String) {
        self.phase = phase
        self.templateName = templateName
        self.message = message
    }

    public var description: String { message }

    /// The error as Prometheus's template expander words it:
    /// `error parsing template __alert_X: template: …` or `error executing template …`.
    public var expanderMessage: String {
        switch phase {
        case .parse: "error parsing template \(templateName): \(message)"
        case .execution: "error executing template \(templateName): \(message)"
        }
    }

    /// What an alerting rule puts in a label or annotation whose template failed, as
    /// Prometheus does: `<error expanding template: error executing template …>`.
    public var expansionPlaceholder: String { "<error expanding template: \(expanderMessage)>" }
}
