import Collector
import Foundation
import Logging
import ServiceLifecycle
import TSDB

/// Collects the host's /proc and statfs figures under node-exporter's names every
/// `collector.host_interval`, labelled `job="node"` and `instance="<hostname>"`, so
/// node-exporter dashboards and rules work without running node-exporter.
struct HostCollectorService: Service {
    let store: Store
    let interval: Int64
    let logger: Logger
    let now: @Sendable () -> Int64

    static var hostname: String { ProcessInfo.processInfo.hostName }

    func run() async throws {
        var collector = HostCollector()
        let labels = [Label("instance", Self.hostname), Label("job", "node")]
        var reported = Set<String>()
        await AlignedTicker(interval: interval, now: now).run { next in
            // statfs on a hung network mount blocks: keep it off the cooperative pool.
            let (result, updated) = await Task.detached { [collector, store, labels] in
                var collector = collector
                var appender = store.appender()
                let result = collector.write(into: &appender, at: next, extraLabels: labels)
                do { try appender.commit() } catch {
                    return (HostWriteResult(errors: [HostCollectorError(file: "(store)", reason: "\(error)")]), collector)
                }
                return (result, collector)
            }.value
            collector = updated
            for error in result.errors where reported.insert(error.description).inserted {
                logger.warning("host collector source failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
