import Foundation

/// The JSON a Slack incoming webhook takes, laid out as Alertmanager's Slack notifier lays
/// it out: one attachment coloured by status, the title linking back, the alerts as text.
/// Fields that come out empty are left out.
struct SlackMessage: Encodable {
    var channel: String?
    var username: String?
    var icon_emoji: String?
    var icon_url: String?
    var text: String?
    var attachments: [Attachment]

    struct Attachment: Encodable {
        var color: String
        var title: String
        var title_link: String?
        var pretext: String?
        var text: String
        var fallback: String
        var footer: String?
        var callback_id: String?
        var mrkdwn_in = ["fallback", "pretext", "text"]
    }

    /// The message, and the template errors that made fields fall back to their defaults.
    static func render(_ payload: NotificationPayload, config: SlackConfig, templates: NotificationTemplates) -> (SlackMessage, [String]) {
        var fields = NotificationText(payload, templates: templates, integration: "slack")
        func present(_ text: String) -> String? { text.isEmpty ? nil : text }
        let attachment = Attachment(
            color: fields.field("color", config.color, fallback: payload.status == "firing" ? "danger" : "good"),
            title: fields.field("title", config.title, default: "slack.default.title"),
            title_link: present(fields.field("title_link", config.titleLink, default: "slack.default.titlelink")),
            pretext: present(fields.field("pretext", config.pretext, default: "slack.default.pretext")),
            text: fields.field("text", config.text, default: "slack.default.text"),
            fallback: fields.field("fallback", config.fallback, default: "slack.default.fallback"),
            footer: present(fields.field("footer", config.footer, default: "slack.default.footer")),
            callback_id: present(fields.field("callback_id", config.callbackID, default: "slack.default.callbackid")))
        let message = SlackMessage(
            channel: present(fields.field("channel", config.channel, fallback: "")),
            username: present(fields.field("username", config.username, default: "slack.default.username")),
            icon_emoji: present(fields.field("icon_emoji", config.iconEmoji, default: "slack.default.iconemoji")),
            icon_url: present(fields.field("icon_url", config.iconURL, default: "slack.default.iconurl")),
            attachments: [attachment])
        return (message, fields.notes)
    }

    func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }
}
