import Foundation
import Testing
@testable import Alerting

/// A group notification as the outbox stores it: two alerts of one group, one firing
/// and one resolved, and a third fixture whose labels exercise the sort order.
enum NotificationFixtures {
    static let twoAlerts = payload(#"""
    {"version":"4","truncatedAlerts":0,"groupKey":"{}:{alertname=\"HighLoad\"}","status":"firing","receiver":"team-a",
     "groupLabels":{"alertname":"HighLoad"},"commonLabels":{"alertname":"HighLoad","severity":"page"},
     "commonAnnotations":{},"externalURL":"http://sextant:9090",
     "alerts":[
      {"status":"firing","labels":{"alertname":"HighLoad","instance":"a:1","severity":"page"},
       "annotations":{"summary":"Load high on a","description":"it is <high>"},
       "startsAt":"2026-12-05T10:30:23.123Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://g/1","fingerprint":"f1"},
      {"status":"resolved","labels":{"alertname":"HighLoad","instance":"b:1","severity":"page"},"annotations":{},
       "startsAt":"2026-12-05T10:00:00Z","endsAt":"2026-12-05T10:45:00.5Z","generatorURL":"","fingerprint":"f2"}]}
    """#)

    static let mixedCaseLabels = payload(#"""
    {"version":"4","truncatedAlerts":0,"groupKey":"k","status":"resolved","receiver":"r","groupLabels":{"beta":"b"},
     "commonLabels":{"zeta":"z","alertname":"X","beta":"b","Alpha":"A"},"commonAnnotations":{"summary":"S"},"externalURL":"",
     "alerts":[
      {"status":"resolved","labels":{"zeta":"z","alertname":"X","beta":"b","Alpha":"A"},"annotations":{"summary":"S"},
       "startsAt":"2026-12-05T10:00:00Z","endsAt":"2026-12-05T10:45:00Z","generatorURL":"","fingerprint":"f3"}]}
    """#)

    static func payload(_ json: String) -> NotificationPayload {
        // The fixtures are fixed text; a decoding failure is a broken test file.
        try! NotificationPayload.decode(Data(json.utf8))
    }
}

/// Alertmanager's `template.Data` and its methods, as Go prints and computes them.
struct NotificationTemplateDataTests {
    func expand(_ text: String, _ payload: NotificationPayload = NotificationFixtures.twoAlerts) throws(TemplateError) -> String {
        try NotificationTemplates.defaults.expand(text, payload)
    }

    @Test(arguments: [
        // .Alerts, ranged with and without variables, indexed, counted.
        (#"{{ range .Alerts }}*{{ .Labels.alertname }}* {{ .Annotations.summary }} since {{ .StartsAt }}{{ "\n" }}{{ end }}"#,
         "*HighLoad* Load high on a since 2026-12-05 10:30:23.123 +0000 UTC\n*HighLoad*  since 2026-12-05 10:00:00 +0000 UTC\n"),
        ("{{ len .Alerts }} {{ .Alerts.Firing | len }} {{ len .Alerts.Resolved }}", "2 1 1"),
        ("{{ range $i, $a := .Alerts }}{{ $i }}={{ $a.Status }}/{{ $a.Fingerprint }} {{ end }}", "0=firing/f1 1=resolved/f2 "),
        ("{{ (index .Alerts 1).Labels.instance }} {{ with index .Alerts.Firing 0 }}{{ .GeneratorURL }}{{ end }}", "b:1 http://g/1"),
        ("{{ range .Alerts.Resolved }}{{ .Labels.instance }}{{ else }}none{{ end }}", "b:1"),
        ("{{ .Receiver }} {{ .Status }} {{ .ExternalURL }} {{ .GroupLabels.alertname }} {{ .CommonLabels.severity }}",
         "team-a firing http://sextant:9090 HighLoad page"),
        ("{{ printf \"%T %T %T %T %T\" . .Alerts .Alerts.Firing .CommonLabels (index .Alerts 0).StartsAt }}",
         "*template.Data template.Alerts []template.Alert template.KV time.Time"),
        // Go's %v of the structs, with the times through their String method.
        ("{{ index .Alerts 1 }}",
         "{resolved map[alertname:HighLoad instance:b:1 severity:page] map[] 2026-12-05 10:00:00 +0000 UTC 2026-12-05 10:45:00.5 +0000 UTC  f2}"),
        // time.Time: the zero time, Format with Go layouts, Unix.
        ("{{ (index .Alerts 0).EndsAt }} {{ (index .Alerts 0).EndsAt.IsZero }}", "0001-01-01 00:00:00 +0000 UTC true"),
        (#"{{ (index .Alerts 0).StartsAt.Format "2006-01-02T15:04:05Z07:00" }}"#, "2026-12-05T10:30:23Z"),
        (#"{{ (index .Alerts 0).StartsAt.Format "2006-01-02T15:04:05.999999999Z07:00" }}"#, "2026-12-05T10:30:23.123Z"),
        (#"{{ (index .Alerts 0).StartsAt.Format "Mon Jan _2 15:04:05 2006" }}"#, "Sat Dec  5 10:30:23 2026"),
        (#"{{ (index .Alerts 0).StartsAt.Format "Monday, January 2, 2006 3:04:05.000000 PM MST -07:00 -0700 Z0700" }}"#,
         "Saturday, December 5, 2026 10:30:23.123000 AM UTC +00:00 +0000 Z"),
        (#"{{ (index .Alerts 0).StartsAt.Format "02/01/06 03:04pm ,999 .9 002 __2 _2006" }}"#, "05/12/26 10:30am ,123 .1 339 339 _2026"),
        ("{{ (index .Alerts 0).StartsAt.Unix }} {{ (index .Alerts 0).StartsAt.UnixMilli }}", "1796466623 1796466623123"),
        (#"{{ (index .Alerts 1).EndsAt.UTC.Local.Format "15:04:05.000" }} {{ (index .Alerts 1).EndsAt.Year }}"#, "10:45:00.500 2026"),
        (#"{{ (index .Alerts 0).EndsAt.Format "2006-01-02 Mon" }}"#, "0001-01-01 Mon"),
    ])
    func data(template: String, expected: String) throws {
        #expect(try expand(template) == expected)
    }

    @Test(arguments: [
        // SortedPairs: alertname first, the rest in byte order (upper case before lower).
        ("{{ range .CommonLabels.SortedPairs }}{{ .Name }}={{ .Value }};{{ end }}", "alertname=X;Alpha=A;beta=b;zeta=z;"),
        ("{{ .CommonLabels.SortedPairs }}", "[{alertname X} {Alpha A} {beta b} {zeta z}]"),
        ("{{ .CommonLabels.Names }} {{ .CommonLabels.Values }}", "[alertname Alpha beta zeta] [X A b z]"),
        (#"{{ .CommonLabels.SortedPairs.Names | join "," }} {{ join "," .CommonLabels.SortedPairs.Values }}"#, "alertname,Alpha,beta,zeta X,A,b,z"),
        (#"{{ (.CommonLabels.Remove (stringSlice "zeta" "beta" "nope")).Names }}"#, "[alertname Alpha]"),
        ("{{ .CommonLabels.Remove .GroupLabels.Names }}", "map[Alpha:A alertname:X zeta:z]"),
        ("{{ .GroupLabels.Names | .CommonLabels.Remove | len }}", "3"),
        (#"{{ range $k, $v := .CommonLabels.Remove (stringSlice) }}{{ $k }}{{ end }}"#, "Alphaalertnamebetazeta"),
        ("{{ .CommonAnnotations.SortedPairs.Names }} {{ len .GroupLabels }}", "[summary] 1"),
        ("{{ if .CommonLabels.nope }}yes{{ else }}no{{ end }} [{{ .CommonLabels.nope }}]", "no []"),
    ])
    func keyValues(template: String, expected: String) throws {
        #expect(try expand(template, NotificationFixtures.mixedCaseLabels) == expected)
    }

    @Test(arguments: [
        (#"{{ join ", " (stringSlice "a" "b" "c") }}"#, "a, b, c"),
        ("{{ stringSlice }} {{ len (stringSlice) }}", "[] 0"),
        (#"{{ join "-" (stringSlice) }}|"#, "|"),
        ("[{{ trimSpace \"  x y \\n\\t\" }}]", "[x y]"),
        (#"{{ toUpper "ab" }} {{ toLower "AB" }} {{ title "hello world" }}"#, "AB ab Hello World"),
        (#"{{ match "^High" .CommonLabels.alertname }} {{ match "^Low" .CommonLabels.alertname }}"#, "true false"),
        (#"{{ reReplaceAll ":[0-9]+$" "" "a:1" }} {{ safeHtml "<b>" }}"#, "a <b>"),
        (#"{{ range .Alerts }}{{ .Labels.instance | reReplaceAll "(.*):(.*)" "$2@$1" }} {{ end }}"#, "1@a 1@b "),
    ])
    func functions(template: String, expected: String) throws {
        #expect(try expand(template) == expected)
    }

    /// Go's errors for what its types do not allow, and Prometheus's functions, which
    /// Alertmanager does not have.
    @Test(arguments: [
        ("{{ .Alerts.Firing.Firing }}", #"template: :1:10: executing "" at <.Alerts.Firing.Firing>: can't evaluate field Firing in type []template.Alert"#),
        ("{{ .Alerts.Firing 1 }}", #"template: :1:10: executing "" at <.Alerts.Firing>: wrong number of args for Firing: want 0 got 1"#),
        ("{{ .CommonLabels.Remove }}", #"template: :1:16: executing "" at <.CommonLabels.Remove>: wrong number of args for Remove: want 1 got 0"#),
        (#"{{ .CommonLabels.Remove "x" }}"#, #"template: :1:24: executing "" at <"x">: can't handle "x" for arg of type []string"#),
        (#"{{ .CommonLabels.Remove .Status }}"#, #"template: :1:24: executing "" at <.Status>: wrong type for value; expected []string; got string"#),
        ("{{ .CommonLabels.severity 1 }}", #"template: :1:16: executing "" at <.CommonLabels.severity>: severity is not a method but has arguments"#),
        ("{{ .Alerts.Nope }}", #"template: :1:10: executing "" at <.Alerts.Nope>: can't evaluate field Nope in type template.Alerts"#),
        ("{{ (index .Alerts 0).StartsAt.Format }}", // Go points at the last node it evaluated, the receiver's argument `0`.
         #"template: :1:18: executing "" at <0>: wrong number of args for Format: want 1 got 0"#),
        ("{{ index .Alerts 3 }}", #"template: :1:3: executing "" at <index .Alerts 3>: error calling index: index out of range: 3"#),
        ("{{ index .Alerts 2 }}", #"template: :1:3: executing "" at <index .Alerts 2>: error calling index: reflect: slice index out of range"#),
        ("{{ join .Alerts \",\" }}", #"template: :1:8: executing "" at <.Alerts>: wrong type for value; expected string; got template.Alerts"#),
        ("{{ humanize 1 }}", #"template: :1: function "humanize" not defined"#),
        ("{{ template \"nope\" . }}", #"template: :1:12: executing "" at <{{template "nope" .}}>: template "nope" not defined"#),
        ("{{ range .Alerts }}{{ .Labels.alertname", #"template: :1: unclosed action"#),
    ])
    func errors(template: String, message: String) {
        #expect(throws: TemplateError.self) { try expand(template) }
        do {
            _ = try expand(template)
        } catch {
            #expect(error.message == message)
        }
    }
}
