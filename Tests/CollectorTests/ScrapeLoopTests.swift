import AsyncHTTPClient
import Foundation
import Testing
import TSDB
@testable import Collector

/// What one scrape body does to a real store: limits fail the whole scrape and leave the
/// store as it was, metric relabeling counts before the limits, as Prometheus.
struct ScrapeLoopTests {
    static let body = Array("""
        # TYPE node_load1 gauge
        node_load1 0.5
        node_filesystem_avail_bytes{device="/dev/vda1",mountpoint="/"} 1.2e10
        node_filesystem_avail_bytes{device="/dev/vda2",mountpoint="/srv/a-rather-long-mount-point-name"} 3.4e10
        go_gc_duration_seconds{quantile="0.5"} 0.001

        """.utf8)

    final class Fixture {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sextant-scrape-\(UUID().uuidString)").path
        let store: Store
        init() throws { store = try Store(options: StoreOptions(path: path)) }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        func stored() throws -> [Labels: [Sample]] {
            var out: [Labels: [Sample]] = [:]
            for series in try store.querier().select([try LabelMatcher(.regexMatch, "__name__", ".+")], mint: .min, maxt: .max, hints: .init()) {
                var cursor = series.samples
                out[series.labels] = cursor.collect()
            }
            return out
        }
    }

    func target(_ configure: (inout ScrapeConfig) -> Void = { _ in }) -> ScrapeTarget {
        var config = ScrapeConfig(jobName: "node", staticConfigs: [.init(targets: ["127.0.0.1:9100"])])
        configure(&config)
        return config.targets[0]
    }

    /// Runs `ingest` the way a scrape does: commit on success, roll back on a failure.
    func ingest(_ target: ScrapeTarget, into fixture: Fixture, at time: Int64) -> Result<(scraped: Int, kept: Int), ScrapeError> {
        let loop = ScrapeLoop(target: target, store: fixture.store, client: HTTPClient.shared, metadata: MetricMetadataStore())
        var appender = fixture.store.appender()
        var seen: Set<Labels> = []
        do {
            let counts = try loop.ingest(Self.body, contentType: "text/plain; version=0.0.4", at: time, into: &appender, seen: &seen)
            try? appender.commit()
            return .success(counts)
        } catch {
            appender.rollback()
            return .failure(error)
        }
    }

    @Test func withoutLimitsEverySampleLandsWithTheTargetLabels() throws {
        let fixture = try Fixture()
        let result = try ingest(target(), into: fixture, at: 1_000).get()
        #expect(result.scraped == 4 && result.kept == 4)
        let stored = try fixture.stored()
        #expect(stored.count == 4)
        let load = Labels(["__name__": "node_load1", "instance": "127.0.0.1:9100", "job": "node"])
        #expect(stored[load] == [Sample(1_000, 0.5)])
    }

    @Test func eachLabelLimitFailsTheScrapeWithItsNameAndKeepsEarlierData() throws {
        let fixture = try Fixture()
        _ = try ingest(target(), into: fixture, at: 1_000).get()
        let before = try fixture.stored()

        let cases: [(ScrapeTarget, String)] = [
            // __name__, device, mountpoint, instance, job
            (target { $0.labelLimit = 4 }, #"label_limit exceeded: a series of "node_filesystem_avail_bytes" has 5 labels, the limit is 4"#),
            (target { $0.labelNameLengthLimit = 9 },
             #"label_name_length_limit exceeded: a series of "node_filesystem_avail_bytes" has a label name "mountpoint" of 10 bytes, the limit is 9"#),
            (target { $0.labelValueLengthLimit = 30 },
             #"label_value_length_limit exceeded: a series of "node_filesystem_avail_bytes" has a value of 35 bytes for label "mountpoint", the limit is 30"#),
            (target { $0.sampleLimit = 3 }, "sample_limit exceeded: more than 3 samples left after metric relabeling"),
        ]
        for (limited, message) in cases {
            guard case .failure(let error) = ingest(limited, into: fixture, at: 16_000) else {
                Issue.record("expected \(message)")
                continue
            }
            #expect(error.description.hasPrefix(message), "\(error)")
        }
        #expect(try fixture.stored() == before, "a failed scrape must not store any of its samples")
    }

    @Test func limitsCountWhatMetricRelabelingKeeps() throws {
        let fixture = try Fixture()
        let dropGo = try RelabelConfig(sourceLabels: ["__name__"], regex: RelabelRegex("go_.*"), action: .drop)
        let dropMountpoint = try RelabelConfig(regex: RelabelRegex("mountpoint"), action: .labeldrop)
        let limited = target {
            $0.sampleLimit = 3
            $0.labelLimit = 4
            $0.labelValueLengthLimit = 30
            $0.metricRelabelConfigs = [dropGo, dropMountpoint]
        }
        let result = try ingest(limited, into: fixture, at: 1_000).get()
        #expect(result.scraped == 4)
        #expect(result.kept == 3)
        #expect(try fixture.stored().keys.allSatisfy { $0["mountpoint"] == nil && $0["__name__"] != "go_gc_duration_seconds" })
    }

    @Test func hostileLabelNamesAreShortenedInTheError() {
        let error = ScrapeError.labelValueLength(metric: String(repeating: "m", count: 10_000), name: "x", length: 1, limit: 0)
        #expect(error.description.count < 200)
        #expect(error.description.contains(String(repeating: "m", count: 50) + "…"))
    }
}
