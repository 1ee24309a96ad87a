import Foundation
import Yams

/// `file_sd_configs`: target groups read from JSON or YAML files (a list of
/// `{targets: [host:port], labels: {…}}`), with `*` globs in the file name. Each target gets
/// `__meta_filepath` as Prometheus sets it.
public enum FileSD {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let file: String
        public let reason: String
        public var description: String { "\(file): \(reason)" }
    }

    /// Groups from every file matching `patterns`; a file that cannot be read or parsed is
    /// reported and contributes nothing (its previous targets are the caller's to keep).
    public static func read(_ patterns: [String]) -> (groups: [ScrapeConfig.StaticConfig], failures: [Failure]) {
        var groups: [ScrapeConfig.StaticConfig] = []
        var failures: [Failure] = []
        for file in patterns.flatMap(expand) {
            do {
                groups += try parse(file: file)
            } catch let failure as Failure {
                failures.append(failure)
            } catch {
                failures.append(Failure(file: file, reason: "\(error)"))
            }
        }
        return (groups, failures)
    }

    static func expand(_ pattern: String) -> [String] {
        guard pattern.contains("*") || pattern.contains("?") else { return [pattern] }
        let url = URL(fileURLWithPath: pattern)
        let directory = url.deletingLastPathComponent().path
        let name = url.lastPathComponent
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return entries.filter { fnmatch(name, $0, 0) == 0 }.sorted().map { directory + "/" + $0 }
    }

    static func parse(file: String) throws -> [ScrapeConfig.StaticConfig] {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw Failure(file: file, reason: "cannot read the file")
        }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch { throw Failure(file: file, reason: "not valid JSON or YAML: \(error)") }
        guard let node else { return [] }
        guard case .sequence(let items) = node else { throw Failure(file: file, reason: "expected a list of target groups") }
        var groups: [ScrapeConfig.StaticConfig] = []
        for (index, item) in items.enumerated() {
            guard case .mapping(let mapping) = item else { throw Failure(file: file, reason: "group \(index): expected a mapping") }
            var targets: [String] = []
            var labels: [String: String] = ["__meta_filepath": file]
            for (key, value) in mapping {
                switch key.string {
                case "targets":
                    guard case .sequence(let list) = value else { throw Failure(file: file, reason: "group \(index): targets must be a list") }
                    targets = list.compactMap(\.string)
                case "labels":
                    guard case .mapping(let map) = value else { throw Failure(file: file, reason: "group \(index): labels must be a mapping") }
                    for (name, labelValue) in map {
                        guard let n = name.string, n.hasPrefix("__") || TSDBLabelName.isValid(n) else {
                            throw Failure(file: file, reason: "group \(index): invalid label name \(name.string ?? "?")")
                        }
                        labels[n] = labelValue.string ?? ""
                    }
                default:
                    throw Failure(file: file, reason: "group \(index): unknown key \(key.string ?? "?")")
                }
            }
            groups.append(.init(targets: targets, labels: labels))
        }
        return groups
    }
}
