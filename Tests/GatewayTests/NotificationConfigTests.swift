import Alerting
import Foundation
import Testing
import TSDB
@testable import Gateway

/// Lines of a small valid file; a test's expected line is a 1-based index into its lines.
private let minimal = ["notifications:", "  route:", "    receiver: r", "  receivers:", "    - name: r"]

/// `notifications:` (an `alertmanager.yml` as it is) and Prometheus's `alerting:` block.
struct NotificationConfigTests {
    static let full = #"""
    notifications:
      global:
        resolve_timeout: 10m
        smtp_from: alerts@example.org
        smtp_smarthost: smtp.example.org:587
        smtp_hello: sextant.example.org
        smtp_auth_username: alerts
        smtp_auth_password: hunter2
        smtp_require_tls: false
        slack_api_url: https://hooks.slack.com/services/T0/B0/X
        external_url: https://sextant.example.org
      route:
        receiver: default
        group_by: [alertname, cluster]
        group_wait: 30s
        group_interval: 5m
        repeat_interval: 3h
        routes:
          - matchers: ['severity="critical"', 'team=~"db|infra"']
            receiver: pager
            continue: true
            group_wait: 0s
          - match:
              service: api
            match_re:
              env: prod|staging
            receiver: slack
            group_by: ['...']
            routes:
              - matchers: ['{instance!="canary", job!~"test.*"}']
                repeat_interval: 1d
      receivers:
        - name: default
          email_configs:
            - to: 'ops@example.org, dev@example.org'
              headers:
                subject: 'Alert {{ .GroupLabels.alertname }}'
              tls_config:
                insecure_skip_verify: true
              send_resolved: true
        - name: pager
          webhook_configs:
            - url: https://pager.example.org/hook
              max_alerts: 10
            - url: http://127.0.0.1:5001/
              send_resolved: false
        - name: slack
          slack_configs:
            - channel: '#alerts'
              username: sextant
              icon_emoji: ':fire:'
              title: '{{ .CommonLabels.alertname }}'
              title_link: https://sextant.example.org/alerts
              text: '{{ range .Alerts }}{{ .Annotations.summary }}{{ end }}'
              send_resolved: true
        - name: blackhole
      inhibit_rules:
        - source_matchers: ['severity="critical"']
          target_matchers: ['severity=~"warning|info"']
          equal: [alertname, cluster]
        - source_match:
            severity: page
          target_match_re:
            severity: 'minor|note'
          equal: ['instance']
    alerting:
      alertmanagers:
        - static_configs:
            - targets: ['am-1:9093', 'am-2:9093']
        - scheme: https
          path_prefix: /alertmanager/
          timeout: 30s
          api_version: v2
          static_configs:
            - targets: ['am.example.org']
    """#

    @Test func anAlertmanagerFileParsesToTheModel() throws {
        let config = try ConfigLoader.parse(yaml: Self.full, source: "s.yml")
        var global = NotificationConfig.Global()
        global.resolveTimeout = 600_000
        global.smtpFrom = "alerts@example.org"
        global.smtpSmarthost = "smtp.example.org:587"
        global.smtpHello = "sextant.example.org"
        global.smtpAuthUsername = "alerts"
        global.smtpAuthPassword = "hunter2"
        global.smtpRequireTLS = false
        global.slackAPIURL = "https://hooks.slack.com/services/T0/B0/X"
        global.externalURL = "https://sextant.example.org"

        let route = Route(
            receiver: "default", groupBy: ["alertname", "cluster"], groupWait: 30_000, groupInterval: 300_000, repeatInterval: 10_800_000,
            routes: [
                Route(
                    receiver: "pager",
                    matchers: [.equal("severity", "critical"), try LabelMatcher(.regexMatch, "team", "db|infra")],
                    continueMatching: true, groupWait: 0
                ),
                Route(
                    receiver: "slack", groupByAll: true,
                    matchers: [.equal("service", "api"), try LabelMatcher(.regexMatch, "env", "prod|staging")],
                    routes: [
                        Route(
                            matchers: [try LabelMatcher(.notEqual, "instance", "canary"), try LabelMatcher(.regexNoMatch, "job", "test.*")],
                            repeatInterval: 86_400_000
                        ),
                    ]
                ),
            ]
        )
        let receivers = [
            Receiver(name: "default", email: [EmailConfig(
                to: ["ops@example.org", "dev@example.org"], insecureSkipVerify: true,
                headers: ["Subject": "Alert {{ .GroupLabels.alertname }}"], sendResolved: true
            )]),
            Receiver(name: "pager", webhooks: [
                WebhookConfig(url: "https://pager.example.org/hook", maxAlerts: 10),
                WebhookConfig(url: "http://127.0.0.1:5001/", sendResolved: false),
            ]),
            Receiver(name: "slack", slack: [SlackConfig(
                channel: "#alerts", username: "sextant", iconEmoji: ":fire:", title: "{{ .CommonLabels.alertname }}",
                titleLink: "https://sextant.example.org/alerts", text: "{{ range .Alerts }}{{ .Annotations.summary }}{{ end }}",
                sendResolved: true
            )]),
            Receiver(name: "blackhole"),
        ]
        let inhibitRules = [
            InhibitRule(
                sourceMatchers: [.equal("severity", "critical")], targetMatchers: [try LabelMatcher(.regexMatch, "severity", "warning|info")],
                equal: ["alertname", "cluster"]
            ),
            InhibitRule(
                sourceMatchers: [.equal("severity", "page")], targetMatchers: [try LabelMatcher(.regexMatch, "severity", "minor|note")],
                equal: ["instance"]
            ),
        ]
        let notifications = try #require(config.notifications)
        #expect(notifications.global == global)
        #expect(notifications.route == route)
        #expect(notifications.receivers == receivers)
        #expect(notifications.inhibitRules == inhibitRules)
        #expect(notifications == NotificationConfig(global: global, route: route, receivers: receivers, inhibitRules: inhibitRules))

        #expect(config.alertmanagers == AlertmanagerForwarding(
            endpoints: [
                "http://am-1:9093/api/v2/alerts", "http://am-2:9093/api/v2/alerts",
                "https://am.example.org/alertmanager/api/v2/alerts",
            ],
            timeout: 30_000
        ))
        #expect(config.warnings.contains { $0.contains("alertmanagers[1].timeout") }, "two timeouts, one used: \(config.warnings)")
        #expect(!config.warnings.contains { $0.contains("'notifications'") || $0.contains("'alerting'") })
    }

    @Test func unsetFieldsStayUnsetAndDefaultsAreAlertmanagers() throws {
        let yaml = "notifications:\n  route:\n    receiver: r\n  receivers:\n    - name: r\n      webhook_configs: [{url: 'http://h/'}]\n"
        let notifications = try #require(try ConfigLoader.parse(yaml: yaml, source: "s.yml").notifications)
        #expect(notifications.route == Route(receiver: "r"), "inheritance is the routing tree's business, not the reader's")
        #expect(notifications.global == NotificationConfig.Global())
        #expect(notifications.global.resolveTimeout == 300_000)
        #expect(notifications.global.smtpHello == "localhost")
        #expect(notifications.global.smtpRequireTLS)
        #expect(notifications.receivers[0].webhooks[0].sendResolved, "webhooks send resolved alerts by default")
        #expect(notifications.inhibitRules.isEmpty)
    }

    @Test(arguments: ["", "notifications:\n", "notifications: ~\n", "notifications: null\n"])
    func noNotificationsMeansNoRouting(_ yaml: String) throws {
        let config = try ConfigLoader.parse(yaml: yaml, source: "s.yml")
        #expect(config.notifications == nil)
        #expect(config.alertmanagers == AlertmanagerForwarding())
        #expect(config.alertmanagers.timeout == 10_000)
    }

    @Test func groupByEmptyAndEmailDefaultsFromGlobal() throws {
        let yaml = """
        notifications:
          global: {smtp_smarthost: 'mail:25', smtp_from: a@b}
          route:
            receiver: mail
            routes: [{group_by: [], receiver: mail}]
          receivers:
            - name: mail
              email_configs:
                - to: ' x@y , ,z@w '
                  slack: no
        """
        do {
            _ = try ConfigLoader.parse(yaml: yaml, source: "s.yml")
            Issue.record("accepted an unknown key in an email config")
        } catch {
            #expect(error.key == "notifications.receivers[0].email_configs[0].slack")
            #expect(error.reason == "unknown key")
            #expect(error.line == 10)
        }
        let fixed = try ConfigLoader.parse(yaml: yaml.replacingOccurrences(of: "\n          slack: no", with: ""), source: "s.yml")
        let notifications = try #require(fixed.notifications)
        #expect(notifications.route.routes[0].groupBy == nil, "group_by: [] inherits, as in Alertmanager")
        #expect(notifications.receivers[0].email[0].to == ["x@y", "z@w"])
        #expect(notifications.receivers[0].email[0].smarthost == nil, "falls back to global at delivery")
        #expect(notifications.receivers[0].email[0].requireTLS == nil)
    }

    @Test(arguments: [
        (["notifications:", "  route:", "    group_by: [a]", "  receivers:", "    - name: r"],
         3, "notifications.route.receiver", "root route must name a receiver"),
        (minimal + ["  bogus: 1"], 6, "notifications.bogus", "unknown key"),
        (["notifications:", "  receivers:", "    - name: r"], 2, "notifications.route", "root route"),
        (["notifications:", "  route:", "    receiver: r", "    matchers: ['a=\"b\"']", "  receivers:", "    - name: r"],
         4, "notifications.route.matchers", "root route must not have matchers"),
        (["notifications:", "  route:", "    receiver: r", "    match: {a: b}", "  receivers:", "    - name: r"],
         4, "notifications.route.match", "root route must not have matchers"),
        (["notifications:", "  route:", "    receiver: r", "    mute_time_intervals: [weekend]", "  receivers:", "    - name: r"],
         4, "notifications.route.mute_time_intervals", "root route must not have"),
        (["notifications:", "  route:", "    receiver: r", "    routes:", "      - receiver: nobody", "  receivers:", "    - name: r"],
         5, "notifications.route.routes[0].receiver", "receiver \"nobody\" is not defined"),
        (["notifications:", "  route:", "    receiver: r", "    routes:", "      - routes:", "          - receiver: gone", "  receivers:", "    - name: r"],
         6, "notifications.route.routes[0].routes[0].receiver", "\"gone\" is not defined"),
        (["notifications:", "  route:", "    receiver: r", "    recevier: x", "  receivers:", "    - name: r"],
         4, "notifications.route.recevier", "unknown key"),
        (minimal + ["    - name: r"], 6, "notifications.receivers[1].name", "defined twice"),
        (minimal + ["    - name: ''"], 6, "notifications.receivers[1].name", "needs a name"),
        (minimal + ["    - webhook_configs: []"], 6, "notifications.receivers[1].name", "needs a name"),
        (["notifications:", "  route:", "    receiver: r", "    group_by: [a, b, a]", "  receivers:", "    - name: r"],
         4, "notifications.route.group_by[2]", "listed twice"),
        (["notifications:", "  route:", "    receiver: r", "    group_by:", "      - '...'", "      - a", "  receivers:", "    - name: r"],
         5, "notifications.route.group_by[0]", "must be alone"),
        (["notifications:", "  route:", "    receiver: r", "    group_by: [a-b]", "  receivers:", "    - name: r"],
         4, "notifications.route.group_by[0]", "invalid label name"),
        (["notifications:", "  route:", "    receiver: r", "    group_interval: 0s", "  receivers:", "    - name: r"],
         4, "notifications.route.group_interval", "greater than zero"),
        (["notifications:", "  route:", "    receiver: r", "    repeat_interval: 0s", "  receivers:", "    - name: r"],
         4, "notifications.route.repeat_interval", "greater than zero"),
        (["notifications:", "  route:", "    receiver: r", "    group_wait: soon", "  receivers:", "    - name: r"],
         4, "notifications.route.group_wait", "not a duration"),
        (["notifications:", "  route:", "    receiver: r", "    continue: maybe", "  receivers:", "    - name: r"],
         4, "notifications.route.continue", "true or false"),
        (["notifications:", "  route:", "    receiver: r", "    routes:", "      - matchers:", "          - 'a=\"b\"'", "          - 'c=\"d'",
          "  receivers:", "    - name: r"],
         7, "notifications.route.routes[0].matchers[1]", "invalid matcher: at offset 2"),
        (["notifications:", "  route:", "    receiver: r", "    routes:", "      - match_re: {a: 'x('}", "  receivers:", "    - name: r"],
         5, "notifications.route.routes[0].match_re", "invalid regular expression"),
        (["notifications:", "  route:", "    receiver: r", "    routes:", "      - match: {'a b': c}", "  receivers:", "    - name: r"],
         5, "notifications.route.routes[0].match", "invalid label name"),
        (minimal + ["      pagerduty_configs:", "        - service_key: x"], 7, "notifications.receivers[0].pagerduty_configs",
         "pagerduty receivers are not supported by Sextant; it delivers to webhook_configs, slack_configs, email_configs"),
        (minimal + ["      webhook_configs:", "        - url: ftp://example.org/x"], 7, "notifications.receivers[0].webhook_configs[0].url", "http or https URL"),
        (minimal + ["      webhook_configs:", "        - url: not a url"], 7, "notifications.receivers[0].webhook_configs[0].url", "http or https URL"),
        (minimal + ["      webhook_configs:", "        - send_resolved: true"], 7, "notifications.receivers[0].webhook_configs[0].url", "needs a url"),
        (minimal + ["      webhook_configs:", "        - {url: 'http://h/', max_alerts: -1}"], 7,
         "notifications.receivers[0].webhook_configs[0].max_alerts", "outside"),
        (minimal + ["      webhook_configs:", "        - url: http://h/", "          url_file: /nonexistent/url"], 8,
         "notifications.receivers[0].webhook_configs[0].url_file", "at most one of url and url_file"),
        (minimal + ["      webhook_configs:", "        - url_file: /nonexistent/url"], 7,
         "notifications.receivers[0].webhook_configs[0].url_file", "cannot read"),
        (minimal + ["      email_configs:", "        - {from: a@b, smarthost: 'm:25'}"], 7, "notifications.receivers[0].email_configs[0].to", "needs a 'to'"),
        (minimal + ["      email_configs:", "        - {to: ' , ', from: a@b, smarthost: 'm:25'}"], 7,
         "notifications.receivers[0].email_configs[0].to", "needs a 'to'"),
        (minimal + ["      email_configs:", "        - {to: [a@b], from: a@b, smarthost: 'm:25'}"], 7,
         "notifications.receivers[0].email_configs[0].to", "expected a single value"),
        (minimal + ["      email_configs:", "        - to: x@y", "          from: a@b"], 7,
         "notifications.receivers[0].email_configs[0].smarthost", "needs a smarthost"),
        (minimal + ["      email_configs:", "        - to: x@y", "          from: a@b", "          smarthost: mail.example.org"], 9,
         "notifications.receivers[0].email_configs[0].smarthost", "not host:port"),
        (minimal + ["      email_configs:", "        - to: x@y", "          smarthost: mail:25"], 7,
         "notifications.receivers[0].email_configs[0].from", "needs a 'from'"),
        (minimal + ["      email_configs:", "        - {to: x@y, from: a@b, smarthost: 'm:25', headers: {subject: a, Subject: b}}"], 7,
         "notifications.receivers[0].email_configs[0].headers", "given twice"),
        (minimal + ["      email_configs:", "        - {to: x@y, from: a@b, smarthost: 'm:25', tls_config: {insecure: true}}"], 7,
         "notifications.receivers[0].email_configs[0].tls_config.insecure", "unknown key"),
        (minimal + ["      slack_configs:", "        - channel: '#a'"], 7, "notifications.receivers[0].slack_configs[0].api_url", "needs an api_url"),
        (minimal + ["      slack_configs:", "        - api_url: hooks.slack.com/x"], 7, "notifications.receivers[0].slack_configs[0].api_url", "http or https URL"),
        (minimal + ["      slack_configs:", "        - api_url: https://h/x", "          colour: red"], 8,
         "notifications.receivers[0].slack_configs[0].colour", "unknown key"),
        (minimal + ["  inhibit_rules:", "    - source_matchers: ['a=\"b\"']", "      equal: [ok, 'not-ok']"], 8,
         "notifications.inhibit_rules[0].equal[1]", "invalid label name"),
        (minimal + ["  inhibit_rules:", "    - target_matchers: ['a=~\"(\"']"], 7, "notifications.inhibit_rules[0].target_matchers[0]", "invalid regular expression"),
        (minimal + ["  inhibit_rules:", "    - source_match_re: {a: '['}"], 7, "notifications.inhibit_rules[0].source_match_re", "invalid regular expression"),
        (["notifications:", "  global:", "    smtp_smarthost: nowhere", "  route:", "    receiver: r", "  receivers:", "    - name: r"],
         3, "notifications.global.smtp_smarthost", "not host:port"),
        (["notifications:", "  global:", "    slack_api_url: nowhere", "  route:", "    receiver: r", "  receivers:", "    - name: r"],
         3, "notifications.global.slack_api_url", "http or https URL"),
        (["notifications:", "  global:", "    external_url: sextant:8090", "  route:", "    receiver: r", "  receivers:", "    - name: r"],
         3, "notifications.global.external_url", "http or https URL"),
        (["notifications:", "  global:", "    resolve_timeout: 0s", "  route:", "    receiver: r", "  receivers:", "    - name: r"],
         3, "notifications.global.resolve_timeout", "greater than zero"),
        (["notifications:", "  global:", "    smtp_require_tls: sometimes", "  route:", "    receiver: r", "  receivers:", "    - name: r"],
         3, "notifications.global.smtp_require_tls", "true or false"),
        (["notifications:", "  global:", "    smtp_form: a@b", "  route:", "    receiver: r", "  receivers:", "    - name: r"],
         3, "notifications.global.smtp_form", "unknown key"),
        (["alerting:", "  alertmanagers:", "    - api_version: v1", "      static_configs: [{targets: ['am:9093']}]"],
         3, "alerting.alertmanagers[0].api_version", "Alertmanager 0.25 and Sextant speak v2"),
        (["alerting:", "  alertmanagers:", "    - api_version: v3"], 3, "alerting.alertmanagers[0].api_version", "unknown API version"),
        (["alerting:", "  alertmanagers:", "    - scheme: ftp"], 3, "alerting.alertmanagers[0].scheme", "http or https"),
        (["alerting:", "  alertmanagers:", "    - timeout: 0s"], 3, "alerting.alertmanagers[0].timeout", "greater than zero"),
        (["alerting:", "  alertmanagers:", "    - static_configs:", "        - targets:", "            - am:9093", "            - http://am:9093"],
         6, "alerting.alertmanagers[0].static_configs[0].targets[1]", "not host or host:port"),
        (["alerting:", "  alertmanagers:", "    - static_configs: [{targets: ['am:http']}]"],
         3, "alerting.alertmanagers[0].static_configs[0].targets[0]", "not host or host:port"),
        (["alerting:", "  alertmanager:", "    - static_configs: []"], 2, "alerting.alertmanager", "unknown key"),
        (["alerting:", "  alertmanagers:", "    - static_config: []"], 3, "alerting.alertmanagers[0].static_config", "unknown key"),
        (["alerting:", "  alertmanagers:", "    - path_prefix: '/a b'"], 3, "alerting.alertmanagers[0].path_prefix", "not a URL path"),
        (["alerting: [1]"], 1, "alerting", "expected a mapping"),
        (["notifications: 5"], 1, "notifications", "expected a mapping"),
    ] as [([String], Int, String, String)])
    func invalidConfigsNameLineKeyAndReason(_ lines: [String], _ line: Int, _ key: String, _ reason: String) {
        let yaml = lines.joined(separator: "\n") + "\n"
        do {
            _ = try ConfigLoader.parse(yaml: yaml, source: "sextant.yml")
            Issue.record("accepted invalid configuration:\n\(yaml)")
        } catch {
            #expect(error.source == "sextant.yml")
            #expect(error.line == line, "\(error)")
            #expect(error.key == key, "\(error)")
            #expect(error.reason.contains(reason), "\(error)")
        }
    }

    @Test func secretsAreNotEchoedInURLErrors() {
        let yaml = (minimal + ["      slack_configs:", "        - api_url: 'hooks.slack.com/services/SECRET'"]).joined(separator: "\n")
        do {
            _ = try ConfigLoader.parse(yaml: yaml, source: "s.yml")
            Issue.record("accepted a URL without a scheme")
        } catch {
            #expect(!error.description.contains("SECRET"))
        }
    }

    @Test func secretsFromFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sextant-notify-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let urlFile = directory.appendingPathComponent("url").path
        let passwordFile = directory.appendingPathComponent("password").path
        try "https://hook.example.org/x\n".write(toFile: urlFile, atomically: true, encoding: .utf8)
        try "s3cret\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let yaml = """
        notifications:
          global: {smtp_auth_password_file: '\(passwordFile)', slack_api_url_file: '\(urlFile)'}
          route: {receiver: r}
          receivers:
            - name: r
              webhook_configs: [{url_file: '\(urlFile)'}]
              slack_configs: [{channel: '#a'}]
        """
        let notifications = try #require(try ConfigLoader.parse(yaml: yaml, source: "s.yml").notifications)
        #expect(notifications.global.smtpAuthPassword == "s3cret")
        #expect(notifications.global.slackAPIURL == "https://hook.example.org/x")
        #expect(notifications.receivers[0].webhooks[0].url == "https://hook.example.org/x")
        #expect(notifications.receivers[0].slack[0].apiURL == nil, "the global URL is used at delivery")
    }

    @Test func timeIntervalsAreReadAndRoutesNameThem() throws {
        let yaml = #"""
        notifications:
          time_intervals:
            - name: offhours
              time_intervals:
                - times: [{start_time: '18:00', end_time: '24:00'}, {start_time: '00:00', end_time: '08:00'}]
                  weekdays: ['monday:friday']
                  location: Europe/Berlin
                - weekdays: [saturday, Sunday]
          mute_time_intervals:
            - name: holidays
              time_intervals: [{months: ['december'], days_of_month: ['24:26', '-1'], years: ['2026:2030']}]
          route:
            receiver: r
            routes:
              - receiver: r
                mute_time_intervals: [holidays]
                active_time_intervals: [offhours]
          receivers:
            - name: r
        """#
        let config = try ConfigLoader.parse(yaml: yaml, source: "s.yml")
        let notifications = try #require(config.notifications)
        #expect(config.warnings.isEmpty, "\(config.warnings)")
        let offhours = try #require(notifications.timeIntervals["offhours"])
        #expect(offhours.count == 2)
        #expect(offhours[0].times == [1_080..<1_440, 0..<480])
        #expect(offhours[0].weekdays == [1...5])
        #expect(offhours[0].location.identifier == "Europe/Berlin")
        #expect(offhours[1].weekdays == [6...6, 0...0])
        let holidays = try #require(notifications.timeIntervals["holidays"]?.first)
        #expect(holidays.months == [12...12])
        #expect(holidays.daysOfMonth == [.init(24, 26), .init(-1, -1)])
        #expect(holidays.years == [2026...2030])
        #expect(notifications.route.routes[0].muteTimeIntervals == ["holidays"])
        #expect(notifications.route.routes[0].activeTimeIntervals == ["offhours"])
    }

    @Test(arguments: [
        ("    - name: x\n      time_intervals: [{times: [{start_time: '25:00', end_time: '26:00'}]}]", 4,
         "notifications.time_intervals[0].time_intervals[0].times[0].start_time", "outside 00:00…24:00"),
        ("    - name: x\n      time_intervals: [{times: [{start_time: '10:00', end_time: '09:00'}]}]", 4,
         "notifications.time_intervals[0].time_intervals[0].times[0].start_time", "must be before end_time"),
        ("    - name: x\n      time_intervals: [{times: [{start_time: '9:00', end_time: '10:00'}]}]", 4,
         "notifications.time_intervals[0].time_intervals[0].times[0].start_time", "not a time of day (HH:MM)"),
        ("    - name: x\n      time_intervals: [{weekdays: ['friday:monday']}]", 4,
         "notifications.time_intervals[0].time_intervals[0].weekdays[0]", "start of a range must not be after its end"),
        ("    - name: x\n      time_intervals: [{weekdays: ['funday']}]", 4,
         "notifications.time_intervals[0].time_intervals[0].weekdays[0]", "not a weekday"),
        ("    - name: x\n      time_intervals: [{days_of_month: ['0']}]", 4,
         "notifications.time_intervals[0].time_intervals[0].days_of_month[0]", "not a day of the month"),
        ("    - name: x\n      time_intervals: [{days_of_month: ['-3:5']}]", 4,
         "notifications.time_intervals[0].time_intervals[0].days_of_month[0]", "cannot start counting from the end"),
        ("    - name: x\n      time_intervals: [{months: ['13']}]", 4,
         "notifications.time_intervals[0].time_intervals[0].months[0]", "not a month"),
        ("    - name: x\n      time_intervals: [{years: ['2030:2020']}]", 4,
         "notifications.time_intervals[0].time_intervals[0].years[0]", "must not be after its end"),
        ("    - name: x\n      time_intervals: [{location: 'Mars/Olympus_Mons'}]", 4,
         "notifications.time_intervals[0].time_intervals[0].location", "not a known time zone"),
        ("    - name: x\n      time_intervals: [{hours: ['1']}]", 4,
         "notifications.time_intervals[0].time_intervals[0].hours", "unknown key"),
        ("    - name: x\n      time_intervals: []\n    - name: x\n      time_intervals: []", 5,
         "notifications.time_intervals[1].name", "defined twice"),
        ("    - time_intervals: []", 3, "notifications.time_intervals[0].name", "needs a name"),
    ])
    func badTimeIntervalsNameLineKeyAndReason(_ intervals: String, _ line: Int, _ key: String, _ reason: String) throws {
        let yaml = "notifications:\n  time_intervals:\n" + intervals + "\n  route: {receiver: r}\n  receivers: [{name: r}]\n"
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.parse(yaml: yaml, source: "s.yml") }
        #expect(error?.line == line, "\(String(describing: error))")
        #expect(error?.key == key, "\(String(describing: error))")
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }

    @Test func aRouteNamingAnUndefinedTimeIntervalIsRefused() throws {
        let yaml = "notifications:\n  route:\n    receiver: r\n    routes:\n      - active_time_intervals: [nights]\n  receivers: [{name: r}]\n"
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.parse(yaml: yaml, source: "s.yml") }
        #expect(error?.line == 5)
        #expect(error?.key == "notifications.route.routes[0].active_time_intervals[0]")
        #expect(error?.reason == "time interval \"nights\" is not defined under notifications.time_intervals")
    }

    @Test func alertmanagerKeysSextantDoesNotActOnAreWarnings() throws {
        let yaml = #"""
        notifications:
          global:
            resolve_timeout: 5m
            http_config: {follow_redirects: true}
            pagerduty_url: https://events.pagerduty.com/v2/enqueue
          templates: ['/etc/alertmanager/*.tmpl']
          time_intervals:
            - name: weekend
              time_intervals: [{weekdays: ['saturday', 'sunday']}]
          route:
            receiver: r
            routes:
              - receiver: r
                mute_time_intervals: [weekend]
          receivers:
            - name: r
              webhook_configs:
                - url: http://h/
                  http_config: {basic_auth: {username: u, password: p}}
              slack_configs:
                - api_url: https://h/
                  color: danger
                  fields: [{title: a, value: b}]
              email_configs:
                - {to: a@b, from: c@d, smarthost: 'm:25', auth_secret: x, tls_config: {ca_file: /ca.pem}}
        alerting:
          alert_relabel_configs: [{action: labeldrop, regex: replica}]
          alertmanagers:
            - static_configs: [{targets: ['am:9093'], labels: {a: b}}]
              basic_auth: {username: u, password: p}
              relabel_configs: []
              dns_sd_configs: [{names: [am.example.org]}]
        """#
        let config = try ConfigLoader.parse(yaml: yaml, source: "s.yml")
        let expected = [
            "s.yml:4: key 'notifications.global.http_config'",
            "s.yml:5: key 'notifications.global.pagerduty_url'",
            "s.yml:19: key 'notifications.receivers[0].webhook_configs[0].http_config'",
            "s.yml:23: key 'notifications.receivers[0].slack_configs[0].fields'",
            "s.yml:25: key 'notifications.receivers[0].email_configs[0].auth_secret'",
            "s.yml:25: key 'notifications.receivers[0].email_configs[0].tls_config.ca_file'",
            "s.yml:27: key 'alerting.alert_relabel_configs'",
            "s.yml:29: key 'alerting.alertmanagers[0].static_configs[0].labels'",
            "s.yml:30: key 'alerting.alertmanagers[0].basic_auth'",
            "s.yml:31: key 'alerting.alertmanagers[0].relabel_configs'",
            "s.yml:32: key 'alerting.alertmanagers[0].dns_sd_configs'",
        ]
        for prefix in expected {
            #expect(config.warnings.contains { $0.hasPrefix(prefix) && $0.hasSuffix("is accepted but not acted on by this version of Sextant") },
                    "\(prefix) in \(config.warnings)")
        }
        #expect(config.warnings.count == expected.count, "\(config.warnings)")
        #expect(config.alertmanagers.endpoints == ["http://am:9093/api/v2/alerts"])
    }

    // MARK: hostile input

    /// Every value and list item of the full file replaced by garbage of every YAML type:
    /// each variant is refused with a location, or read; nothing crashes.
    @Test(arguments: ["[1, [2, {a: b}]]", "{a: {b: [c]}}", "-1", "''", "~", "!!binary aGk=", "&x [*x]", "\"\\u0000\"", "1e999", "{"])
    func garbageInEveryPosition(_ garbage: String) {
        let lines = Self.full.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var refused = 0
        for (index, line) in lines.enumerated() {
            var variants: [String] = []
            if let colon = line.firstIndex(of: ":"), !line.hasPrefix("#") {
                variants.append(String(line[...colon]) + " " + garbage)
            }
            if let dash = line.firstIndex(of: "-"), line[..<dash].allSatisfy({ $0 == " " }) {
                variants.append(String(line[...dash]) + " " + garbage)
            }
            for variant in variants {
                var mutated = lines
                mutated[index] = variant
                do {
                    _ = try ConfigLoader.parse(yaml: mutated.joined(separator: "\n"), source: "s.yml")
                } catch {
                    refused += 1
                    #expect(error.line != nil || error.reason.contains("YAML"), "line \(index + 1) ← \(garbage): \(error)")
                    #expect(error.description.hasPrefix("s.yml"))
                }
            }
        }
        #expect(refused > 0)
    }

    @Test func deepRouteNestingIsRefusedClearly() throws {
        func nested(_ depth: Int) -> String {
            var routes = "{receiver: r}"
            for _ in 0..<depth { routes = "{receiver: r, routes: [\(routes)]}" }
            return "notifications:\n  receivers: [{name: r}]\n  route: \(routes)\n"
        }
        let ok = try ConfigLoader.parse(yaml: nested(60), source: "s.yml")
        var depth = 0
        var route = try #require(ok.notifications).route
        while let child = route.routes.first { route = child; depth += 1 }
        #expect(depth == 60)
        do {
            _ = try ConfigLoader.parse(yaml: nested(100), source: "s.yml")
            Issue.record("accepted 100 levels of routes")
        } catch {
            #expect(error.reason.contains("nest deeper than 100 levels"), "\(error)")
            #expect(error.line == 3)
        }
        // 500 levels (1000 YAML collections deep) are past the YAML parser's own limit.
        do {
            _ = try ConfigLoader.parse(yaml: nested(500), source: "s.yml")
            Issue.record("accepted 500 levels of routes")
        } catch {
            #expect(error.reason.contains("nesting level"), "\(error)")
            #expect(error.line == 3)
            #expect(error.description.count < 1000, "the message does not quote the whole line: \(error.description.count)")
        }
    }

    @Test func aliasesCannotMultiplyRoutesWithoutBound() {
        // Ten levels, each holding ten copies of the level below: 10^10 routes in 2 kB.
        var level = "&a0 {receiver: r}"
        for k in 1...10 {
            let copies = Array(repeating: "*a\(k - 1)", count: 9).joined(separator: ", ")
            level = "&a\(k) {receiver: r, routes: [\(level), \(copies)]}"
        }
        let yaml = "notifications:\n  receivers: [{name: r}]\n  route: {receiver: r, routes: [\(level)]}\n"
        do {
            _ = try ConfigLoader.parse(yaml: yaml, source: "s.yml")
            Issue.record("accepted ten billion routes")
        } catch {
            #expect(error.reason.contains("more than 10000 routes"), "\(error)")
        }
    }

    @Test func aMegabyteMatcherIsReadOrRefusedQuickly() throws {
        let value = String(repeating: "x", count: 1 << 20)
        let yaml = "notifications:\n  receivers: [{name: r}]\n  route:\n    receiver: r\n    routes:\n      - matchers: ['big=\"\(value)\"']\n"
        let config = try ConfigLoader.parse(yaml: yaml, source: "s.yml")
        #expect(config.notifications?.route.routes.first?.matchers.first?.value.utf8.count == 1 << 20)
        do {
            _ = try ConfigLoader.parse(yaml: yaml.replacingOccurrences(of: "big=\"", with: "big=\"\"\""), source: "s.yml")
            Issue.record("accepted a value with text after its closing quote")
        } catch {
            #expect(error.line == 6)
            #expect(error.key == "notifications.route.routes[0].matchers[0]")
            #expect(error.description.count < 500, "the message quotes an excerpt, not the megabyte")
        }
    }

    // MARK: the example file

    /// `sextant.example.yml` keeps `notifications:` and `alerting:` commented out (it sets
    /// every key to its default, and the default is no routing); uncommented, they must be valid.
    @Test func theExampleNotificationsAndAlertingBlocksAreValid() throws {
        let root = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        let text = try String(contentsOfFile: "/" + root + "/sextant.example.yml", encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func uncommented(_ key: String) throws -> String {
            let start = try #require(lines.firstIndex(of: "# \(key):"), "the example has a commented \(key): block")
            let block = lines[(start + 1)...].prefix { $0.hasPrefix("#  ") }
            return ([key + ":"] + block.map { String($0.dropFirst(2)) }).joined(separator: "\n")
        }
        let yaml = try uncommented("notifications") + "\n" + uncommented("alerting") + "\n"
        let config = try ConfigLoader.parse(yaml: yaml, source: "sextant.example.yml")
        let notifications = try #require(config.notifications)
        #expect(!notifications.route.routes.isEmpty)
        #expect(notifications.receivers.contains { !$0.webhooks.isEmpty })
        #expect(notifications.receivers.contains { !$0.slack.isEmpty })
        #expect(notifications.receivers.contains { !$0.email.isEmpty })
        #expect(!notifications.inhibitRules.isEmpty)
        #expect(notifications.timeIntervals["maintenance"]?.first?.times.isEmpty == false)
        #expect(!config.alertmanagers.endpoints.isEmpty)
        #expect(config.warnings.isEmpty, "\(config.warnings)")
    }
}
