import Foundation
public import TSDB

/// A receiver managed through `/api/v1/notifications/channels` instead of the config file.
/// It becomes a receiver of the same name, with the same semantics; given matchers, it
/// also gets a route of its own at the top of the tree (with `continue`, so file routes
/// still see the alerts it takes).
///
/// Settings are split: `secrets` (webhook `url`, Slack `api_url`, email `auth_password`)
/// are sealed in the catalog and never returned; `settings` hold the rest.
public struct NotificationChannel: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case webhook, slack, email
    }

    public var id: String
    public var name: String
    public var kind: Kind
    public var settings: [String: String]
    public var secrets: [String: String]
    public var matchers: [LabelMatcher]
    public var sendResolved: Bool
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: String, name: String, kind: Kind, settings: [String: String], secrets: [String: String], matchers: [LabelMatcher],
        sendResolved: Bool, createdAt: Int64, updatedAt: Int64
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.settings = settings
        self.secrets = secrets
        self.matchers = matchers
        self.sendResolved = sendResolved
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public static func secretFields(_ kind: Kind) -> Set<String> {
        switch kind {
        case .webhook: ["url"]
        case .slack: ["api_url"]
        case .email: ["auth_password"]
        }
    }

    public static func settingFields(_ kind: Kind) -> Set<String> {
        switch kind {
        case .webhook: ["max_alerts"]
        case .slack: ["channel", "username", "icon_emoji", "title", "title_link", "text"]
        case .email: ["to", "from", "smarthost", "hello", "auth_username", "auth_identity", "require_tls", "insecure_skip_verify", "html", "text"]
        }
    }

    /// The receiver this channel stands for, or what is wrong with it.
    public func receiver() throws(NotificationChannelError) -> Receiver {
        if name.isEmpty { throw .invalid("name must not be empty") }
        for key in settings.keys where !Self.settingFields(kind).contains(key) {
            throw .invalid(Self.secretFields(kind).contains(key)
                ? "\"\(key)\" is a secret: send it under \"secrets\""
                : "unknown setting \"\(key)\" for a \(kind.rawValue) channel (known: \(Self.settingFields(kind).sorted().joined(separator: ", ")))")
        }
        for key in secrets.keys where !Self.secretFields(kind).contains(key) {
            throw .invalid("unknown secret \"\(key)\" for a \(kind.rawValue) channel (known: \(Self.secretFields(kind).sorted().joined(separator: ", ")))")
        }
        switch kind {
        case .webhook:
            let url = try Self.httpURL(secrets["url"], field: "url")
            var maxAlerts = 0
            if let text = settings["max_alerts"] {
                guard let value = Int(text), value >= 0 else { throw .invalid("max_alerts must be a whole number ≥ 0, found \"\(text)\"") }
                maxAlerts = value
            }
            return Receiver(name: name, webhooks: [WebhookConfig(url: url, sendResolved: sendResolved, maxAlerts: maxAlerts)])
        case .slack:
            let url = try Self.httpURL(secrets["api_url"], field: "api_url")
            return Receiver(name: name, slack: [SlackConfig(
                apiURL: url, channel: settings["channel"], username: settings["username"], iconEmoji: settings["icon_emoji"],
                title: settings["title"], titleLink: settings["title_link"], text: settings["text"], sendResolved: sendResolved)])
        case .email:
            guard let to = settings["to"], !to.isEmpty else { throw .invalid("to must name at least one address") }
            guard let from = settings["from"], !from.isEmpty else { throw .invalid("from must be set") }
            guard let smarthost = settings["smarthost"], let colon = smarthost.lastIndex(of: ":"),
                  let port = Int(smarthost[smarthost.index(after: colon)...]), (1...65_535).contains(port) else {
                throw .invalid("smarthost must be host:port")
            }
            func flag(_ key: String) throws(NotificationChannelError) -> Bool? {
                guard let text = settings[key] else { return nil }
                switch text {
                case "true": return true
                case "false": return false
                default: throw .invalid("\(key) must be true or false, found \"\(text)\"")
                }
            }
            return Receiver(name: name, email: [EmailConfig(
                to: EmailMessage.addresses(in: to), from: from, smarthost: smarthost, hello: settings["hello"],
                authUsername: settings["auth_username"], authPassword: secrets["auth_password"], authIdentity: settings["auth_identity"],
                requireTLS: try flag("require_tls"), insecureSkipVerify: try flag("insecure_skip_verify") ?? false, html: settings["html"],
                text: settings["text"], sendResolved: sendResolved)])
        }
    }

    static func httpURL(_ text: String?, field: String) throws(NotificationChannelError) -> String {
        guard let text, !text.isEmpty else { throw .invalid("\(field) is required (under \"secrets\")") }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty else {
            throw .invalid("\(field) must be an http or https URL")
        }
        return text
    }
}

public enum NotificationChannelError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)
    case nameTaken(String)

    public var description: String {
        switch self {
        case .invalid(let reason): reason
        case .nameTaken(let name): "a receiver named \"\(name)\" already exists"
        }
    }
}

extension NotificationConfig {
    /// The file's configuration with the API's channels added as receivers (and routes for
    /// those with matchers). Channels whose name a file receiver already uses are skipped.
    public func adding(_ channels: [NotificationChannel]) -> NotificationConfig {
        var config = self
        var routes: [Route] = []
        for channel in channels where config.receiver(named: channel.name) == nil {
            guard let receiver = try? channel.receiver() else { continue }
            config.receivers.append(receiver)
            if !channel.matchers.isEmpty {
                routes.append(Route(receiver: channel.name, matchers: channel.matchers, continueMatching: true))
            }
        }
        config.route.routes = routes + config.route.routes
        return config
    }
}
