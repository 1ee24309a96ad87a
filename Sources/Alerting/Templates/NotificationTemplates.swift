import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The named templates notifications are written with: Sextant's defaults under
/// Alertmanager's names (`slack.default.title`, `email.default.html`, `__subject`, …, see
/// `NotificationTemplates+Defaults.swift`) and what the `templates:` files define, which
/// replaces or adds names. Every Slack and email template can `{{ template "name" . }}` them.
///
/// ```swift
/// let templates = try NotificationTemplates.load(["templates/*.tmpl"], relativeTo: "/etc/sextant")
/// let title = try templates.expand(#"{{ template "slack.default.title" . }}"#, payload)
/// ```
public struct NotificationTemplates: Sendable, Equatable {
    /// The files loaded, in order, and their text: what makes two sets equal.
    public private(set) var files: [(path: String, text: String)] = []
    private var set: ParsedTemplate

    /// Sextant's default templates alone.
    public static let defaults = NotificationTemplates(set: defaultSet)

    private init(set: ParsedTemplate) {
        self.set = set
    }

    public static func == (lhs: NotificationTemplates, rhs: NotificationTemplates) -> Bool {
        lhs.files.elementsEqual(rhs.files) { $0.path == $1.path && $0.text == $1.text }
    }

    /// Whether `name` is defined (by Sextant or a loaded file).
    public func defines(_ name: String) -> Bool { set.trees[name] != nil }

    // MARK: - Loading

    /// The defaults plus the files `patterns` name, in order, each pattern's matches in
    /// name order, as Alertmanager's `templates:` loads them: relative patterns are taken
    /// from `directory`, later definitions replace earlier ones.
    ///
    /// As in Alertmanager, a glob that matches nothing is not an error (the files may come
    /// later); a plain path that names no file is, since it is a typo far more often.
    public static func load(_ patterns: [String], relativeTo directory: String) throws(NotificationTemplateError) -> NotificationTemplates {
        var templates = NotificationTemplates.defaults
        for pattern in patterns {
            templates = try templates.adding(filesMatching: pattern, relativeTo: directory)
        }
        return templates
    }

    /// This set with the files one `templates:` entry names added (see ``load(_:relativeTo:)``).
    public func adding(filesMatching pattern: String, relativeTo directory: String) throws(NotificationTemplateError) -> NotificationTemplates {
        let resolved = pattern.hasPrefix("/") ? pattern : (directory as NSString).appendingPathComponent(pattern)
        var templates = self
        for path in try Self.files(matching: resolved, pattern: pattern) {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
            }
            templates = try templates.adding(text, path: path)
        }
        return templates
    }

    /// This set with the definitions of one file's `text` added. The file is parsed as Go's
    /// `ParseFiles` parses it, under its base name, so errors read
    /// `template: slack.tmpl:3: unexpected "}" in operand`.
    public func adding(_ text: String, path: String) throws(NotificationTemplateError) -> NotificationTemplates {
        let parsed: ParsedTemplate
        do {
            parsed = try TemplateParser.parse(text, name: (path as NSString).lastPathComponent, functions: TemplateFunctions.alertmanagerNames)
        } catch {
            throw .invalid(path: path, error)
        }
        var copy = self
        copy.set = set.adding(parsed)
        copy.files.append((path, text))
        return copy
    }

    private static func files(matching resolved: String, pattern: String) throws(NotificationTemplateError) -> [String] {
        guard resolved.contains(where: { "*?[".contains($0) }) else {
            guard FileManager.default.fileExists(atPath: resolved) else { throw .missing(path: resolved) }
            return [resolved]
        }
        guard isWellFormedGlob(resolved) else { throw .badPattern(pattern) }
        var matches = glob_t()
        defer { globfree(&matches) }
        let status = glob(resolved, 0, nil, &matches)
        guard status == 0 else { return [] }
        return (0..<Int(matches.gl_pathc)).compactMap { index in matches.gl_pathv[index].map { String(cString: $0) } }
    }

    /// Go's `filepath.Match` refuses a `[` class that is empty or never closed, and a
    /// trailing `\`; `glob(3)` would take them literally.
    private static func isWellFormedGlob(_ pattern: String) -> Bool {
        var chars = Array(pattern)[...]
        while let c = chars.popFirst() {
            switch c {
            case "\\":
                guard chars.popFirst() != nil else { return false }
            case "[":
                if chars.first == "^" { chars.removeFirst() }
                var members = 0
                while let m = chars.first, m != "]" {
                    chars.removeFirst()
                    if m == "\\" { guard chars.popFirst() != nil else { return false } }
                    members += 1
                }
                guard chars.popFirst() == "]", members > 0 else { return false }
            default:
                break
            }
        }
        return true
    }

    // MARK: - Expanding

    /// Expands a template text — a Slack `title`, an email `html` — over the notification
    /// data, with this set's named templates. The text is parsed as Alertmanager parses it,
    /// as a template named "" (`template: :1:5: …` in errors); its own `{{define}}`s apply
    /// to it alone.
    ///
    /// `html`: the text is an email's HTML part, and every value it prints is escaped unless
    /// it is HTML already, as Alertmanager's `html/template` does.
    public func expand(_ text: String, _ payload: NotificationPayload, html: Bool = false) throws(TemplateError) -> String {
        guard !text.isEmpty else { return "" }
        let parsed = try TemplateParser.parse(text, name: "", functions: TemplateFunctions.alertmanagerNames)
        return try execute(parsed.over(set), payload, html: html)
    }

    /// Runs the named template `name` over the notification data.
    public func execute(named name: String, _ payload: NotificationPayload, html: Bool = false) throws(TemplateError) -> String {
        var main = set
        main.name = name
        guard set.trees[name] != nil else {
            throw TemplateError(phase: .execution, templateName: name, message: "template: no template \(GoQuote.quote(name)) defined")
        }
        return try execute(main, payload, html: html)
    }

    private func execute(_ template: ParsedTemplate, _ payload: NotificationPayload, html: Bool) throws(TemplateError) -> String {
        var executor = TemplateExecutor(
            template, functions: html ? TemplateFunctions.alertmanagerHTML : TemplateFunctions.alertmanager,
            environment: TemplateEnvironment(externalURL: payload.externalURL))
        executor.escapesHTML = html
        return try executor.execute(payload.templateData)
    }
}

/// Why the `templates:` files could not be loaded.
public enum NotificationTemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A path without wildcards that names no file.
    case missing(path: String)
    /// A glob Go's `filepath.Match` would refuse, such as an unclosed `[`.
    case badPattern(String)
    case unreadable(path: String, reason: String)
    /// A file that does not parse, with Go's message: `template: slack.tmpl:3: …`.
    case invalid(path: String, TemplateError)

    public var description: String {
        switch self {
        case .missing(let path): "\(path): no such file"
        case .badPattern(let pattern): "\(pattern): syntax error in pattern"
        case .unreadable(let path, let reason): "\(path): cannot read the file: \(reason)"
        case .invalid(let path, let error): "\(path): \(error.message)"
        }
    }
}
