import Alerting
import Foundation
import Query
import TSDB

/// A rule-evaluation test of `testdata/*.test`, in the spirit of `promtool test rules`:
/// series to load, a rule file, then what the evaluations must produce.
///
/// Commands, one per line; lines indented under a command belong to it; `#` starts a
/// comment line; times and durations are PromQL durations (`0`, `90s`, `1h30m`):
///
///     load <interval>                      series, one per indented line, values from t=0:
///         load{instance="a"} 0+1x10        a+bxN: N+1 values from a in steps of b; axN: a, N+1 times
///         up{instance="b"} 1 _ 1 stale     _ no sample, _xN N of them, stale a stale marker
///     external_labels env="prod"           labels for $externalLabels
///     external_url http://p.example/x      for $externalURL, externalURL, pathPrefix
///     rules                                the rule file, indented, as YAML
///         groups:
///           - name: node
///             rules:
///               - alert: HighLoad
///                 expr: load > 0.9
///     rules builtin                        Sextant's built-in rule file (`BuiltinRules.yaml`)
///     invalid                              the rule file above is refused with exactly
///         group "node", rule 1, …          these errors, in order
///
/// Each group is evaluated at 0, its interval, twice its interval, …; the commands below
/// first run every evaluation up to their time, in time order, each rule's samples
/// written to the store before the next rule runs:
///
///     alerts at <t>                        exactly these pending and firing alerts:
///         HighLoad{instance="a"} firing value=0.95 active=1m fired=3m
///             summary="a is at 950m"       and, if any are listed, exactly these annotations
///     resolved at <t>                      exactly these resolved alerts still held:
///         HighLoad{instance="a"} resolved=5m
///     transitions at <t>                   exactly these changes at the evaluations at <t>:
///         pending HighLoad{instance="a"}   (pending, firing, resolved, cancelled)
///     series at <t>                        exactly these samples written at <t>:
///         ALERTS{alertname="HighLoad", alertstate="pending", instance="a"} 1
///         job:load:sum{job="x"} stale
///     errors at <t>                        exactly these rule errors at <t> (any error at a
///         HighLoad: vector contains …      time without an `errors at` fails the script)
///     query at <t> <PromQL>                the store answers with exactly these series:
///         ALERTS{…} 1
///     restart at <t> [down_since <t0>] [outage_tolerance <d>] [grace <d>]
///                                          the server stops at <t0> (default <t>) and starts at
///                                          <t>: evaluations in between do not happen, the
///                                          group's state is lost and is restored after its
///                                          first evaluation from ALERTS_FOR_STATE
///
/// With a `notifications` block, every evaluation's firing and resolved alerts go to a
/// ``NotificationDispatcher`` on a temporary SQLite catalog, as the server hands them over
/// (`startsAt` is when the alert fired, `updatedAt` the evaluation time). The dispatcher
/// ticks at every evaluation, at every time a group is due to flush, and at each command's
/// time, so `group_wait` and `group_interval` are kept to the millisecond; when an
/// evaluation and a flush fall at the same time, the evaluation runs first. Nothing is sent:
/// what is checked is what the dispatcher queued in the outbox.
///
///     notifications                        the routing configuration, before any `… at`:
///         route receiver=ops group_by=alertname,instance group_wait=30s group_interval=5m repeat_interval=4h
///             route receiver=db matchers=team="db",severity=~"page|critical" continue
///                 route receiver=dba group_by=... group_wait=1m
///                                          child routes are indented under their parent; a
///                                          route takes receiver, group_by (a,b; `...` for all
///                                          labels; empty for none), matchers (Alertmanager's
///                                          syntax, no blanks outside quotes), group_wait,
///                                          group_interval, repeat_interval and `continue`;
///                                          what a child leaves out it inherits
///         receiver ops [send_resolved=false]   one webhook each (send_resolved defaults to true)
///         inhibit source=severity="critical" target=severity="warning" equal=instance,job
///     silence at <t> until <t1> <matchers> a silence from <t> to <t1>, e.g. instance="a",job="x";
///                                          silences are numbered 1, 2, … in script order
///     expire silence <n> at <t>            silence <n> ends at <t>
///     ack at <t> <Alert{labels}> by <who> [comment]
///                                          acknowledges the alert's current episode
///     notifications at <t>                 exactly these notifications were queued after the
///         ops firing {alertname="HighLoad"} HighLoad{instance="a"} HighLoad{instance="b"}=resolved
///                                          previous `notifications at`, up to and including <t>,
///                                          in any order: receiver, status, group labels, then
///                                          the alerts of the notification (firing unless
///                                          marked =resolved)
///
/// Silences, expiries and acknowledgements take effect after everything at their time. A
/// `restart` restarts the dispatcher too: its groups are lost, while the notification log,
/// silences and acknowledgements stay in the catalog.
struct RuleTestScript: Sendable, CustomStringConvertible {
    let name: String
    var commands: [Command] = []

    var description: String { name }

    enum Command: Sendable {
        case load(line: Int, interval: Int64, series: [(labels: Labels, values: [Double?])])
        case externalLabels(Labels)
        case externalURL(String)
        case rules(line: Int, groups: [RuleGroupDefinition])
        case invalid(line: Int, errors: [String])
        case alerts(line: Int, time: Int64, expected: [ExpectedAlert])
        case resolved(line: Int, time: Int64, expected: [ExpectedAlert])
        case transitions(line: Int, time: Int64, expected: [String])
        case series(line: Int, time: Int64, expected: [(labels: Labels, value: Double)])
        case errors(line: Int, time: Int64, expected: [String])
        case query(line: Int, time: Int64, expr: String, expected: [(labels: Labels, value: Double)])
        case restart(line: Int, time: Int64, downSince: Int64?, outageTolerance: Int64, grace: Int64)
        case notifications(line: Int, config: NotificationConfig)
        /// Each expected notification as ``notificationText(receiver:status:groupLabels:alerts:)`` writes it.
        case notificationsAt(line: Int, time: Int64, expected: [String])
        case silence(line: Int, time: Int64, until: Int64, matchers: [LabelMatcher])
        case expireSilence(line: Int, time: Int64, number: Int)
        case ack(line: Int, time: Int64, labels: Labels, by: String, comment: String)
    }

    struct ExpectedAlert: Sendable {
        var line: Int
        var labels: Labels
        var state: String?
        var value: Double?
        var activeAt: Int64?
        var firedAt: Int64?
        var resolvedAt: Int64?
        var annotations: [String: String]?
    }

    struct SyntaxError: Error, CustomStringConvertible {
        let line: Int
        let message: String
        var description: String { "line \(line): \(message)" }
    }

    // MARK: - Parsing

    static func parse(name: String, text: String) throws -> RuleTestScript {
        var script = RuleTestScript(name: name)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var index = 0

        /// The indented lines under the current command, with their numbers, untrimmed.
        func block() -> [(number: Int, text: String)] {
            var out: [(Int, String)] = []
            while index < lines.count {
                let line = lines[index]
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty { break }
                guard line.first == " " || line.first == "\t" else { break }
                out.append((index + 1, line))
                index += 1
            }
            return out
        }

        while index < lines.count {
            let number = index + 1
            let line = lines[index].trimmingCharacters(in: .whitespaces)
            index += 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            var words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            let command = words.removeFirst()
            func time() throws -> Int64 {
                guard words.count >= 2, words[0] == "at" else { throw SyntaxError(line: number, message: "\(command) needs `at <time>`") }
                return try duration(words[1], line: number)
            }
            let body = block().filter { !$0.text.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
            switch command {
            case "load":
                guard words.count == 1 else { throw SyntaxError(line: number, message: "load needs an interval") }
                let interval = try duration(words[0], line: number)
                let series = try body.map { (lineNumber, text) in
                    let (labels, rest) = try parseLabels(text.trimmingCharacters(in: .whitespaces), line: lineNumber)
                    return (labels, try parseValues(rest, line: lineNumber))
                }
                script.commands.append(.load(line: number, interval: interval, series: series))
            case "external_labels":
                let (labels, _) = try parseLabels("{" + words.joined(separator: ", ") + "}", line: number)
                script.commands.append(.externalLabels(labels))
            case "external_url":
                script.commands.append(.externalURL(words.first ?? ""))
            case "rules":
                guard words.isEmpty || words == ["builtin"] else {
                    throw SyntaxError(line: number, message: "rules takes nothing or `builtin`")
                }
                // `rules builtin` is Sextant's built-in rule file, read from its source.
                let source = words.isEmpty ? body : BuiltinRules.yaml.split(separator: "\n", omittingEmptySubsequences: false)
                    .enumerated().map { (number: $0.offset + 1, text: String($0.element)) }
                do {
                    let groups = try MiniYAML.ruleGroups(try MiniYAML.parse(source))
                    script.commands.append(.rules(line: number, groups: groups))
                } catch let error as MiniYAML.SyntaxError {
                    throw SyntaxError(line: error.line, message: error.message)
                }
            case "invalid":
                script.commands.append(.invalid(line: number, errors: body.map { $0.text.trimmingCharacters(in: .whitespaces) }))
            case "alerts", "resolved":
                let t = try time()
                let expected = try parseAlerts(body)
                script.commands.append(command == "alerts"
                    ? .alerts(line: number, time: t, expected: expected) : .resolved(line: number, time: t, expected: expected))
            case "transitions":
                let expected = try body.map { (lineNumber, text) -> String in
                    let trimmed = text.trimmingCharacters(in: .whitespaces)
                    guard let space = trimmed.firstIndex(of: " ") else { throw SyntaxError(line: lineNumber, message: "expected <kind> <alert>") }
                    let (labels, _) = try parseAlertLabels(String(trimmed[space...]).trimmingCharacters(in: .whitespaces), line: lineNumber)
                    return "\(trimmed[..<space]) \(labels)"
                }
                script.commands.append(.transitions(line: number, time: try time(), expected: expected))
            case "series":
                script.commands.append(.series(line: number, time: try time(), expected: try parseSamples(body)))
            case "errors":
                script.commands.append(.errors(line: number, time: try time(), expected: body.map { $0.text.trimmingCharacters(in: .whitespaces) }))
            case "query":
                let t = try time()
                let expr = words.dropFirst(2).joined(separator: " ")
                script.commands.append(.query(line: number, time: t, expr: expr, expected: try parseSamples(body)))
            case "restart":
                let t = try time()
                var downSince: Int64?
                var tolerance: Int64 = 3_600_000
                var grace: Int64 = 600_000
                var rest = Array(words.dropFirst(2))
                while rest.count >= 2 {
                    let value = try duration(rest[1], line: number)
                    switch rest[0] {
                    case "down_since": downSince = value
                    case "outage_tolerance": tolerance = value
                    case "grace": grace = value
                    default: throw SyntaxError(line: number, message: "unknown restart option \(rest[0])")
                    }
                    rest.removeFirst(2)
                }
                script.commands.append(.restart(line: number, time: t, downSince: downSince, outageTolerance: tolerance, grace: grace))
            case "notifications" where words.isEmpty:
                script.commands.append(.notifications(line: number, config: try parseNotificationConfig(body, line: number)))
            case "notifications":
                let t = try time()
                guard words.count == 2 else { throw SyntaxError(line: number, message: "notifications at <time>, then one per indented line") }
                let expected = try body.map { try parseNotification($0.text, line: $0.number) }
                script.commands.append(.notificationsAt(line: number, time: t, expected: expected))
            case "silence":
                // Blanks may stand inside quoted matcher values: split as the notification lines are.
                let words = Array(try notificationWords(line, line: number).dropFirst())
                guard words.count >= 5, words[0] == "at", words[2] == "until" else {
                    throw SyntaxError(line: number, message: "silence at <time> until <time> <matchers>")
                }
                let silenced = try matchers(words.dropFirst(4).joined(separator: " "), line: number)
                script.commands.append(.silence(
                    line: number, time: try duration(words[1], line: number), until: try duration(words[3], line: number), matchers: silenced))
            case "expire":
                guard words.count == 4, words[0] == "silence", let silence = Int(words[1]), words[2] == "at" else {
                    throw SyntaxError(line: number, message: "expire silence <number> at <time>")
                }
                script.commands.append(.expireSilence(line: number, time: try duration(words[3], line: number), number: silence))
            case "ack":
                let words = Array(try notificationWords(line, line: number).dropFirst())
                guard words.count >= 5, words[0] == "at", words[3] == "by" else {
                    throw SyntaxError(line: number, message: "ack at <time> <Alert{labels}> by <who> [comment]")
                }
                let (labels, rest) = try parseAlertLabels(words[2], line: number)
                guard rest.isEmpty else { throw SyntaxError(line: number, message: "unexpected \(rest) after the alert") }
                script.commands.append(.ack(
                    line: number, time: try duration(words[1], line: number), labels: labels, by: words[4],
                    comment: words.count > 5 ? words.dropFirst(5).joined(separator: " ") : "acknowledged on line \(number)"))
            default:
                throw SyntaxError(line: number, message: "unknown command \(command)")
            }
        }
        return script
    }

    /// Alert lines, each followed by more deeply indented `name="value"` annotation lines.
    static func parseAlerts(_ body: [(number: Int, text: String)]) throws -> [ExpectedAlert] {
        var alerts: [ExpectedAlert] = []
        var alertIndent = -1
        for (number, text) in body {
            let indent = text.prefix { $0 == " " || $0 == "\t" }.count
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if alertIndent < 0 { alertIndent = indent }
            if indent > alertIndent {
                guard !alerts.isEmpty, let eq = trimmed.firstIndex(of: "=") else {
                    throw SyntaxError(line: number, message: "expected name=\"value\" under an alert")
                }
                let value = try unquote(String(trimmed[trimmed.index(after: eq)...]), line: number)
                alerts[alerts.count - 1].annotations = (alerts[alerts.count - 1].annotations ?? [:])
                    .merging([String(trimmed[..<eq]): value]) { _, new in new }
                continue
            }
            let (labels, rest) = try parseAlertLabels(trimmed, line: number)
            var words = rest.split(separator: " ").map(String.init)
            // The state may be left out where the command implies it (`resolved at`).
            let state = words.first.map { $0.contains("=") } == false ? words.removeFirst() : nil
            var alert = ExpectedAlert(line: number, labels: labels, state: state)
            for word in words {
                guard let eq = word.firstIndex(of: "=") else { throw SyntaxError(line: number, message: "bad field \(word)") }
                let key = String(word[..<eq])
                let value = String(word[word.index(after: eq)...])
                switch key {
                case "value":
                    guard let v = Self.number(value) else { throw SyntaxError(line: number, message: "bad value \(value)") }
                    alert.value = v
                case "active": alert.activeAt = try duration(value, line: number)
                case "fired": alert.firedAt = try duration(value, line: number)
                case "resolved": alert.resolvedAt = try duration(value, line: number)
                default: throw SyntaxError(line: number, message: "unknown field \(key)")
                }
            }
            alerts.append(alert)
        }
        return alerts
    }

    /// `HighLoad{instance="a"}`: the metric-name position holds the alert name.
    static func parseAlertLabels(_ text: String, line: Int) throws -> (Labels, String) {
        let (labels, rest) = try parseLabels(text, line: line)
        var pairs = labels.pairs.filter { $0.name != Labels.metricName }
        if let name = labels.metricName { pairs.append(Label("alertname", name)) }
        return (Labels(pairs), rest)
    }

    static func parseSamples(_ body: [(number: Int, text: String)]) throws -> [(labels: Labels, value: Double)] {
        try body.map { (number, text) in
            let (labels, rest) = try parseLabels(text.trimmingCharacters(in: .whitespaces), line: number)
            let word = rest.trimmingCharacters(in: .whitespaces)
            if word == "stale" { return (labels, StaleMarker.value) }
            guard let value = self.number(word) else { throw SyntaxError(line: number, message: "bad value \(word)") }
            return (labels, value)
        }
    }

    /// `name{a="b", c="d"} rest` → the labels and the rest.
    static func parseLabels(_ text: String, line: Int) throws -> (Labels, String) {
        let chars = Array(text)
        var i = 0
        var pairs: [Label] = []
        var name = ""
        while i < chars.count, chars[i] != "{", chars[i] != " " {
            name.append(chars[i])
            i += 1
        }
        if !name.isEmpty { pairs.append(Label(Labels.metricName, name)) }
        if i < chars.count, chars[i] == "{" {
            i += 1
            while true {
                while i < chars.count, chars[i] == " " || chars[i] == "," { i += 1 }
                guard i < chars.count else { throw SyntaxError(line: line, message: "unclosed {") }
                if chars[i] == "}" {
                    i += 1
                    break
                }
                var label = ""
                while i < chars.count, chars[i] != "=", chars[i] != " " {
                    label.append(chars[i])
                    i += 1
                }
                guard i + 1 < chars.count, chars[i] == "=", chars[i + 1] == "\"" else {
                    throw SyntaxError(line: line, message: "expected =\" after label \(label)")
                }
                i += 2
                var value = ""
                while i < chars.count, chars[i] != "\"" {
                    if chars[i] == "\\", i + 1 < chars.count {
                        i += 1
                        value.append(chars[i] == "n" ? "\n" : chars[i])
                    } else {
                        value.append(chars[i])
                    }
                    i += 1
                }
                guard i < chars.count else { throw SyntaxError(line: line, message: "unclosed label value") }
                i += 1
                pairs.append(Label(label, value))
            }
        }
        return (Labels(pairs), String(chars[i...]).trimmingCharacters(in: .whitespaces))
    }

    static func parseValues(_ text: String, line: Int) throws -> [Double?] {
        var values: [Double?] = []
        for token in text.split(separator: " ").map(String.init) {
            if token == "_" {
                values.append(nil)
            } else if token.hasPrefix("_x"), let count = Int(token.dropFirst(2)) {
                values.append(contentsOf: Array(repeating: nil, count: count))
            } else if token == "stale" {
                values.append(StaleMarker.value)
            } else if let value = number(token) {
                values.append(value)
            } else if let x = token.lastIndex(of: "x"), let count = Int(token[token.index(after: x)...]) {
                let head = Array(token[..<x])
                var start = String(head)
                var delta = 0.0
                for j in stride(from: head.count - 1, to: 0, by: -1) where head[j] == "+" || head[j] == "-" {
                    if head[j - 1] == "e" || head[j - 1] == "E" { continue }
                    guard let increment = number(String(head[(j + 1)...])) else { break }
                    start = String(head[..<j])
                    delta = head[j] == "-" ? -increment : increment
                    break
                }
                guard var value = number(start) else { throw SyntaxError(line: line, message: "bad value \(token)") }
                for _ in 0...count {
                    values.append(value)
                    value += delta
                }
            } else {
                throw SyntaxError(line: line, message: "bad value \(token)")
            }
        }
        return values
    }

    static func number(_ text: String) -> Double? {
        switch text {
        case "NaN": .nan
        case "Inf", "+Inf": .infinity
        case "-Inf": -.infinity
        // Not Swift's hexadecimal floats: "0x40" is 0 repeated, not 64.
        default: text.contains(where: { $0 == "x" || $0 == "X" }) ? nil : Double(text)
        }
    }

    static func duration(_ text: String, line: Int) throws -> Int64 {
        do {
            return try PromQL.Duration(parsing: text).milliseconds
        } catch {
            throw SyntaxError(line: line, message: "bad duration \(text)")
        }
    }

    /// A Go-style double-quoted string: `\"`, `\\`, `\n`, `\t`.
    static func unquote(_ text: String, line: Int) throws -> String {
        guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else {
            throw SyntaxError(line: line, message: "expected a quoted string, got \(text)")
        }
        var out = ""
        var escaped = false
        for ch in text.dropFirst().dropLast() {
            if escaped {
                switch ch {
                case "n": out += "\n"
                case "t": out += "\t"
                default: out.append(ch)
                }
                escaped = false
            } else if ch == "\\" {
                escaped = true
            } else {
                out.append(ch)
            }
        }
        return out
    }
}
