import ArgumentParser
import Logging

@main
struct Sextant: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sextant",
        abstract: "Watches a fleet of virtual machines and their hosts: metrics, PromQL, alerts, forecasts.",
        subcommands: [Serve.self, Version.self, ConfigCommand.self, TSDBCommand.self, RulesCommand.self, BackupCommand.self],
        defaultSubcommand: nil
    )

    /// Logs go to standard error so that commands printing data (`tsdb analyze --json`)
    /// keep standard output clean. `serve` installs its own handler with the configured level.
    static func bootstrapLogging(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
