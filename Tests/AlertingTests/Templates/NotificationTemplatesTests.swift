import Foundation
import Testing
@testable import Alerting

/// Sextant's named default templates, `templates:` files that override and add names,
/// and the Slack and email texts built from them.
struct NotificationTemplatesTests {
    let twoAlerts = NotificationFixtures.twoAlerts

    static let slackText = """
        *Alert:* Load high on a - `page`
        *Description:* it is <high>
        *Source:* <http://g/1|graph>
        *Details:*
          • *alertname:* `HighLoad`
          • *instance:* `a:1`
          • *severity:* `page`

        *Alert:* HighLoad (resolved) - `page`
        *Details:*
          • *alertname:* `HighLoad`
          • *instance:* `b:1`
          • *severity:* `page`
        """

    static let plainText = """
        Firing alerts:

        Alert: Load high on a
        Description: it is <high>
        Started: 2026-12-05T10:30:23.123Z
        Labels:
          - alertname = HighLoad
          - instance = a:1
          - severity = page
        Source: http://g/1

        Resolved alerts:

        Alert: HighLoad
        Started: 2026-12-05T10:00:00Z
        Ended: 2026-12-05T10:45:00.5Z
        Labels:
          - alertname = HighLoad
          - instance = b:1
          - severity = page

        Sextant: http://sextant:9090
        """

    static let html = #"<!DOCTYPE html><html><body style="font-family:sans-serif"><h2 style="color:#c0392b">[FIRING:1] HighLoad (page)</h2>"#
        + #"<h3>Firing alerts</h3><div style="margin-bottom:1em"><strong>Load high on a</strong><p>it is &lt;high&gt;</p>"#
        + #"<p>Started: 2026-12-05T10:30:23.123Z</p><table><tr><td>alertname</td><td><code>HighLoad</code></td></tr>"#
        + #"<tr><td>instance</td><td><code>a:1</code></td></tr><tr><td>severity</td><td><code>page</code></td></tr></table>"#
        + #"<a href="http://g/1">Source</a></div><h3>Resolved alerts</h3><div style="margin-bottom:1em"><strong>HighLoad</strong>"#
        + #"<p>Started: 2026-12-05T10:00:00Z<br>Ended: 2026-12-05T10:45:00.5Z</p><table><tr><td>alertname</td><td><code>HighLoad</code></td></tr>"#
        + #"<tr><td>instance</td><td><code>b:1</code></td></tr><tr><td>severity</td><td><code>page</code></td></tr></table></div>"#
        + #"<p><a href="http://sextant:9090">Sextant</a></p></body></html>"#

    @Test(arguments: [
        ("__subject", "[FIRING:1] HighLoad (page)"),
        ("slack.default.title", "[FIRING:1] HighLoad (page)"),
        ("slack.default.fallback", "[FIRING:1] HighLoad (page)"),
        ("email.default.subject", "[FIRING:1] HighLoad (page)"),
        ("slack.default.titlelink", "http://sextant:9090"),
        ("slack.default.text", slackText),
        ("__description", plainText),
        ("email.default.text", plainText),
        ("email.default.html", html),
        ("slack.default.username", ""),
        ("slack.default.pretext", ""),
        ("slack.default.footer", ""),
        ("slack.default.callbackid", ""),
        ("slack.default.iconemoji", ""),
        ("slack.default.iconurl", ""),
    ])
    func defaults(name: String, expected: String) throws {
        #expect(try NotificationTemplates.defaults.execute(named: name, twoAlerts) == expected)
        // And as a user's text names them.
        #expect(try NotificationTemplates.defaults.expand(#"{{ template "\#(name)" . }}"#, twoAlerts) == expected)
    }

    @Test func subjectOfAResolvedGroupPutsAlertnameFirst() throws {
        let payload = NotificationFixtures.mixedCaseLabels
        #expect(try NotificationTemplates.defaults.execute(named: "__subject", payload) == "[RESOLVED] b (X A z)")
        #expect(try NotificationTemplates.defaults.expand(#"{{ template "__text_alert_list" .Alerts }}"#, payload) == """


            Alert: S
            Started: 2026-12-05T10:00:00Z
            Ended: 2026-12-05T10:45:00Z
            Labels:
              - alertname = X
              - Alpha = A
              - beta = b
              - zeta = z
            """)
    }

    @Test func htmlEscapesWhatAlertsCarry() throws {
        let payload = NotificationFixtures.payload(#"""
        {"version":"4","truncatedAlerts":0,"groupKey":"k","status":"firing","receiver":"r","groupLabels":{"job":"a&b"},
         "commonLabels":{"job":"a&b","x":"\"q\""},"commonAnnotations":{},"externalURL":"",
         "alerts":[{"status":"firing","labels":{"job":"a&b","x":"\"q\""},"annotations":{"summary":"<script>"},
          "startsAt":"2026-12-05T10:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://g/?a=1&b=2","fingerprint":"f"}]}
        """#)
        let html = try NotificationTemplates.defaults.execute(named: "email.default.html", payload)
        #expect(html.contains("<h2 style=\"color:#c0392b\">[FIRING:1] a&amp;b (&#34;q&#34;)</h2>"))
        #expect(html.contains("<strong>&lt;script&gt;</strong>"))
        #expect(html.contains("<a href=\"http://g/?a=1&amp;b=2\">Source</a>"))
        #expect(!html.contains("Sextant</a>"), "no external URL, no link")
    }

    @Test func aUserHTMLTemplateEscapesWhatItPrintsUnlessItIsHTMLAlready() throws {
        let payload = NotificationFixtures.payload(#"""
        {"version":"4","truncatedAlerts":0,"groupKey":"k","status":"firing","receiver":"r","groupLabels":{},
         "commonLabels":{},"commonAnnotations":{"summary":"<a href=\"http://evil\">click</a> & go"},"externalURL":"",
         "alerts":[]}
        """#)
        let templates = NotificationTemplates.defaults
        #expect(try templates.expand("<p>{{ .CommonAnnotations.summary }}</p>", payload, html: true)
            == "<p>&lt;a href=&#34;http://evil&#34;&gt;click&lt;/a&gt; &amp; go</p>")
        #expect(try templates.expand("{{ .CommonAnnotations.summary | html }}", payload, html: true)
            == "&lt;a href=&#34;http://evil&#34;&gt;click&lt;/a&gt; &amp; go", "html's result is not escaped twice")
        #expect(try templates.expand("{{ \"<b>ok</b>\" | safeHtml }}", payload, html: true) == "<b>ok</b>")
        #expect(try templates.expand("<p>{{ .CommonAnnotations.summary }}</p>", payload)
            == "<p><a href=\"http://evil\">click</a> & go</p>", "text and Slack fields are not HTML")
        let email = NotificationSender.emailMessage(
            payload, config: EmailConfig(to: ["o@e"], html: "<p>{{ .CommonAnnotations.summary }}</p>"), from: "s@e", templates: templates)
        #expect(email.0.html == "<p>&lt;a href=&#34;http://evil&#34;&gt;click&lt;/a&gt; &amp; go</p>")
    }

    // MARK: - Files

    /// A fresh directory holding `files`, removed after `body`.
    func withFiles(_ files: [String: String], _ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.path + "/sextant-tmpl-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (name, text) in files {
            let path = directory + "/" + name
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        try body(directory)
    }

    static let userFiles = [
        "a.tmpl": """
            {{ define "slack.default.title" }}Custom {{ .Status }}: {{ .CommonLabels.alertname }}{{ end }}
            {{ define "team.footer" }}by {{ .Receiver }}{{ end }}
            {{ define "shared" }}from a{{ end }}
            """,
        "b.tmpl": #"{{ define "shared" }}from b{{ end }}"#,
        "exec.tmpl": "{{ define \"boom\" }}\n  {{ .Nope }}{{ end }}",
    ]

    @Test func filesOverrideAndAddNames() throws {
        try withFiles(Self.userFiles) { directory in
            let templates = try NotificationTemplates.load(["*.tmpl"], relativeTo: directory)
            #expect(templates.files.map { ($0.path as NSString).lastPathComponent } == ["a.tmpl", "b.tmpl", "exec.tmpl"])
            #expect(try templates.execute(named: "slack.default.title", twoAlerts) == "Custom firing: HighLoad")
            #expect(try templates.execute(named: "slack.default.fallback", twoAlerts) == "Custom firing: HighLoad", "defaults that use an overridden name follow it")
            #expect(try templates.execute(named: "__subject", twoAlerts) == "[FIRING:1] HighLoad (page)")
            #expect(try templates.expand(#"{{ template "team.footer" . }} {{ template "shared" . }}"#, twoAlerts) == "by team-a from b")
            #expect(try templates.expand(#"{{ define "shared" }}inline{{ end }}{{ template "shared" . }}"#, twoAlerts) == "inline")
            #expect(try templates.expand(#"{{ template "shared" . }}"#, twoAlerts) == "from b", "an inline definition stays with its text")

            let reversed = try NotificationTemplates.load(["b.tmpl", directory + "/a.tmpl"], relativeTo: directory)
            #expect(try reversed.expand(#"{{ template "shared" . }}"#, twoAlerts) == "from a", "later files win")
            #expect(reversed != templates)
            #expect(try NotificationTemplates.load(["*.tmpl"], relativeTo: directory) == templates)
        }
    }

    @Test func aGlobThatMatchesNothingIsNoError() throws {
        try withFiles([:]) { directory in
            let templates = try NotificationTemplates.load(["*.tmpl", "sub/*.tmpl"], relativeTo: directory)
            #expect(templates == .defaults)
        }
    }

    @Test func executionErrorsPointIntoTheFile() throws {
        try withFiles(Self.userFiles) { directory in
            let templates = try NotificationTemplates.load(["exec.tmpl"], relativeTo: directory)
            #expect(throws: TemplateError.self) { try templates.expand(#"{{ template "boom" . }}"#, twoAlerts) }
            do throws(TemplateError) {
                _ = try templates.expand(#"{{ template "boom" . }}"#, twoAlerts)
            } catch {
                #expect(error.message == #"template: exec.tmpl:2:5: executing "boom" at <.Nope>: can't evaluate field Nope in type *template.Data"#)
            }
        }
    }

    @Test(arguments: [
        ("bad.tmpl", "{{ define \"x\" }}\n{{ .Foo }\n{{ end }}", #"template: bad.tmpl:2: unexpected "}" in operand"#),
        ("fn.tmpl", #"{{ define "y" }}{{ humanize 1 }}{{ end }}"#, #"template: fn.tmpl:1: function "humanize" not defined"#),
        ("dup.tmpl", #"{{ define "x" }}1{{ end }}{{ define "x" }}2{{ end }}"#, #"template: dup.tmpl:1: template: multiple definition of template "x""#),
        ("open.tmpl", "{{ define \"x\" }}abc\n", "template: open.tmpl:2: unexpected EOF"),
        ("noname.tmpl", "{{ define }}{{ end }}", #"template: noname.tmpl:1: unexpected "}}" in define clause"#),
        ("nameless.tmpl", "{{ define x }}{{ end }}", #"template: nameless.tmpl:1: unexpected "x" in define clause"#),
        ("unclosed.tmpl", "{{ define \"x\" }}{{ .Foo ", "template: unclosed.tmpl:1: unclosed action"),
        ("stray.tmpl", "{{ end }}", #"template: stray.tmpl:1: unexpected {{end}}"#),
    ])
    func aFileThatDoesNotParseNamesItself(file: String, text: String, message: String) throws {
        try withFiles([file: text]) { directory in
            #expect(throws: NotificationTemplateError.invalid(path: directory + "/" + file, TemplateError(phase: .parse, templateName: file, message: message))) {
                try NotificationTemplates.load(["*.tmpl"], relativeTo: directory)
            }
            let error = #expect(throws: NotificationTemplateError.self) { try NotificationTemplates.load([file], relativeTo: directory) }
            #expect(error?.description == "\(directory)/\(file): \(message)")
        }
    }

    @Test func missingFilesBadPatternsAndUnreadableFiles() throws {
        try withFiles(["dir.tmpl/inner": "x"]) { directory in
            #expect(throws: NotificationTemplateError.missing(path: directory + "/nope.tmpl")) {
                try NotificationTemplates.load(["nope.tmpl"], relativeTo: directory)
            }
            #expect(NotificationTemplateError.missing(path: "/x/nope.tmpl").description == "/x/nope.tmpl: no such file")
            for pattern in ["[a.tmpl", "x[].tmpl", "*.tmpl\\"] {
                #expect(throws: NotificationTemplateError.badPattern(pattern)) { try NotificationTemplates.load([pattern], relativeTo: directory) }
            }
            #expect(NotificationTemplateError.badPattern("[a").description == "[a: syntax error in pattern")
            let error = #expect(throws: NotificationTemplateError.self) { try NotificationTemplates.load(["*.tmpl"], relativeTo: directory) }
            guard case .unreadable(let path, _) = error else {
                Issue.record("expected unreadable, got \(String(describing: error))")
                return
            }
            #expect(path == directory + "/dir.tmpl")
            #expect(error?.description.hasPrefix("\(directory)/dir.tmpl: cannot read the file: ") == true)
        }
    }

    @Test func anUnknownTemplateName() {
        #expect(throws: TemplateError.self) { try NotificationTemplates.defaults.execute(named: "slack.default.nope", twoAlerts) }
        do {
            _ = try NotificationTemplates.defaults.execute(named: "slack.default.nope", twoAlerts)
        } catch {
            #expect(error.message == #"template: no template "slack.default.nope" defined"#)
        }
    }

    // MARK: - Slack and email

    func slackJSON(_ config: SlackConfig, templates: NotificationTemplates = .defaults) throws -> ([String: Any], [String]) {
        let (message, notes) = SlackMessage.render(twoAlerts, config: config, templates: templates)
        let json = try #require(try JSONSerialization.jsonObject(with: message.encoded()) as? [String: Any])
        return (json, notes)
    }

    @Test func aSlackMessageWithACustomTextOverTheAlerts() throws {
        let config = SlackConfig(
            channel: "#{{ .CommonLabels.severity }}", text: #"{{ range .Alerts }}*{{ .Labels.alertname }}* {{ .Annotations.summary }} since {{ .StartsAt }}{{ "\n" }}{{ end }}"#,
            pretext: "{{ .Alerts.Firing | len }} firing", footer: "{{ .Receiver }}")
        let (json, notes) = try slackJSON(config)
        #expect(notes.isEmpty)
        #expect(json["channel"] as? String == "#page")
        #expect(json["username"] == nil && json["icon_emoji"] == nil && json["icon_url"] == nil)
        let attachment = try #require((json["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["text"] as? String
            == "*HighLoad* Load high on a since 2026-12-05 10:30:23.123 +0000 UTC\n*HighLoad*  since 2026-12-05 10:00:00 +0000 UTC\n")
        #expect(attachment["title"] as? String == "[FIRING:1] HighLoad (page)")
        #expect(attachment["fallback"] as? String == "[FIRING:1] HighLoad (page)")
        #expect(attachment["title_link"] as? String == "http://sextant:9090")
        #expect(attachment["color"] as? String == "danger")
        #expect(attachment["pretext"] as? String == "1 firing")
        #expect(attachment["footer"] as? String == "team-a")
        #expect(attachment["callback_id"] == nil)
    }

    @Test func aSlackMessageByDefault() throws {
        let (json, notes) = try slackJSON(SlackConfig(username: "sextant", iconEmoji: ":fire:"))
        #expect(notes.isEmpty)
        #expect(json["username"] as? String == "sextant")
        #expect(json["icon_emoji"] as? String == ":fire:")
        let attachment = try #require((json["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["text"] as? String == Self.slackText)
        #expect(attachment["pretext"] == nil)
    }

    @Test func aFailingTemplateFallsBackToTheDefaultWithANote() throws {
        try withFiles(["broken.tmpl": #"{{ define "slack.default.title" }}{{ .Nope }}{{ end }}"#]) { directory in
            let templates = try NotificationTemplates.load(["broken.tmpl"], relativeTo: directory)
            let (json, notes) = try slackJSON(SlackConfig(text: "{{ .Alerts.Nope }}"), templates: templates)
            let attachment = try #require((json["attachments"] as? [[String: Any]])?.first)
            #expect(attachment["text"] as? String == Self.slackText)
            #expect(attachment["title"] as? String == "[FIRING:1] HighLoad (page)", "Sextant's own default when the file's breaks")
            #expect(notes == [
                #"slack title: template: broken.tmpl:1:37: executing "slack.default.title" at <.Nope>: can't evaluate field Nope in type *template.Data"#,
                #"slack text: template: :1:10: executing "" at <.Alerts.Nope>: can't evaluate field Nope in type template.Alerts"#,
                #"slack fallback: template: broken.tmpl:1:37: executing "slack.default.title" at <.Nope>: can't evaluate field Nope in type *template.Data"#,
            ])
        }
    }

    @Test func anEmailFromTemplates() throws {
        let config = EmailConfig(
            to: ["ops@example.org"], headers: ["Subject": "{{ len .Alerts }} alerts", "X-Team": "{{ .Receiver }}"],
            text: "{{ range .Alerts.Firing }}{{ .Labels.instance }}{{ end }}")
        let (message, notes) = NotificationSender.emailMessage(twoAlerts, config: config, from: "s@example.org", templates: .defaults)
        #expect(notes.isEmpty)
        #expect(message.subject == "2 alerts")
        #expect(message.headers["X-Team"] == "team-a")
        #expect(message.text == "a:1")
        #expect(message.html == Self.html)

        let byDefault = NotificationSender.emailMessage(twoAlerts, config: EmailConfig(to: ["o@e"], html: "{{ template \"x\" . }}"), from: "s@e", templates: .defaults)
        #expect(byDefault.0.subject == "[FIRING:1] HighLoad (page)")
        #expect(byDefault.0.text == Self.plainText)
        #expect(byDefault.0.html == Self.html)
        #expect(byDefault.notes == [#"email html: template: :1:12: executing "" at <{{template "x" .}}>: template "x" not defined"#])
    }
}
