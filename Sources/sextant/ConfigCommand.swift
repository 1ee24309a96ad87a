import ArgumentParser
import Foundation
import Gateway

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Work with configuration files.",
        subcommands: [Check.self]
    )

    /// `sextant config check FILE`: exit 0 and a summary when valid; exit 1 with file,
    /// line, key and reason when not.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate a configuration file without starting anything.")

        @Argument(help: "The file to check.")
        var file: String

        func run() throws {
            do {
                let config = try ConfigLoader.load(path: file, environment: ProcessInfo.processInfo.environment)
                for warning in config.warnings { print("warning: \(warning)") }
                print("\(file): valid (\(config.scrapeConfigs.count) scrape config(s), \(config.ruleFiles.count) rule file(s); listen \(config.server.listen), data \(config.storage.path))")
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
