import Foundation

extension NotificationSender {
    /// One email per group notification: Alertmanager's subject, a text and an HTML part;
    /// SMTP settings from the config, falling back to `global.smtp_*`.
    func sendEmail(
        _ payload: NotificationPayload, config: EmailConfig, global: NotificationConfig.Global, timeout: Int64
    ) async -> (DeliveryOutcome, notes: [String]) {
        var notes: [String] = []
        func expand(_ template: String?, name: String, default fallback: @autoclosure () -> String) -> String {
            guard let template else { return fallback() }
            switch NotificationText.expand(template, payload, name: name) {
            case .success(let text): return text
            case .failure(let error):
                notes.append("email \(name): \(error)")
                return fallback()
            }
        }
        guard let from = config.from ?? global.smtpFrom else { return (.failed(reason: "no from address and no global.smtp_from"), []) }
        guard let smarthost = config.smarthost ?? global.smtpSmarthost else {
            return (.failed(reason: "no smarthost and no global.smtp_smarthost"), [])
        }
        guard let colon = smarthost.lastIndex(of: ":"), let port = Int(smarthost[smarthost.index(after: colon)...]), (1...65_535).contains(port) else {
            return (.failed(reason: "smarthost \"\(smarthost)\" is not host:port"), [])
        }
        var host = String(smarthost[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var headers = config.headers
        let subject = expand(headers.removeValue(forKey: "Subject"), name: "Subject", default: NotificationText.title(payload))
        for (name, value) in headers { headers[name] = expand(value, name: name, default: value) }
        let message = EmailMessage(
            from: from, to: config.to, subject: subject,
            text: expand(config.text, name: "text", default: NotificationText.plain(payload)),
            html: expand(config.html, name: "html", default: NotificationText.html(payload)),
            headers: headers, date: Date())
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
}
