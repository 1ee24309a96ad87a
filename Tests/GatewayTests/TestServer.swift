import Foundation
import Logging
@testable import Gateway

/// A server on a fresh temporary data directory.
final class TestServer: Sendable {
    let directory: String
    let server: SextantServer

    init(_ name: String = #function, now: @escaping @Sendable () -> Int64 = SextantServer.wallClock, configure: (inout SextantConfig) -> Void = { _ in }) throws {
        directory = FileManager.default.temporaryDirectory.path + "/sextant-gw-\(name.filter(\.isLetter))-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var config = SextantConfig()
        config.storage.path = directory + "/data"
        config.server.listen = "127.0.0.1:0"
        configure(&config)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        server = try SextantServer(config: config, logger: logger, now: now)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}
