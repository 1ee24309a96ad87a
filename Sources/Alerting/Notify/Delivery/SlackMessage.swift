import Foundation

/// The JSON a Slack incoming webhook takes, laid out as Alertmanager's Slack notifier lays
/// it out: one attachment coloured by status, the title linking back, the alerts as text.
struct SlackMessage: Encodable {
    var channel: String?
    var username: String?
    var icon_emoji: String?
    var text: String?
    var attachments: [Attachment]

    struct Attachment: Encodable {
        var color: String
        var title: String
        var title_link: String?
        var text: String
        var fallback: String
        var mrkdwn_in = ["fallback", "pretext", "text"]
    }

    /// The message, and the template errors that made it fall back to default wording.
    static func render(_ payload: NotificationPayload, config: SlackConfig) -> (SlackMessage, [String]) {
        var problems: [String] = []
        func expand(_ template: String?, name: String, default fallback: @autoclosure () -> String) -> String {
            guard let template else { return fallback() }
            switch NotificationText.expand(template, payload, name: name) {
            case .success(let text): return text
            case .failure(let error):
                problems.append("slack \(name): \(error)")
                return fallback()
            }
        }
        let title = expand(config.title, name: "title", default: NotificationText.title(payload))
        let text = expand(config.text, name: "text", default: Self.defaultText(payload))
        let link = config.titleLink.map { expand($0, name: "title_link", default: payload.externalURL) } ?? payload.externalURL
        let attachment = Attachment(
            color: payload.status == "firing" ? "danger" : "good", title: title, title_link: link.isEmpty ? nil : link, text: text,
            fallback: title)
        return (SlackMessage(channel: config.channel, username: config.username, icon_emoji: config.iconEmoji, attachments: [attachment]), problems)
    }

    /// Slack mrkdwn: per alert its summary, severity, description, value source and labels.
    static func defaultText(_ payload: NotificationPayload) -> String {
        var blocks: [String] = []
        for alert in payload.alerts {
            var lines: [String] = []
            let status = alert.status == "resolved" ? " (resolved)" : ""
            let summary = alert.annotations["summary"] ?? alert.labels["alertname"] ?? "alert"
            var head = "*Alert:* \(summary)\(status)"
            if let severity = alert.labels["severity"] { head += " - `\(severity)`" }
            lines.append(head)
            if let description = alert.annotations["description"] { lines.append("*Description:* \(description)") }
            if !alert.generatorURL.isEmpty { lines.append("*Source:* <\(alert.generatorURL)|graph>") }
            lines.append("*Details:*")
            for (name, value) in alert.labels.sorted(by: { $0.key < $1.key }) { lines.append("  • *\(name):* `\(value)`") }
            blocks.append(lines.joined(separator: "\n"))
        }
        if payload.truncatedAlerts > 0 { blocks.append("… and \(payload.truncatedAlerts) more") }
        return blocks.joined(separator: "\n\n")
    }

    func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }
}
