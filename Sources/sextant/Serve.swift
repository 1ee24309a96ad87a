import ArgumentParser
import Foundation
import Gateway
import Logging

/// `sextant serve`: loads the configuration (file, then `SEXTANT_*` environment, then
/// flags) and runs until SIGTERM/SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Sextant server.")

    @Option(name: .long, help: "Configuration file (sextant.yml or a prometheus.yml). Without it, embedded defaults.")
    var config: String?

    @Option(name: .long, help: "Address to listen on, host:port (default 127.0.0.1:8090).")
    var listen: String?

    @Option(name: .long, help: "Data directory for the store and the catalog (default ./data).")
    var dataDir: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    @Flag(name: .long, help: "Shut down, as on SIGTERM, once the process that started this one has exited (for a supervisor or a test harness that may die without stopping it).")
    var exitWithParent = false

    func run() async throws {
        // Read first: a parent that exits before this is read is not seen to go.
        let parent = getppid()
        let environment = ProcessInfo.processInfo.environment
        var settings: SextantConfig
        do {
            settings = try ConfigLoader.load(path: config ?? environment["SEXTANT_CONFIG"], environment: environment)
            try ConfigLoader.applyFlags(listen: listen, dataDir: dataDir, logLevel: logLevel, to: &settings)
        } catch {
            FileHandle.standardError.write(Data("sextant: invalid configuration: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let level = Logger.Level(rawValue: settings.server.logLevel) ?? .info
        Sextant.bootstrapLogging(level: level)
        let logger = Logger(label: "sextant")
        for warning in settings.warnings { logger.warning("\(warning)") }
        do {
            let path = config ?? environment["SEXTANT_CONFIG"]
            let (listen, dataDir, logLevel) = (self.listen, self.dataDir, self.logLevel)
            let server = try SextantServer(config: settings, logger: logger, reload: {
                let environment = ProcessInfo.processInfo.environment
                var settings = try ConfigLoader.load(path: path, environment: environment)
                try ConfigLoader.applyFlags(listen: listen, dataDir: dataDir, logLevel: logLevel, to: &settings)
                return settings
            })
            if exitWithParent { Self.watch(parent: parent, logger: logger) }
            try await server.run()
        } catch {
            logger.critical("\(error)")
            FileHandle.standardError.write(Data("sextant: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Checks every second whether `parent` is still this process's parent: once it has
    /// exited, the process has been handed to init (or a subreaper), and a SIGTERM to itself
    /// takes the usual graceful shutdown (the store flushed and closed).
    private static func watch(parent: pid_t, logger: Logger) {
        Task.detached {
            while true {
                try? await Task.sleep(for: .seconds(1))
                guard getppid() != parent else { continue }
                logger.notice("the parent process (\(parent)) has exited: shutting down")
                kill(getpid(), SIGTERM)
                return
            }
        }
    }
}
