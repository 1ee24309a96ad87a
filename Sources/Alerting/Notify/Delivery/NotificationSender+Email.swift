import Foundation

extension NotificationSender {
    /// One email per group notification: Alertmanager's subject, a text and an HTML part;
    /// SMTP settings from the config, falling back to `global.smtp_*`.
    func sendEmail(
        _ payload: NotificationPayload, config: EmailConfig, global: NotificationConfig.Global, templates: NotificationTemplates,
        timeout: Int64
    ) async -> (DeliveryOutcome, notes: [String]) {
        guard let from = config.from ?? global.smtpFrom else { return (.failed(reason: "no from address and no global.smtp_from"), []) }
        guard let smarthost = config.smarthost ?? global.smtpSmarthost else {
            return (.failed(reason: "no smarthost and no global.smtp_smarthost"), [])
        }
        guard let colon = smarthost.lastIndex(of: ":"), let port = Int(smarthost[smarthost.index(after: colon)...]), (1...65_535).contains(port) else {
            return (.failed(reason: "smarthost \"\(smarthost)\" is not host:port"), [])
        }
        var host = String(smarthost[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let (message, notes) = Self.emailMessage(payload, config: config, from: from, templates: templates)
        let username = config.authUsername ?? global.smtpAuthUsername
        let settings = SMTPSettings(
            host: host, port: port, helloName: config.hello ?? global.smtpHello, username: username,
            password: username == nil ? nil : config.authPassword ?? global.smtpAuthPassword,
            identity: config.authIdentity ?? global.smtpAuthIdentity, requireTLS: config.requireTLS ?? global.smtpRequireTLS,
            insecureSkipVerify: config.insecureSkipVerify, timeout: .milliseconds(timeout))
        do {
            try await smtp.send(message, settings: settings)
            return (.delivered, notes)
        } catch {
            return (error.isPermanent ? .failed(reason: error.description) : .retry(after: nil, reason: error.description), notes)
        }
    }

    /// The message's texts: the config's templates, or `email.default.subject`, `.text`
    /// and `.html`; headers are templates too. Returns the template errors as notes.
    static func emailMessage(
        _ payload: NotificationPayload, config: EmailConfig, from: String, templates: NotificationTemplates, date: Date = Date()
    ) -> (EmailMessage, notes: [String]) {
        var fields = NotificationText(payload, templates: templates, integration: "email")
        var headers = config.headers
        let subject = fields.field("Subject", headers.removeValue(forKey: "Subject"), default: "email.default.subject")
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { headers[name] = fields.field(name, value, fallback: value) }
        let message = EmailMessage(
            from: from, to: config.to, subject: subject,
            text: fields.field("text", config.text, default: "email.default.text"),
            html: fields.field("html", config.html, default: "email.default.html", html: true),
            headers: headers, date: date)
        return (message, fields.notes)
    }
}
