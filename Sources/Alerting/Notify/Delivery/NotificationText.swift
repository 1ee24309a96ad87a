/// The readable forms of a notification that Slack and email share, worded as
/// Alertmanager's default templates word them, and user templates expanded over it.
///
/// User templates (`title`, `text`, `html`, a `Subject` header) see Alertmanager's
/// notification data: `.Status`, `.Receiver`, `.GroupLabels`, `.CommonLabels`,
/// `.CommonAnnotations`, `.ExternalURL`. The per-alert list `.Alerts` is not offered yet: a
/// template that uses it fails, and the default text is sent with the error noted.
enum NotificationText {
    /// `[FIRING:2] HighLoad node (page)`: status, count, group label values, then the other common label values.
    static func title(_ payload: NotificationPayload) -> String {
        var title = "[\(payload.status.uppercased())"
        if payload.status == "firing" { title += ":\(payload.firing.count)" }
        title += "]"
        let groupValues = payload.groupLabels.sorted { $0.key < $1.key }.map(\.value)
        if !groupValues.isEmpty { title += " " + groupValues.joined(separator: " ") }
        let extra = payload.commonLabels.filter { payload.groupLabels[$0.key] == nil }.sorted { $0.key < $1.key }.map(\.value)
        if !extra.isEmpty { title += " (" + extra.joined(separator: " ") + ")" }
        return title
    }

    /// One block per alert: summary, description, value link and labels.
    static func plain(_ payload: NotificationPayload) -> String {
        var lines: [String] = []
        for (heading, alerts) in [("Firing", payload.firing), ("Resolved", payload.resolved)] where !alerts.isEmpty {
            lines.append("\(heading) alerts:")
            for alert in alerts {
                lines.append("")
                lines.append("Alert: \(alert.annotations["summary"] ?? alert.labels["alertname"] ?? "")")
                if let description = alert.annotations["description"] { lines.append("Description: \(description)") }
                lines.append("Started: \(alert.startsAt)")
                if alert.status == "resolved" { lines.append("Ended: \(alert.endsAt)") }
                lines.append("Labels:")
                for (name, value) in alert.labels.sorted(by: { $0.key < $1.key }) { lines.append("  - \(name) = \(value)") }
                if !alert.generatorURL.isEmpty { lines.append("Source: \(alert.generatorURL)") }
            }
            lines.append("")
        }
        if payload.truncatedAlerts > 0 { lines.append("… and \(payload.truncatedAlerts) more") }
        if !payload.externalURL.isEmpty { lines.append("Sextant: \(payload.externalURL)") }
        return lines.joined(separator: "\n")
    }

    static func html(_ payload: NotificationPayload) -> String {
        var out = "<!DOCTYPE html><html><body style=\"font-family:sans-serif\">"
        out += "<h2 style=\"color:\(payload.status == "firing" ? "#c0392b" : "#27ae60")\">\(escape(title(payload)))</h2>"
        for (heading, alerts) in [("Firing", payload.firing), ("Resolved", payload.resolved)] where !alerts.isEmpty {
            out += "<h3>\(heading) alerts</h3>"
            for alert in alerts {
                out += "<div style=\"margin-bottom:1em\"><strong>\(escape(alert.annotations["summary"] ?? alert.labels["alertname"] ?? ""))</strong>"
                if let description = alert.annotations["description"] { out += "<p>\(escape(description))</p>" }
                out += "<p>Started: \(escape(alert.startsAt))"
                if alert.status == "resolved" { out += "<br>Ended: \(escape(alert.endsAt))" }
                out += "</p><table>"
                for (name, value) in alert.labels.sorted(by: { $0.key < $1.key }) {
                    out += "<tr><td>\(escape(name))</td><td><code>\(escape(value))</code></td></tr>"
                }
                out += "</table>"
                if !alert.generatorURL.isEmpty { out += "<a href=\"\(escape(alert.generatorURL))\">Source</a>" }
                out += "</div>"
            }
        }
        if !payload.externalURL.isEmpty { out += "<p><a href=\"\(escape(payload.externalURL))\">Sextant</a></p>" }
        return out + "</body></html>"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A user template over the notification data, or the error that stopped it.
    static func expand(_ template: String, _ payload: NotificationPayload, name: String) -> Result<String, TemplateError> {
        do {
            return .success(try AlertTemplate(template, name: name).expandNotification(payload))
        } catch {
            return .failure(error)
        }
    }
}

extension AlertTemplate {
    /// Expands over Alertmanager's notification data (see ``NotificationText``).
    func expandNotification(_ payload: NotificationPayload) throws(TemplateError) -> String {
        guard let parsed else { return text }
        let data = TemplateRecord(
            typeName: "*template.Data",
            fields: [
                ("Receiver", .string(payload.receiver)),
                ("Status", .string(payload.status)),
                ("GroupLabels", .stringMap(payload.groupLabels)),
                ("CommonLabels", .stringMap(payload.commonLabels)),
                ("CommonAnnotations", .stringMap(payload.commonAnnotations)),
                ("ExternalURL", .string(payload.externalURL)),
            ])
        var executor = TemplateExecutor(parsed, functions: TemplateFunctions.all, environment: TemplateEnvironment(externalURL: payload.externalURL))
        return try executor.execute(.record(data))
    }
}
