/// Fills the fields of one Slack message or email: a field's user template when it has
/// one and it expands, else its default, a named template (`slack.default.title`, …) from
/// the loaded set. A failing user template is noted — the caller logs the notes and the
/// channel test returns them — and the default is sent instead, so a typo in a template
/// never loses a notification.
struct NotificationText {
    let payload: NotificationPayload
    let templates: NotificationTemplates
    /// `slack` or `email`: what the notes start with.
    let integration: String
    private(set) var notes: [String] = []

    init(_ payload: NotificationPayload, templates: NotificationTemplates, integration: String) {
        self.payload = payload
        self.templates = templates
        self.integration = integration
    }

    /// The field `name`: `template` expanded, or the named template `defaultName`.
    /// `html`: an email's HTML part, whose printed values are escaped.
    mutating func field(_ name: String, _ template: String?, default defaultName: String, html: Bool = false) -> String {
        if let template, let text = expand(name, template, html: html) { return text }
        do {
            return try templates.execute(named: defaultName, payload, html: html)
        } catch {
            // Only a user file can break a default: fall back to Sextant's own.
            notes.append("\(integration) \(name): \(error)")
            return (try? NotificationTemplates.defaults.execute(named: defaultName, payload, html: html)) ?? ""
        }
    }

    /// The field `name`: `template` expanded, or `fallback` as it is.
    mutating func field(_ name: String, _ template: String?, fallback: String) -> String {
        if let template, let text = expand(name, template) { return text }
        return fallback
    }

    private mutating func expand(_ name: String, _ template: String, html: Bool = false) -> String? {
        do {
            return try templates.expand(template, payload, html: html)
        } catch {
            notes.append("\(integration) \(name): \(error)")
            return nil
        }
    }
}
