public import TSDB

/// Where alerts go: the content of an `alertmanager.yml` (`global`, `route`, `receivers`,
/// `inhibit_rules`, `templates`), as Sextant reads it under `notifications:` in `sextant.yml`.
///
/// Durations are milliseconds. Fields a route leaves unset are inherited from its parent,
/// as Alertmanager does; ``RoutingTree`` resolves them.
public struct NotificationConfig: Sendable, Equatable {
    public var global = Global()
    public var route = Route()
    public var receivers: [Receiver] = []
    public var inhibitRules: [InhibitRule] = []
    /// The named templates of the `templates:` files, with Sextant's defaults.
    public var templates = NotificationTemplates.defaults
    /// The `templates:` entries as written (files and globs), for showing the configuration.
    public var templatePatterns: [String] = []
    /// `time_intervals` (and the older `mute_time_intervals`) by name, for routes' mute and
    /// active times: an instant is in a named interval when any of its entries holds it.
    public var timeIntervals: [String: [AlertTimeInterval]] = [:]

    public init(
        global: Global = Global(), route: Route = Route(), receivers: [Receiver] = [], inhibitRules: [InhibitRule] = [],
        templates: NotificationTemplates = .defaults
    ) {
        self.global = global
        self.route = route
        self.receivers = receivers
        self.inhibitRules = inhibitRules
        self.templates = templates
    }

    /// Alertmanager's `global` block: defaults every receiver of its kind falls back to.
    public struct Global: Sendable, Equatable {
        /// An alert not refreshed for this long is taken as resolved.
        public var resolveTimeout: Int64 = 5 * 60_000
        public var smtpFrom: String?
        /// `host:port` of the mail server.
        public var smtpSmarthost: String?
        public var smtpHello = "localhost"
        public var smtpAuthUsername: String?
        public var smtpAuthPassword: String?
        public var smtpAuthIdentity: String?
        public var smtpRequireTLS = true
        public var slackAPIURL: String?
        /// The link receivers get back to Sextant (Alertmanager's `--web.external-url`).
        public var externalURL = ""

        public init() {}
    }

    public func receiver(named name: String) -> Receiver? { receivers.first { $0.name == name } }
}

/// One node of the routing tree: which alerts it takes (`matchers`), how it groups them
/// and how often it notifies. `nil` means "as my parent".
public struct Route: Sendable, Equatable {
    public var receiver: String?
    /// Label names that split alerts into groups; `nil` inherits.
    public var groupBy: [String]?
    /// `group_by: ['...']`: every label set is its own group.
    public var groupByAll = false
    public var matchers: [LabelMatcher] = []
    /// Keep looking at the next sibling after this route matched.
    public var continueMatching = false
    public var groupWait: Int64?
    public var groupInterval: Int64?
    public var repeatInterval: Int64?
    /// Names of `time_intervals` during which this route sends nothing. Not inherited.
    public var muteTimeIntervals: [String] = []
    /// Names of `time_intervals` outside which this route sends nothing. Not inherited.
    public var activeTimeIntervals: [String] = []
    public var routes: [Route] = []

    public init(
        receiver: String? = nil, groupBy: [String]? = nil, groupByAll: Bool = false, matchers: [LabelMatcher] = [],
        continueMatching: Bool = false, groupWait: Int64? = nil, groupInterval: Int64? = nil, repeatInterval: Int64? = nil,
        routes: [Route] = []
    ) {
        self.receiver = receiver
        self.groupBy = groupBy
        self.groupByAll = groupByAll
        self.matchers = matchers
        self.continueMatching = continueMatching
        self.groupWait = groupWait
        self.groupInterval = groupInterval
        self.repeatInterval = repeatInterval
        self.routes = routes
    }

    /// Alertmanager's defaults for the root route.
    public static let defaultGroupWait: Int64 = 30_000
    public static let defaultGroupInterval: Int64 = 5 * 60_000
    public static let defaultRepeatInterval: Int64 = 4 * 3_600_000
}

/// A named set of integrations; each integration is delivered and retried on its own.
public struct Receiver: Sendable, Equatable {
    public var name: String
    public var webhooks: [WebhookConfig] = []
    public var slack: [SlackConfig] = []
    public var email: [EmailConfig] = []

    public init(name: String, webhooks: [WebhookConfig] = [], slack: [SlackConfig] = [], email: [EmailConfig] = []) {
        self.name = name
        self.webhooks = webhooks
        self.slack = slack
        self.email = email
    }

    /// The receiver's integrations, each named `<kind>/<index>` within the receiver.
    public var integrations: [Integration] {
        webhooks.enumerated().map { Integration(receiver: name, kind: .webhook($1), index: $0) }
            + slack.enumerated().map { Integration(receiver: name, kind: .slack($1), index: $0) }
            + email.enumerated().map { Integration(receiver: name, kind: .email($1), index: $0) }
    }
}

/// One way a receiver is reached.
public struct Integration: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case webhook(WebhookConfig)
        case slack(SlackConfig)
        case email(EmailConfig)

        public var name: String {
            switch self {
            case .webhook: "webhook"
            case .slack: "slack"
            case .email: "email"
            }
        }
    }

    public var receiver: String
    public var kind: Kind
    public var index: Int

    /// Stable within a configuration: `team-a/slack/0`.
    public var id: String { "\(receiver)/\(kind.name)/\(index)" }

    public var sendResolved: Bool {
        switch kind {
        case .webhook(let config): config.sendResolved
        case .slack(let config): config.sendResolved
        case .email(let config): config.sendResolved
        }
    }
}

/// Alertmanager's `webhook_configs` entry: its webhook JSON (version 4) POSTed to `url`.
public struct WebhookConfig: Sendable, Equatable {
    public var url: String
    public var sendResolved = true
    /// At most this many alerts per message; 0 is no limit (the rest are counted in `truncatedAlerts`).
    public var maxAlerts = 0
    /// Milliseconds; 0 means the delivery default.
    public var timeout: Int64 = 0

    public init(url: String, sendResolved: Bool = true, maxAlerts: Int = 0, timeout: Int64 = 0) {
        self.url = url
        self.sendResolved = sendResolved
        self.maxAlerts = maxAlerts
        self.timeout = timeout
    }
}

/// Alertmanager's `slack_configs` entry: a message to a Slack incoming webhook. Every text
/// field is a Go template over the notification, as in Alertmanager; an unset one uses
/// the named default (`slack.default.title`, …) of ``NotificationTemplates``.
public struct SlackConfig: Sendable, Equatable {
    /// `nil` uses `global.slack_api_url`.
    public var apiURL: String?
    public var channel: String?
    public var username: String?
    public var iconEmoji: String?
    public var iconURL: String?
    /// The attachment's colour; unset is `danger` while firing, else `good`.
    public var color: String?
    public var title: String?
    public var titleLink: String?
    public var pretext: String?
    public var text: String?
    public var fallback: String?
    public var footer: String?
    public var callbackID: String?
    public var sendResolved = false

    public init(
        apiURL: String? = nil, channel: String? = nil, username: String? = nil, iconEmoji: String? = nil, title: String? = nil,
        titleLink: String? = nil, text: String? = nil, sendResolved: Bool = false, iconURL: String? = nil, color: String? = nil,
        pretext: String? = nil, fallback: String? = nil, footer: String? = nil, callbackID: String? = nil
    ) {
        self.apiURL = apiURL
        self.channel = channel
        self.username = username
        self.iconEmoji = iconEmoji
        self.iconURL = iconURL
        self.color = color
        self.title = title
        self.titleLink = titleLink
        self.pretext = pretext
        self.text = text
        self.fallback = fallback
        self.footer = footer
        self.callbackID = callbackID
        self.sendResolved = sendResolved
    }
}

/// Alertmanager's `email_configs` entry: one message per group notification, text and
/// HTML alternatives. Unset SMTP fields fall back to `global.smtp_*`.
public struct EmailConfig: Sendable, Equatable {
    public var to: [String]
    public var from: String?
    public var smarthost: String?
    public var hello: String?
    public var authUsername: String?
    public var authPassword: String?
    public var authIdentity: String?
    public var requireTLS: Bool?
    public var insecureSkipVerify = false
    /// Extra headers; `Subject` overrides the default subject (a Go template).
    public var headers: [String: String] = [:]
    public var html: String?
    public var text: String?
    public var sendResolved = false

    public init(
        to: [String], from: String? = nil, smarthost: String? = nil, hello: String? = nil, authUsername: String? = nil,
        authPassword: String? = nil, authIdentity: String? = nil, requireTLS: Bool? = nil, insecureSkipVerify: Bool = false,
        headers: [String: String] = [:], html: String? = nil, text: String? = nil, sendResolved: Bool = false
    ) {
        self.to = to
        self.from = from
        self.smarthost = smarthost
        self.hello = hello
        self.authUsername = authUsername
        self.authPassword = authPassword
        self.authIdentity = authIdentity
        self.requireTLS = requireTLS
        self.insecureSkipVerify = insecureSkipVerify
        self.headers = headers
        self.html = html
        self.text = text
        self.sendResolved = sendResolved
    }
}

/// Mutes alerts matching `targetMatchers` while an alert matching `sourceMatchers` fires
/// with the same values of the `equal` labels.
public struct InhibitRule: Sendable, Equatable {
    public var sourceMatchers: [LabelMatcher]
    public var targetMatchers: [LabelMatcher]
    public var equal: [String]

    public init(sourceMatchers: [LabelMatcher], targetMatchers: [LabelMatcher], equal: [String] = []) {
        self.sourceMatchers = sourceMatchers
        self.targetMatchers = targetMatchers
        self.equal = equal
    }
}
