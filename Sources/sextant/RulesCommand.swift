import Alerting
import ArgumentParser
import Foundation
import Gateway

/// `sextant rules check FILE…`: validates Prometheus rule files as `promtool check rules`
/// does, with file, line and reason for each problem.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Work with Prometheus rule files.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check rule files for errors.")

        @Argument(help: "Rule files to check.")
        var files: [String]

        func run() throws {
            var failed = false
            for file in files {
                print("Checking \(file)")
                do {
                    let groups = try RuleFileLoader.loadFile(file, defaultInterval: 60_000)
                    print("  SUCCESS: \(groups.reduce(0) { $0 + $1.rules.count }) rules found")
                } catch {
                    failed = true
                    FileHandle.standardError.write(Data("  FAILED:\n\(error.description.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))\n".utf8))
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}
