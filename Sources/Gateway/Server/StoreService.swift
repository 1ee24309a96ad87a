import Logging
import ServiceLifecycle
import TSDB

/// Keeps the WAL synced on the configured interval and closes the store (a final fsync)
/// when the service group shuts down, cancelled or not.
struct StoreService: Service {
    let store: Store
    let logger: Logger
    let now: @Sendable () -> Int64

    func run() async throws {
        let tick: Duration = if case .interval(let ms) = store.options.walSync { .milliseconds(max(ms, 10)) } else { .seconds(1) }
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                do { try await Task.sleep(for: tick) } catch { break }
                do { try store.sync(now: now()) } catch { logger.error("WAL sync failed", metadata: ["error": "\(error)"]) }
            }
        } onGracefulShutdown: {}
        do {
            try store.close()
        } catch {
            logger.error("closing the store failed", metadata: ["error": "\(error)"])
        }
    }
}

/// Closes the catalog at shutdown.
struct CatalogService: Service {
    let close: @Sendable () throws -> Void
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        do { try close() } catch { logger.error("closing the catalog failed", metadata: ["error": "\(error)"]) }
    }
}
