import Logging
import ServiceLifecycle
import TSDB

/// Keeps the WAL synced on the configured interval, runs compaction (head cuts, block
/// merges, retention) every `compactionInterval`, and closes the store (a final fsync) when
/// the service group shuts down, cancelled or not.
struct StoreService: Service {
    let store: Store
    let logger: Logger
    let now: @Sendable () -> Int64
    var compactionInterval: Int64 = 60_000

    func run() async throws {
        let tick: Duration = if case .interval(let ms) = store.options.walSync { .milliseconds(max(ms, 10)) } else { .seconds(1) }
        var lastCompaction = now()
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                do { try await Task.sleep(for: tick) } catch { break }
                do { try store.sync(now: now()) } catch { logger.error("WAL sync failed", metadata: ["error": "\(error)"]) }
                if now() - lastCompaction >= compactionInterval {
                    lastCompaction = now()
                    // Compaction writes whole blocks; keep it off the cooperative pool's hot path.
                    let store = store, logger = logger, time = lastCompaction
                    await Task.detached(priority: .background) {
                        do { try store.compact(now: time) } catch { logger.error("compaction failed", metadata: ["error": "\(error)"]) }
                    }.value
                }
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
