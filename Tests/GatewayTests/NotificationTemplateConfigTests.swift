import Alerting
import Foundation
import Logging
import Testing
@testable import Gateway

/// `notifications.templates`: files read relative to the configuration, errors that point
/// at the entry, and a reload that reads them again.
struct NotificationTemplateConfigTests {
    static let payload = try! NotificationPayload.decode(Data(#"""
    {"version":"4","truncatedAlerts":0,"groupKey":"k","status":"firing","receiver":"r","groupLabels":{"alertname":"A"},
     "commonLabels":{"alertname":"A"},"commonAnnotations":{},"externalURL":"",
     "alerts":[{"status":"firing","labels":{"alertname":"A"},"annotations":{},"startsAt":"2026-12-05T10:00:00Z",
      "endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"f"}]}
    """#.utf8))

    /// A directory with `sextant.yml` listing `templates` and the given files; returns the config path.
    func withConfig(templates: [String], files: [String: String], _ body: (String, String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/sextant-tmplcfg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory + "/templates", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (name, text) in files { try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8) }
        let list = templates.map { "'\($0)'" }.joined(separator: ", ")
        let yaml = """
            storage:
              path: \(directory)/data
            collector:
              builtin_rules: false
              host: false
              self_scrape: false
            notifications:
              templates: [\(list)]
              route: {receiver: r}
              receivers: [{name: r}]
            """
        try yaml.write(toFile: directory + "/sextant.yml", atomically: true, encoding: .utf8)
        try await body(directory + "/sextant.yml", directory)
    }

    @Test func templatesAreReadRelativeToTheConfigFile() async throws {
        try await withConfig(templates: ["templates/*.tmpl"], files: ["templates/team.tmpl": #"{{ define "team" }}team {{ .Receiver }}{{ end }}"#]) { path, directory in
            let config = try ConfigLoader.load(path: path)
            let templates = try #require(config.notifications?.templates)
            #expect(templates.files.map(\.path) == [directory + "/templates/team.tmpl"])
            #expect(try templates.expand(#"{{ template "team" . }}"#, Self.payload) == "team r")
            #expect(!config.warnings.contains { $0.contains("templates") }, "\(config.warnings)")
        }
    }

    @Test func aMissingFileIsAnErrorAtItsEntry() async throws {
        try await withConfig(templates: ["templates/*.tmpl", "nope.tmpl"], files: [:]) { path, directory in
            let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(path: path) }
            #expect(error?.key == "notifications.templates[1]")
            #expect(error?.line == 8)
            #expect(error?.reason == "\(directory)/nope.tmpl: no such file")
        }
    }

    @Test func aFileThatDoesNotParseIsAnError() async throws {
        try await withConfig(templates: ["templates/*.tmpl"], files: ["templates/bad.tmpl": "{{ define \"x\" }}{{ if }}{{ end }}{{ end }}"]) { path, directory in
            let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(path: path) }
            #expect(error?.key == "notifications.templates[0]")
            #expect(error?.reason == "\(directory)/templates/bad.tmpl: template: bad.tmpl:1: missing value for if")
        }
    }

    @Test func reloadReadsTheTemplatesAgain() async throws {
        try await withConfig(templates: ["templates/*.tmpl"], files: ["templates/t.tmpl": #"{{ define "who" }}first{{ end }}"#]) { path, directory in
            let server = try SextantServer(
                config: try ConfigLoader.load(path: path), logger: Logger(label: "test"), reload: { try ConfigLoader.load(path: path) })
            let who = #"{{ template "who" . }}"#
            #expect(try await server.notifications.dispatcher.config.templates.expand(who, Self.payload) == "first")
            try #"{{ define "who" }}second{{ end }}"#.write(toFile: directory + "/templates/t.tmpl", atomically: true, encoding: .utf8)
            try await server.reload()
            #expect(try await server.notifications.dispatcher.config.templates.expand(who, Self.payload) == "second")
            try "{{ define \"who\" }}".write(toFile: directory + "/templates/t.tmpl", atomically: true, encoding: .utf8)
            await #expect(throws: ReloadError.self) { try await server.reload() }
            #expect(try await server.notifications.dispatcher.config.templates.expand(who, Self.payload) == "second", "a failed reload keeps what runs")
        }
    }
}
