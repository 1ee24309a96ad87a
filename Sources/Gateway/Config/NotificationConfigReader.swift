import Alerting
import Foundation
import TSDB
import Yams

/// Reads `notifications:` — an `alertmanager.yml` as it is — into ``NotificationConfig``,
/// with Alertmanager 0.25's keys, defaults and checks.
///
/// Route fields left unset stay `nil`: inheritance is resolved by the routing tree, not
/// here. `templates:` files are read now, relative to ``baseDirectory``, so that a reload
/// reads them again. Keys Alertmanager knows but Sextant does not act on
/// (`http_config`, Slack `fields` and `actions`…) are accepted and listed in ``warnings``; receiver
/// kinds Sextant cannot deliver to (`pagerduty_configs`, …) are refused, since accepting
/// them would silently drop notifications.
struct NotificationConfigReader {
    /// Things the block says that Sextant accepts but does not act on.
    var warnings: [String] = []
    /// The directory of the configuration file, which relative `templates:` paths start from.
    var baseDirectory = "."

    /// Deeper or larger route trees are refused: no real configuration comes near, every
    /// alert walks the tree, and YAML aliases can make a short file hold billions of routes.
    static let maxRouteDepth = 100
    static let maxRoutes = 10_000
    private var routeCount = 0

    static let supportedReceiverKinds = ["webhook_configs", "slack_configs", "email_configs"]

    mutating func read(_ m: ConfigMapping) throws(ConfigError) -> NotificationConfig {
        var config = NotificationConfig()
        config.global = try readGlobal(m.mapping("global"))
        var names: Set<String> = []
        for (index, node) in try m.sequence("receivers").enumerated() {
            let r = try ConfigMapping(node, source: m.source, path: m.keyPath("receivers[\(index)]"))
            let receiver = try readReceiver(r, global: config.global)
            guard names.insert(receiver.name).inserted else { throw r.error("name", "receiver \"\(receiver.name)\" is defined twice") }
            config.receivers.append(receiver)
        }
        guard let routeNode = m.node("route"), !ConfigMapping.isNull(routeNode) else {
            throw m.error("route", "notifications needs a root route naming the receiver of every alert no child route takes")
        }
        config.timeIntervals = try readTimeIntervals(m)
        let route = try ConfigMapping(routeNode, source: m.source, path: m.keyPath("route"))
        config.route = try readRoute(route, depth: 0, receivers: names, intervals: Set(config.timeIntervals.keys))
        for (index, node) in try m.sequence("inhibit_rules").enumerated() {
            let rule = try ConfigMapping(node, source: m.source, path: m.keyPath("inhibit_rules[\(index)]"))
            config.inhibitRules.append(try readInhibitRule(rule))
        }
        config.templates = try readTemplates(m)
        config.templatePatterns = try Self.items(m, "templates")?.map(\.text) ?? []
        try m.finish()
        return config
    }

    // MARK: templates

    /// `templates:`: files and globs of `{{ define }}`s, loaded over Sextant's defaults.
    private func readTemplates(_ m: ConfigMapping) throws(ConfigError) -> NotificationTemplates {
        var templates = NotificationTemplates.defaults
        for (pattern, fail) in try Self.items(m, "templates") ?? [] {
            do throws(NotificationTemplateError) {
                templates = try templates.adding(filesMatching: pattern, relativeTo: baseDirectory)
            } catch {
                throw fail("\(error)")
            }
        }
        return templates
    }

    // MARK: global

    private mutating func readGlobal(_ m: ConfigMapping) throws(ConfigError) -> NotificationConfig.Global {
        var global = NotificationConfig.Global()
        global.resolveTimeout = try m.duration("resolve_timeout") ?? global.resolveTimeout
        global.smtpFrom = try m.string("smtp_from")
        global.smtpSmarthost = try Self.hostPort(m, "smtp_smarthost")
        global.smtpHello = try m.string("smtp_hello") ?? global.smtpHello
        global.smtpAuthUsername = try m.string("smtp_auth_username")
        global.smtpAuthPassword = try Self.secret(m, "smtp_auth_password", file: "smtp_auth_password_file")
        global.smtpAuthIdentity = try m.string("smtp_auth_identity")
        global.smtpRequireTLS = try m.bool("smtp_require_tls") ?? global.smtpRequireTLS
        global.slackAPIURL = try Self.secret(m, "slack_api_url", file: "slack_api_url_file")
        if global.slackAPIURL.map(Self.isHTTPURL) == false {
            throw m.error(m.keys.contains("slack_api_url") ? "slack_api_url" : "slack_api_url_file", "must be an http or https URL")
        }
        if let (url, fail) = try m.scalar("external_url") {
            guard Self.isHTTPURL(url) else { throw fail("\"\(url)\" is not an http or https URL") }
            global.externalURL = url
        }
        warnings += m.acceptedButIgnored([
            "http_config", "smtp_auth_secret", "smtp_auth_secret_file", "smtp_tls_config", "pagerduty_url",
            "opsgenie_api_key", "opsgenie_api_key_file", "opsgenie_api_url", "victorops_api_key", "victorops_api_key_file",
            "victorops_api_url", "wechat_api_url", "wechat_api_secret", "wechat_api_corp_id", "telegram_api_url",
            "webex_api_url", "jira_api_url", "rocketchat_api_url", "rocketchat_token", "rocketchat_token_file",
            "rocketchat_token_id", "rocketchat_token_id_file",
        ])
        try m.finish()
        return global
    }

    // MARK: route

    private mutating func readRoute(_ m: ConfigMapping, depth: Int, receivers: Set<String>, intervals: Set<String>) throws(ConfigError) -> Route {
        let isRoot = depth == 0
        routeCount += 1
        guard routeCount <= Self.maxRoutes else {
            throw ConfigError(source: m.source, line: m.mark?.line, column: m.mark?.column, key: m.path,
                              reason: "the routing tree has more than \(Self.maxRoutes) routes")
        }
        var route = Route()
        if let (name, fail) = try m.scalar("receiver") {
            guard receivers.contains(name) else { throw fail("receiver \"\(name)\" is not defined under notifications.receivers") }
            route.receiver = name
        } else if isRoot {
            throw m.error("receiver", "the root route must name a receiver: it takes every alert no child route takes")
        }

        if let labels = try Self.items(m, "group_by") {
            var seen: Set<String> = []
            for (label, fail) in labels {
                if label == "..." {
                    guard labels.count == 1 else { throw fail("'...' (group by every label) must be alone in group_by") }
                    route.groupByAll = true
                    continue
                }
                guard Labels.isValidLabelName(label) else { throw fail("invalid label name \"\(label)\"") }
                guard seen.insert(label).inserted else { throw fail("label \"\(label)\" is listed twice") }
            }
            // As in Alertmanager, `group_by: []` and `['...']` leave the label list unset.
            if !route.groupByAll && !labels.isEmpty { route.groupBy = labels.map { $0.text } }
        }

        route.matchers = try Self.matchers(m, "matchers") + Self.deprecatedMatchers(m, equal: "match", regex: "match_re")
        if isRoot, !route.matchers.isEmpty {
            let key = ["matchers", "match", "match_re"].first { m.keys.contains($0) } ?? "matchers"
            throw m.error(key, "the root route must not have matchers: it takes every alert")
        }
        route.continueMatching = try m.bool("continue") ?? false
        route.groupWait = try m.duration("group_wait", allowZero: true)
        route.groupInterval = try m.duration("group_interval")
        route.repeatInterval = try m.duration("repeat_interval")
        route.muteTimeIntervals = try Self.timeIntervalNames(m, "mute_time_intervals", defined: intervals, isRoot: isRoot)
        route.activeTimeIntervals = try Self.timeIntervalNames(m, "active_time_intervals", defined: intervals, isRoot: isRoot)

        for (index, node) in try m.sequence("routes").enumerated() {
            let child = try ConfigMapping(node, source: m.source, path: m.keyPath("routes[\(index)]"))
            guard depth + 1 < Self.maxRouteDepth else {
                throw ConfigError(source: m.source, line: child.mark?.line, column: child.mark?.column, key: child.path,
                                  reason: "routes nest deeper than \(Self.maxRouteDepth) levels")
            }
            route.routes.append(try readRoute(child, depth: depth + 1, receivers: receivers, intervals: intervals))
        }
        try m.finish()
        return route
    }

    // MARK: receivers

    private mutating func readReceiver(_ m: ConfigMapping, global: NotificationConfig.Global) throws(ConfigError) -> Receiver {
        guard let name = try m.string("name"), !name.isEmpty else { throw m.error("name", "every receiver needs a name") }
        for key in m.keys where key.hasSuffix("_configs") && !Self.supportedReceiverKinds.contains(key) {
            let kind = key.dropLast("_configs".count)
            throw m.error(key, "\(kind) receivers are not supported by Sextant; it delivers to \(Self.supportedReceiverKinds.joined(separator: ", "))")
        }
        var receiver = Receiver(name: name)
        for (index, node) in try m.sequence("webhook_configs").enumerated() {
            let w = try ConfigMapping(node, source: m.source, path: m.keyPath("webhook_configs[\(index)]"))
            receiver.webhooks.append(try readWebhook(w))
        }
        for (index, node) in try m.sequence("slack_configs").enumerated() {
            let s = try ConfigMapping(node, source: m.source, path: m.keyPath("slack_configs[\(index)]"))
            receiver.slack.append(try readSlack(s, global: global))
        }
        for (index, node) in try m.sequence("email_configs").enumerated() {
            let e = try ConfigMapping(node, source: m.source, path: m.keyPath("email_configs[\(index)]"))
            receiver.email.append(try readEmail(e, global: global))
        }
        try m.finish()
        return receiver
    }

    private mutating func readWebhook(_ m: ConfigMapping) throws(ConfigError) -> WebhookConfig {
        guard let url = try Self.secret(m, "url", file: "url_file") else { throw m.error("url", "a webhook needs a url") }
        guard Self.isHTTPURL(url) else { throw m.error(m.keys.contains("url") ? "url" : "url_file", "must be an http or https URL") }
        var webhook = WebhookConfig(url: url)
        webhook.sendResolved = try m.bool("send_resolved") ?? true
        webhook.maxAlerts = try m.int("max_alerts") ?? 0
        webhook.timeout = try m.duration("timeout", allowZero: true) ?? 0
        warnings += m.acceptedButIgnored(["http_config"])
        try m.finish()
        return webhook
    }

    private mutating func readSlack(_ m: ConfigMapping, global: NotificationConfig.Global) throws(ConfigError) -> SlackConfig {
        var slack = SlackConfig()
        slack.apiURL = try Self.secret(m, "api_url", file: "api_url_file")
        if let url = slack.apiURL, !Self.isHTTPURL(url) {
            throw m.error(m.keys.contains("api_url") ? "api_url" : "api_url_file", "must be an http or https URL")
        }
        if slack.apiURL == nil && global.slackAPIURL == nil {
            throw m.error("api_url", "a slack config needs an api_url (its own, or global.slack_api_url)")
        }
        slack.channel = try m.string("channel")
        slack.username = try m.string("username")
        slack.iconEmoji = try m.string("icon_emoji")
        slack.iconURL = try m.string("icon_url")
        slack.color = try m.string("color")
        slack.title = try m.string("title")
        slack.titleLink = try m.string("title_link")
        slack.pretext = try m.string("pretext")
        slack.text = try m.string("text")
        slack.fallback = try m.string("fallback")
        slack.footer = try m.string("footer")
        slack.callbackID = try m.string("callback_id")
        slack.sendResolved = try m.bool("send_resolved") ?? false
        warnings += m.acceptedButIgnored([
            "http_config", "fields", "short_fields", "image_url", "thumb_url", "link_names", "mrkdwn_in", "actions",
        ])
        try m.finish()
        return slack
    }

    private mutating func readEmail(_ m: ConfigMapping, global: NotificationConfig.Global) throws(ConfigError) -> EmailConfig {
        // Alertmanager's `to` is one string of comma-separated addresses.
        let to = (try m.string("to") ?? "").split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
        guard !to.isEmpty else { throw m.error("to", "an email config needs a 'to' address") }
        var email = EmailConfig(to: to)
        email.from = try m.string("from")
        if email.from == nil && global.smtpFrom == nil {
            throw m.error("from", "an email config needs a 'from' address (its own, or global.smtp_from)")
        }
        email.smarthost = try Self.hostPort(m, "smarthost")
        if email.smarthost == nil && global.smtpSmarthost == nil {
            throw m.error("smarthost", "an email config needs a smarthost, host:port (its own, or global.smtp_smarthost)")
        }
        email.hello = try m.string("hello")
        email.authUsername = try m.string("auth_username")
        email.authPassword = try Self.secret(m, "auth_password", file: "auth_password_file")
        email.authIdentity = try m.string("auth_identity")
        email.requireTLS = try m.bool("require_tls")
        if m.keys.contains("tls_config") {
            let tls = try m.mapping("tls_config")
            email.insecureSkipVerify = try tls.bool("insecure_skip_verify") ?? false
            warnings += tls.acceptedButIgnored(["ca_file", "ca", "cert_file", "cert", "key_file", "key", "server_name", "min_version", "max_version"])
            try tls.finish()
        }
        for (name, value) in (try m.stringMap("headers") ?? [:]).sorted(by: { $0.key < $1.key }) {
            // Header names are case-insensitive; Alertmanager keeps the canonical spelling.
            let canonical = Self.canonicalHeaderName(name)
            guard email.headers.updateValue(value, forKey: canonical) == nil else {
                throw m.error("headers", "header \"\(canonical)\" is given twice")
            }
        }
        email.html = try m.string("html")
        email.text = try m.string("text")
        email.sendResolved = try m.bool("send_resolved") ?? false
        warnings += m.acceptedButIgnored(["auth_secret", "auth_secret_file"])
        try m.finish()
        return email
    }

    // MARK: inhibit rules

    private mutating func readInhibitRule(_ m: ConfigMapping) throws(ConfigError) -> InhibitRule {
        let source = try Self.matchers(m, "source_matchers") + Self.deprecatedMatchers(m, equal: "source_match", regex: "source_match_re")
        let target = try Self.matchers(m, "target_matchers") + Self.deprecatedMatchers(m, equal: "target_match", regex: "target_match_re")
        var equal: [String] = []
        for (label, fail) in try Self.items(m, "equal") ?? [] {
            guard Labels.isValidLabelName(label) else { throw fail("invalid label name \"\(label)\"") }
            equal.append(label)
        }
        warnings += m.acceptedButIgnored(["name"])
        try m.finish()
        return InhibitRule(sourceMatchers: source, targetMatchers: target, equal: equal)
    }

    // MARK: helpers

    /// A list of single values, each with a way to fail that points at that item.
    static func items(_ m: ConfigMapping, _ key: String) throws(ConfigError) -> [(text: String, fail: (String) -> ConfigError)]? {
        guard let node = m.node(key), !ConfigMapping.isNull(node) else { return nil }
        guard case .sequence(let sequence) = node else { throw m.error(key, "expected a list, found a \(ConfigMapping.kind(node))") }
        var out: [(text: String, fail: (String) -> ConfigError)] = []
        for (index, item) in sequence.enumerated() {
            let error = { (reason: String) in
                ConfigError(source: m.source, line: item.mark?.line, column: item.mark?.column, key: m.keyPath("\(key)[\(index)]"), reason: reason)
            }
            guard case .scalar(let scalar) = item else { throw error("expected a single value, found a \(ConfigMapping.kind(item))") }
            out.append((scalar.string, error))
        }
        return out
    }

    /// A `matchers:` list: each item holds one or more Alertmanager matchers.
    static func matchers(_ m: ConfigMapping, _ key: String) throws(ConfigError) -> [LabelMatcher] {
        var matchers: [LabelMatcher] = []
        for (text, fail) in try items(m, key) ?? [] {
            do throws(AlertMatcherError) {
                matchers += try AlertMatchers.parse(text)
            } catch {
                throw fail("invalid matcher: \(error)")
            }
        }
        return matchers
    }

    /// The deprecated `match` (equality) and `match_re` (regex) maps, in label name order.
    static func deprecatedMatchers(_ m: ConfigMapping, equal: String, regex: String) throws(ConfigError) -> [LabelMatcher] {
        var matchers: [LabelMatcher] = []
        for (key, kind) in [(equal, LabelMatcher.Kind.equal), (regex, .regexMatch)] {
            for (name, value) in (try m.stringMap(key) ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard Labels.isValidLabelName(name) else { throw m.error(key, "invalid label name \"\(name)\"") }
                do throws(MatcherError) {
                    matchers.append(try LabelMatcher(kind, name, value))
                } catch {
                    throw m.error(key, "\(name): \(error)")
                }
            }
        }
        return matchers
    }

    /// `key` or the file `fileKey` names (read now, so a missing file is a configuration error).
    static func secret(_ m: ConfigMapping, _ key: String, file fileKey: String) throws(ConfigError) -> String? {
        let inline = try m.string(key)
        guard let (path, fail) = try m.scalar(fileKey) else { return inline }
        if inline != nil { throw fail("at most one of \(key) and \(fileKey) may be set") }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw fail("cannot read \(path)") }
        return text.trimmingSpaces()
    }

    static func hostPort(_ m: ConfigMapping, _ key: String) throws(ConfigError) -> String? {
        guard let (text, fail) = try m.scalar(key) else { return nil }
        guard ConfigLoader.isHostPort(text) else { throw fail("\"\(text)\" is not host:port") }
        return text
    }

    /// An absolute http(s) URL with a host, as Alertmanager's URL fields require.
    static func isHTTPURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty
        else { return false }
        return true
    }

    /// Go's `textproto.CanonicalMIMEHeaderKey`: `content-type` → `Content-Type`.
    static func canonicalHeaderName(_ name: String) -> String {
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else { return name }
        var upper = true
        return String(name.map { c -> Character in
            defer { upper = c == "-" }
            return upper ? Character(c.uppercased()) : Character(c.lowercased())
        })
    }
}

extension ConfigMapping {
    /// Marks `keys` read and returns a warning for each one the file sets: keys a
    /// Prometheus or Alertmanager file may hold that Sextant does not act on.
    func acceptedButIgnored(_ keys: [String]) -> [String] {
        var warnings: [String] = []
        for key in keys where self.keys.contains(key) {
            guard let node = node(key), !Self.isNull(node) else { continue }
            var location = source
            if let line = node.mark?.line { location += ":\(line)" }
            warnings.append("\(location): key '\(keyPath(key))' is accepted but not acted on by this version of Sextant")
        }
        return warnings
    }

    /// `key:` with nothing after it, `~` or `null`.
    static func isNull(_ node: Node) -> Bool {
        if case .scalar(let s) = node, s.style == .plain, s.string.isEmpty || s.string == "~" || s.string == "null" { return true }
        return false
    }
}
