/// Sextant's default notification templates, under the names Alertmanager's
/// `default.tmpl` uses so that configurations written for it find them, in Sextant's
/// words. The Slack and email senders use them when a field is not set, so a file that
/// redefines one of them changes the default too.
///
/// - `__subject`: `[FIRING:2] HighLoad node (page)`: status, firing count, group label
///   values, then the values of the other common labels.
/// - `__description`, `email.default.text`: the plain-text body, per alert its summary,
///   description, times, labels and source. `__text_alert_list` is one list of alerts.
/// - `email.default.subject`, `email.default.html`.
/// - `slack.default.title`, `.text` (mrkdwn, one block per alert), `.fallback`,
///   `.titlelink` (the external URL); `.username`, `.pretext`, `.footer`, `.callbackid`,
///   `.iconemoji`, `.iconurl` are empty, which leaves the fields out of the message.
extension NotificationTemplates {
    /// Times print as RFC 3339 with the fraction (Go's `time.RFC3339Nano`), as the webhook JSON gives them.
    static let defaultText = #"""
    {{ define "__subject" -}}
    [{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}]
    {{- if .GroupLabels }} {{ .GroupLabels.SortedPairs.Values | join " " }}{{ end }}
    {{- with .CommonLabels.Remove .GroupLabels.Names }} ({{ .SortedPairs.Values | join " " }}){{ end }}
    {{- end }}

    {{ define "__text_alert_list" }}{{ range . }}

    Alert: {{ or .Annotations.summary .Labels.alertname }}
    {{- with .Annotations.description }}
    Description: {{ . }}{{ end }}
    Started: {{ .StartsAt.Format "2006-01-02T15:04:05.999999999Z07:00" }}
    {{- if eq .Status "resolved" }}
    Ended: {{ .EndsAt.Format "2006-01-02T15:04:05.999999999Z07:00" }}{{ end }}
    Labels:
    {{- range .Labels.SortedPairs }}
      - {{ .Name }} = {{ .Value }}{{ end }}
    {{- with .GeneratorURL }}
    Source: {{ . }}{{ end }}
    {{- end }}{{ end }}

    {{ define "__description" -}}
    {{ if .Alerts.Firing }}Firing alerts:{{ template "__text_alert_list" .Alerts.Firing }}{{ "\n" }}{{ end }}
    {{- if .Alerts.Resolved }}{{ if .Alerts.Firing }}{{ "\n" }}{{ end }}Resolved alerts:{{ template "__text_alert_list" .Alerts.Resolved }}{{ "\n" }}{{ end }}
    {{- if .ExternalURL }}{{ "\n" }}Sextant: {{ .ExternalURL }}{{ end }}
    {{- end }}

    {{ define "__html_alert_list" }}{{ range . -}}
    <div style="margin-bottom:1em"><strong>{{ or .Annotations.summary .Labels.alertname | html }}</strong>
    {{- with .Annotations.description }}<p>{{ html . }}</p>{{ end -}}
    <p>Started: {{ .StartsAt.Format "2006-01-02T15:04:05.999999999Z07:00" }}
    {{- if eq .Status "resolved" }}<br>Ended: {{ .EndsAt.Format "2006-01-02T15:04:05.999999999Z07:00" }}{{ end -}}
    </p><table>
    {{- range .Labels.SortedPairs }}<tr><td>{{ html .Name }}</td><td><code>{{ html .Value }}</code></td></tr>{{ end -}}
    </table>
    {{- with .GeneratorURL }}<a href="{{ html . }}">Source</a>{{ end -}}
    </div>
    {{- end }}{{ end }}

    {{ define "email.default.subject" }}{{ template "__subject" . }}{{ end }}
    {{ define "email.default.text" }}{{ template "__description" . }}{{ end }}
    {{ define "email.default.html" -}}
    <!DOCTYPE html><html><body style="font-family:sans-serif">
    {{- /* The subject again, escaped: a template's output cannot be piped. */ -}}
    <h2 style="color:{{ if eq .Status "firing" }}#c0392b{{ else }}#27ae60{{ end }}">[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}]
    {{- if .GroupLabels }} {{ .GroupLabels.SortedPairs.Values | join " " | html }}{{ end }}
    {{- with .CommonLabels.Remove .GroupLabels.Names }} ({{ .SortedPairs.Values | join " " | html }}){{ end -}}
    </h2>
    {{- if .Alerts.Firing }}<h3>Firing alerts</h3>{{ template "__html_alert_list" .Alerts.Firing }}{{ end }}
    {{- if .Alerts.Resolved }}<h3>Resolved alerts</h3>{{ template "__html_alert_list" .Alerts.Resolved }}{{ end }}
    {{- with .ExternalURL }}<p><a href="{{ html . }}">Sextant</a></p>{{ end -}}
    </body></html>
    {{- end }}

    {{ define "slack.default.title" }}{{ template "__subject" . }}{{ end }}
    {{ define "slack.default.username" }}{{ end }}
    {{ define "slack.default.fallback" }}{{ template "slack.default.title" . }}{{ end }}
    {{ define "slack.default.pretext" }}{{ end }}
    {{ define "slack.default.titlelink" }}{{ .ExternalURL }}{{ end }}
    {{ define "slack.default.text" }}{{ range $i, $alert := .Alerts }}{{ if $i }}{{ "\n\n" }}{{ end -}}
    *Alert:* {{ or .Annotations.summary .Labels.alertname "alert" }}{{ if eq .Status "resolved" }} (resolved){{ end }}
    {{- with .Labels.severity }} - `{{ . }}`{{ end }}
    {{- with .Annotations.description }}
    *Description:* {{ . }}{{ end }}
    {{- with .GeneratorURL }}
    *Source:* <{{ . }}|graph>{{ end }}
    *Details:*
    {{- range .Labels.SortedPairs }}
      • *{{ .Name }}:* `{{ .Value }}`{{ end }}
    {{- end }}{{ end }}
    {{ define "slack.default.footer" }}{{ end }}
    {{ define "slack.default.callbackid" }}{{ end }}
    {{ define "slack.default.iconemoji" }}{{ end }}
    {{ define "slack.default.iconurl" }}{{ end }}
    """#

    /// The defaults parsed once; they are fixed text, checked by the tests, so a failure
    /// here is a bug in this file.
    static let defaultSet: ParsedTemplate = {
        do {
            let parsed = try TemplateParser.parse(defaultText, name: "default.tmpl", functions: TemplateFunctions.alertmanagerNames)
            return ParsedTemplate(name: "", text: "", trees: [:]).adding(parsed)
        } catch {
            fatalError("Sextant's default notification templates do not parse: \(error)")
        }
    }()
}
