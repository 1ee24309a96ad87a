import ArgumentParser

@main
struct Sextant: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sextant",
        abstract: "Watches a fleet of virtual machines and their hosts: metrics, PromQL, alerts, forecasts.",
        subcommands: [Serve.self, Version.self, ConfigCommand.self],
        defaultSubcommand: nil
    )
}
