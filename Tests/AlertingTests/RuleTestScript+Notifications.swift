import Alerting
import TSDB

/// The notification commands of ``RuleTestScript``: the routing configuration, silences,
/// acknowledgements and the expected notifications.
extension RuleTestScript {
    /// The `notifications` block: `route` lines nested by indentation, `receiver` and
    /// `inhibit` lines anywhere. Every receiver gets one webhook, which is never called.
    static func parseNotificationConfig(_ body: [(number: Int, text: String)], line: Int) throws -> NotificationConfig {
        var config = NotificationConfig()
        var root: Route?
        var rootLine = line
        // The routes whose children may still follow, outermost first, with their indentation.
        var open: [(indent: Int, route: Route)] = []
        func close() {
            let (_, route) = open.removeLast()
            if open.isEmpty {
                root = route
            } else {
                open[open.count - 1].route.routes.append(route)
            }
        }
        var used: [(line: Int, receiver: String)] = []
        for (number, text) in body {
            let indent = text.prefix { $0 == " " || $0 == "\t" }.count
            var words = try notificationWords(text, line: number)
            let kind = words.removeFirst()
            switch kind {
            case "route":
                let route = try parseRoute(words, line: number)
                while let last = open.last, last.indent >= indent { close() }
                if open.isEmpty && root != nil {
                    throw SyntaxError(line: number, message: "a second root route (indent child routes under the root)")
                }
                if open.isEmpty { rootLine = number }
                if let receiver = route.receiver { used.append((number, receiver)) }
                open.append((indent, route))
            case "receiver":
                guard let name = words.first else { throw SyntaxError(line: number, message: "receiver needs a name") }
                var sendResolved = true
                for word in words.dropFirst() {
                    let (key, value) = try option(word, line: number)
                    guard key == "send_resolved", let flag = Bool(value) else {
                        throw SyntaxError(line: number, message: "receiver takes send_resolved=true|false, not \(word)")
                    }
                    sendResolved = flag
                }
                guard config.receiver(named: name) == nil else { throw SyntaxError(line: number, message: "receiver \(name) twice") }
                config.receivers.append(Receiver(
                    name: name, webhooks: [WebhookConfig(url: "http://127.0.0.1:9/\(name)", sendResolved: sendResolved)]))
            case "inhibit":
                var rule = InhibitRule(sourceMatchers: [], targetMatchers: [])
                for word in words {
                    let (key, value) = try option(word, line: number)
                    switch key {
                    case "source": rule.sourceMatchers = try matchers(value, line: number)
                    case "target": rule.targetMatchers = try matchers(value, line: number)
                    case "equal": rule.equal = value.split(separator: ",").map(String.init)
                    default: throw SyntaxError(line: number, message: "unknown inhibit option \(key)")
                    }
                }
                config.inhibitRules.append(rule)
            default:
                throw SyntaxError(line: number, message: "expected route, receiver or inhibit, got \(kind)")
            }
        }
        while !open.isEmpty { close() }
        guard let root else { throw SyntaxError(line: line, message: "notifications needs a route") }
        guard root.receiver != nil else { throw SyntaxError(line: rootLine, message: "the root route needs a receiver") }
        guard root.matchers.isEmpty else { throw SyntaxError(line: rootLine, message: "the root route takes every alert: no matchers") }
        for (number, receiver) in used where config.receiver(named: receiver) == nil {
            throw SyntaxError(line: number, message: "no receiver \(receiver)")
        }
        config.route = root
        return config
    }

    /// `receiver=ops group_by=alertname,instance matchers=team="db" group_wait=30s continue`.
    private static func parseRoute(_ words: [String], line: Int) throws -> Route {
        var route = Route()
        for word in words {
            if word == "continue" {
                route.continueMatching = true
                continue
            }
            let (key, value) = try option(word, line: line)
            switch key {
            case "receiver": route.receiver = value
            case "group_by":
                if value == "..." {
                    route.groupByAll = true
                } else {
                    route.groupBy = value.split(separator: ",").map(String.init)
                }
            case "matchers": route.matchers = try matchers(value, line: line)
            case "group_wait": route.groupWait = try duration(value, line: line)
            case "group_interval":
                // Alertmanager refuses zero here and for repeat_interval: a group would flush without pause.
                let interval = try duration(value, line: line)
                guard interval > 0 else { throw SyntaxError(line: line, message: "group_interval cannot be zero") }
                route.groupInterval = interval
            case "repeat_interval":
                let interval = try duration(value, line: line)
                guard interval > 0 else { throw SyntaxError(line: line, message: "repeat_interval cannot be zero") }
                route.repeatInterval = interval
            case "continue":
                guard let flag = Bool(value) else { throw SyntaxError(line: line, message: "continue=true|false") }
                route.continueMatching = flag
            default: throw SyntaxError(line: line, message: "unknown route option \(key)")
            }
        }
        return route
    }

    static func option(_ word: String, line: Int) throws -> (String, String) {
        guard let eq = word.firstIndex(of: "=") else { throw SyntaxError(line: line, message: "expected name=value, got \(word)") }
        return (String(word[..<eq]), String(word[word.index(after: eq)...]))
    }

    static func matchers(_ text: String, line: Int) throws -> [LabelMatcher] {
        do {
            return try AlertMatchers.parse(text)
        } catch {
            throw SyntaxError(line: line, message: "bad matchers \(text): \(error)")
        }
    }

    /// The words of a line, split at blanks outside double quotes and braces, so
    /// `Down{instance="a", job="x"}=resolved` and `team="db ops"` are one word each.
    static func notificationWords(_ text: String, line: Int) throws -> [String] {
        var words: [String] = []
        var word = ""
        var quoted = false
        var escaped = false
        var depth = 0
        for ch in text {
            if escaped {
                escaped = false
            } else if quoted && ch == "\\" {
                escaped = true
            } else if ch == "\"" {
                quoted.toggle()
            } else if !quoted && ch == "{" {
                depth += 1
            } else if !quoted && ch == "}" {
                depth -= 1
            } else if !quoted && depth == 0 && (ch == " " || ch == "\t") {
                if !word.isEmpty { words.append(word) }
                word = ""
                continue
            }
            word.append(ch)
        }
        guard !quoted, depth == 0 else { throw SyntaxError(line: line, message: "unbalanced quotes or braces") }
        if !word.isEmpty { words.append(word) }
        guard !words.isEmpty else { throw SyntaxError(line: line, message: "empty line") }
        return words
    }

    /// `ops firing {alertname="HighLoad"} HighLoad{instance="a"} HighLoad{instance="b"}=resolved`
    /// as the text ``notificationText(receiver:status:groupLabels:alerts:)`` gives it.
    static func parseNotification(_ text: String, line: Int) throws -> String {
        let words = try notificationWords(text, line: line)
        guard words.count >= 4 else {
            throw SyntaxError(line: line, message: "expected <receiver> <firing|resolved> {<group labels>} <alert>…")
        }
        guard words[1] == "firing" || words[1] == "resolved" else {
            throw SyntaxError(line: line, message: "the status is firing or resolved, not \(words[1])")
        }
        let (groupLabels, rest) = try parseLabels(words[2], line: line)
        guard words[2].hasPrefix("{"), rest.isEmpty else { throw SyntaxError(line: line, message: "expected {group labels}, got \(words[2])") }
        let alerts = try words.dropFirst(3).map { word -> (Labels, String) in
            var word = word
            var status = "firing"
            for suffix in ["=firing", "=resolved"] where word.hasSuffix(suffix) {
                status = String(suffix.dropFirst())
                word.removeLast(suffix.count)
            }
            let (labels, rest) = try parseAlertLabels(word, line: line)
            guard rest.isEmpty else { throw SyntaxError(line: line, message: "unexpected \(rest) after an alert") }
            return (labels, status)
        }
        return notificationText(receiver: words[0], status: words[1], groupLabels: groupLabels, alerts: alerts)
    }

    /// One notification as one comparable line: alerts sorted, each `Name{labels}`, resolved
    /// ones with `=resolved`.
    static func notificationText(receiver: String, status: String, groupLabels: Labels, alerts: [(labels: Labels, status: String)]) -> String {
        let shown = alerts.map { alert in
            let name = alert.labels["alertname"] ?? ""
            let rest = alert.labels.removing(["alertname"])
            var text = name
            if !rest.isEmpty || name.isEmpty { text += rest.description }
            return alert.status == "firing" ? text : text + "=" + alert.status
        }
        return ([receiver, status, groupLabels.removing([Labels.metricName]).description] + shown.sorted()).joined(separator: " ")
    }
}
