import Alerting
import Foundation
import TSDB
import Yams

/// Writes a ``NotificationConfig`` back as `alertmanager.yml` text — what Alertmanager's
/// `/api/v2/status` shows as `config.original`. As there, secrets (passwords, Slack webhook
/// URLs) read `<secret>`, and fields left unset in the file but resolved while reading
/// appear with their values. Reading the text back gives the same configuration, secrets apart.
enum NotificationConfigRenderer {
    static let secret = "<secret>"

    static func yaml(_ config: NotificationConfig) -> String {
        var top: [(String, Node)] = []
        top.append(("global", global(config.global)))
        top.append(("route", route(config.route)))
        if !config.inhibitRules.isEmpty {
            top.append(("inhibit_rules", .sequence(.init(config.inhibitRules.map(inhibitRule)))))
        }
        top.append(("receivers", .sequence(.init(config.receivers.map(receiver)))))
        top.append(("templates", strings(config.templatePatterns)))
        if !config.timeIntervals.isEmpty {
            top.append(("time_intervals", .sequence(.init(config.timeIntervals.sorted { $0.key < $1.key }.map { name, intervals in
                mapping([("name", text(name)), ("time_intervals", .sequence(.init(intervals.map(timeInterval))))])
            }))))
        }
        return (try? Yams.serialize(node: mapping(top))) ?? ""
    }

    private static func mapping(_ pairs: [(String, Node)]) -> Node {
        .mapping(.init(pairs.map { (Node($0.0), $0.1) }))
    }

    private static func strings(_ values: [String]) -> Node { .sequence(.init(values.map(text))) }

    /// A string value; quoted when YAML would otherwise read it as something else.
    private static func text(_ value: String) -> Node {
        let lowered = value.lowercased()
        let ambiguous = ["", "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n"].contains(lowered) || Double(value) != nil
        return Node(value, Tag(.str), ambiguous ? .singleQuoted : .any)
    }

    private static func duration(_ ms: Int64) -> Node { Node(ConfigValues.formatDuration(ms)) }

    private static func bool(_ value: Bool) -> Node { Node(value ? "true" : "false") }

    private static func global(_ g: NotificationConfig.Global) -> Node {
        var out: [(String, Node)] = [("resolve_timeout", duration(g.resolveTimeout))]
        if let v = g.smtpFrom { out.append(("smtp_from", text(v))) }
        if let v = g.smtpSmarthost { out.append(("smtp_smarthost", text(v))) }
        out.append(("smtp_hello", text(g.smtpHello)))
        if let v = g.smtpAuthUsername { out.append(("smtp_auth_username", text(v))) }
        if g.smtpAuthPassword != nil { out.append(("smtp_auth_password", text(secret))) }
        if let v = g.smtpAuthIdentity { out.append(("smtp_auth_identity", text(v))) }
        out.append(("smtp_require_tls", bool(g.smtpRequireTLS)))
        if g.slackAPIURL != nil { out.append(("slack_api_url", text(secret))) }
        if !g.externalURL.isEmpty { out.append(("external_url", text(g.externalURL))) }
        return mapping(out)
    }

    private static func route(_ r: Route) -> Node {
        var out: [(String, Node)] = []
        if let v = r.receiver { out.append(("receiver", text(v))) }
        if r.groupByAll {
            out.append(("group_by", strings(["..."])))
        } else if let v = r.groupBy {
            out.append(("group_by", strings(v)))
        }
        if !r.matchers.isEmpty { out.append(("matchers", strings(r.matchers.map(\.description)))) }
        out.append(("continue", bool(r.continueMatching)))
        if !r.routes.isEmpty { out.append(("routes", .sequence(.init(r.routes.map(route))))) }
        if let v = r.groupWait { out.append(("group_wait", duration(v))) }
        if let v = r.groupInterval { out.append(("group_interval", duration(v))) }
        if let v = r.repeatInterval { out.append(("repeat_interval", duration(v))) }
        if !r.muteTimeIntervals.isEmpty { out.append(("mute_time_intervals", strings(r.muteTimeIntervals))) }
        if !r.activeTimeIntervals.isEmpty { out.append(("active_time_intervals", strings(r.activeTimeIntervals))) }
        return mapping(out)
    }

    private static func timeInterval(_ interval: AlertTimeInterval) -> Node {
        func clock(_ minutes: Int) -> String {
            let hours = String(minutes / 60), mins = String(minutes % 60)
            return String(repeating: "0", count: 2 - hours.count) + hours + ":" + String(repeating: "0", count: 2 - mins.count) + mins
        }
        func span(_ range: ClosedRange<Int>, _ name: (Int) -> String) -> String {
            range.lowerBound == range.upperBound ? name(range.lowerBound) : name(range.lowerBound) + ":" + name(range.upperBound)
        }
        var out: [(String, Node)] = []
        if !interval.times.isEmpty {
            out.append(("times", .sequence(.init(interval.times.map {
                mapping([("start_time", text(clock($0.lowerBound))), ("end_time", text(clock($0.upperBound)))])
            }))))
        }
        if !interval.weekdays.isEmpty {
            out.append(("weekdays", strings(interval.weekdays.map { span($0) { AlertTimeInterval.weekdayNames[$0] } })))
        }
        if !interval.daysOfMonth.isEmpty {
            out.append(("days_of_month", strings(interval.daysOfMonth.map { $0.start == $0.end ? "\($0.start)" : "\($0.start):\($0.end)" })))
        }
        if !interval.months.isEmpty {
            out.append(("months", strings(interval.months.map { span($0) { AlertTimeInterval.monthNames[$0 - 1] } })))
        }
        if !interval.years.isEmpty { out.append(("years", strings(interval.years.map { span($0) { String($0) } }))) }
        if interval.location.identifier != "UTC" { out.append(("location", text(interval.location.identifier))) }
        return mapping(out)
    }

    private static func inhibitRule(_ rule: InhibitRule) -> Node {
        var out: [(String, Node)] = [
            ("source_matchers", strings(rule.sourceMatchers.map(\.description))),
            ("target_matchers", strings(rule.targetMatchers.map(\.description))),
        ]
        if !rule.equal.isEmpty { out.append(("equal", strings(rule.equal))) }
        return mapping(out)
    }

    private static func receiver(_ r: Receiver) -> Node {
        var out: [(String, Node)] = [("name", text(r.name))]
        if !r.webhooks.isEmpty {
            out.append(("webhook_configs", .sequence(.init(r.webhooks.map { w in
                var c: [(String, Node)] = [("send_resolved", bool(w.sendResolved)), ("url", text(w.url)), ("max_alerts", Node(String(w.maxAlerts)))]
                if w.timeout > 0 { c.append(("timeout", duration(w.timeout))) }
                return mapping(c)
            }))))
        }
        if !r.slack.isEmpty {
            out.append(("slack_configs", .sequence(.init(r.slack.map { s in
                var c: [(String, Node)] = [("send_resolved", bool(s.sendResolved))]
                if s.apiURL != nil { c.append(("api_url", text(secret))) }
                let optional: [(String, String?)] = [
                    ("channel", s.channel), ("username", s.username), ("icon_emoji", s.iconEmoji), ("title", s.title),
                    ("title_link", s.titleLink), ("text", s.text),
                ]
                for (key, value) in optional { if let value { c.append((key, text(value))) } }
                return mapping(c)
            }))))
        }
        if !r.email.isEmpty {
            out.append(("email_configs", .sequence(.init(r.email.map { e in
                var c: [(String, Node)] = [("send_resolved", bool(e.sendResolved)), ("to", text(e.to.joined(separator: ", ")))]
                let optional: [(String, String?)] = [
                    ("from", e.from), ("smarthost", e.smarthost), ("hello", e.hello), ("auth_username", e.authUsername),
                    ("auth_password", e.authPassword.map { _ in secret }), ("auth_identity", e.authIdentity), ("html", e.html), ("text", e.text),
                ]
                for (key, value) in optional { if let value { c.append((key, text(value))) } }
                if !e.headers.isEmpty { c.append(("headers", mapping(e.headers.sorted { $0.key < $1.key }.map { ($0.key, text($0.value)) }))) }
                if let v = e.requireTLS { c.append(("require_tls", bool(v))) }
                if e.insecureSkipVerify { c.append(("tls_config", mapping([("insecure_skip_verify", bool(true))]))) }
                return mapping(c)
            }))))
        }
        return mapping(out)
    }
}
