import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TSDB

/// Scrapes one target and writes what it found, Prometheus's way: target labels attached,
/// `up` and the `scrape_*` series, and a stale marker for every series that vanished.
struct ScrapeLoop {
    let target: ScrapeTarget
    let store: Store
    let client: HTTPClient
    let limits: ExpositionLimits
    let metadata: MetricMetadataStore
    /// Series written by the previous scrape, for staleness.
    private var previous: Set<Labels> = []

    init(target: ScrapeTarget, store: Store, client: HTTPClient, metadata: MetricMetadataStore, limits: ExpositionLimits = .init()) {
        self.target = target
        self.store = store
        self.client = client
        self.metadata = metadata
        self.limits = limits
    }

    /// Runs one scrape starting at `timestamp` (ms) and returns the target's new health.
    mutating func scrape(at timestamp: Int64, health: TargetHealth) async -> TargetHealth {
        let started = ContinuousClock.now
        var health = health
        var outcome: Result<(body: [UInt8], contentType: String?), ScrapeError>
        do {
            outcome = .success(try await fetch())
        } catch let error as ScrapeError {
            outcome = .failure(error)
        } catch {
            outcome = .failure(.transport("\(error)"))
        }
        var appender = store.appender()
        var seen: Set<Labels> = []
        var scraped = 0
        if case .success(let response) = outcome {
            do {
                scraped = try ingest(response.body, contentType: response.contentType, at: timestamp, into: &appender, seen: &seen)
            } catch {
                appender.rollback()
                seen = []
                outcome = .failure(error)
            }
        }
        // Series that were there last time and are gone now (all of them when the scrape
        // failed) get a stale marker so queries stop returning them at once.
        for labels in previous.subtracting(seen) {
            _ = try? appender.append(.unknown, labels, timestamp, StaleMarker.value)
        }
        let seconds = Self.seconds(ContinuousClock.now - started)
        let added = seen.subtracting(previous).count
        let up: Double = if case .success = outcome { 1 } else { 0 }
        let report: [(String, Double)] = [
            ("up", up), ("scrape_duration_seconds", seconds), ("scrape_samples_scraped", Double(scraped)),
            ("scrape_samples_post_metric_relabeling", Double(scraped)), ("scrape_series_added", Double(added)),
        ]
        for (name, value) in report {
            _ = try? appender.append(.unknown, target.labels.setting(Labels.metricName, to: name), timestamp, value)
        }
        do {
            try appender.commit()
        } catch {
            outcome = .failure(.storage("\(error)"))
        }
        previous = seen
        health.lastScrape = timestamp
        health.lastScrapeDuration = seconds
        health.lastSamples = scraped
        switch outcome {
        case .success:
            health.state = .up
            health.lastError = ""
        case .failure(let error):
            health.state = .down
            health.lastError = error.description
        }
        return health
    }

    private func fetch() async throws -> (body: [UInt8], contentType: String?) {
        var request = HTTPClientRequest(url: target.url)
        request.headers.add(name: "Accept", value: ExpositionFormat.acceptHeader)
        request.headers.add(name: "Accept-Encoding", value: "gzip")
        request.headers.add(name: "User-Agent", value: "Sextant")
        request.headers.add(name: "X-Prometheus-Scrape-Timeout-Seconds", value: String(Double(target.timeout) / 1000))
        if let authorization = target.authorization { request.headers.add(name: "Authorization", value: authorization) }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .milliseconds(target.timeout))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw ScrapeError.timeout(milliseconds: target.timeout)
        } catch {
            throw ScrapeError.transport("\(error)")
        }
        guard response.status == .ok else {
            throw ScrapeError.status(Int(response.status.code), response.status.reasonPhrase)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: limits.maxBodySize)
        } catch {
            throw ScrapeError.bodyTooLarge(limit: limits.maxBodySize)
        }
        return (Array(buffer.readableBytesView), response.headers.first(name: "Content-Type"))
    }

    /// Parses and appends; throws on a parse error or a broken limit, which fails the
    /// whole scrape as Prometheus does.
    private func ingest(_ body: [UInt8], contentType: String?, at timestamp: Int64, into appender: inout StoreAppender, seen: inout Set<Labels>) throws(ScrapeError) -> Int {
        var parser = ExpositionParser(body, format: ExpositionFormat(contentType: contentType), limits: limits)
        var count = 0
        var described: [String: MetricMetadataStore.Entry] = [:]
        defer { metadata.update(target: target.url, described) }
        while true {
            let entry: ExpositionEntry?
            do { entry = try parser.next() } catch { throw .parse(error) }
            guard let entry else { break }
            let labels: Labels, explicitTime: Int64?, value: Double
            switch entry {
            case .sample(let l, let t, let v):
                (labels, explicitTime, value) = (l, t, v)
            case .type(let metric, let type):
                described[metric, default: .init(type: "unknown", help: "", unit: "")].type = type.rawValue
                continue
            case .help(let metric, let text):
                described[metric, default: .init(type: "unknown", help: "", unit: "")].help = text
                continue
            case .unit(let metric, let unit):
                described[metric, default: .init(type: "unknown", help: "", unit: "")].unit = unit
                continue
            }
            count += 1
            if target.sampleLimit > 0 && count > target.sampleLimit {
                throw .sampleLimit(target.sampleLimit)
            }
            var final = attachTargetLabels(labels)
            if !target.metricRelabelConfigs.isEmpty {
                var map: [String: String] = [:]
                for label in final { map[label.name] = label.value }
                guard let relabeled = Relabeler.apply(target.metricRelabelConfigs, to: map) else { continue }
                final = Labels(relabeled.filter { !$0.value.isEmpty })
            }
            if target.labelLimit > 0 && final.count > target.labelLimit {
                throw .labelLimit(final.count, target.labelLimit)
            }
            let timestampToUse = target.honorTimestamps ? explicitTime : nil
            // A sample the store refuses (out of order, duplicate) is dropped and counted by
            // the store; the rest of the scrape still lands, as in Prometheus.
            if (try? appender.append(.unknown, final, timestampToUse ?? timestamp, value)) != nil {
                if timestampToUse == nil { seen.insert(final) }
            }
        }
        return count
    }

    /// Adds the target's labels. On a clash the target wins and the scraped value moves to
    /// `exported_<name>`, unless `honor_labels` keeps the scraped one.
    func attachTargetLabels(_ scraped: Labels) -> Labels {
        var result = scraped
        for label in target.labels {
            if let existing = scraped[label.name] {
                if target.honorLabels { continue }
                result = result.setting("exported_" + label.name, to: existing)
            }
            result = result.setting(label.name, to: label.value)
        }
        return result
    }

    static func seconds(_ duration: Duration) -> Double {
        let (s, attoseconds) = duration.components
        return Double(s) + Double(attoseconds) / 1e18
    }
}

/// Why a scrape failed, as the target's `lastError` tells it.
enum ScrapeError: Error, CustomStringConvertible {
    case transport(String)
    case timeout(milliseconds: Int64)
    case status(Int, String)
    case bodyTooLarge(limit: Int)
    case parse(ExpositionError)
    case sampleLimit(Int)
    case labelLimit(Int, Int)
    case storage(String)

    var description: String {
        switch self {
        case .transport(let reason): "scrape failed: \(reason)"
        case .timeout(let ms): "scrape timed out after \(ms) ms"
        case .status(let code, let reason): "server returned HTTP status \(code) \(reason)"
        case .bodyTooLarge(let limit): "response body larger than \(limit) bytes"
        case .parse(let error): "invalid exposition: \(error)"
        case .sampleLimit(let limit): "sample limit of \(limit) exceeded"
        case .labelLimit(let count, let limit): "a series has \(count) labels, more than label_limit \(limit)"
        case .storage(let reason): "storing the scrape failed: \(reason)"
        }
    }
}
