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
        var scraped = 0, kept = 0
        if case .success(let response) = outcome {
            do {
                (scraped, kept) = try ingest(response.body, contentType: response.contentType, at: timestamp, into: &appender, seen: &seen)
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
            ("scrape_samples_post_metric_relabeling", Double(kept)), ("scrape_series_added", Double(added)),
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

    /// Parses and appends; returns the samples scraped and those left after metric
    /// relabeling. Throws on a parse error or a broken limit, which fails the whole scrape
    /// as Prometheus does (the limits apply to what metric relabeling keeps).
    func ingest(
        _ body: [UInt8], contentType: String?, at timestamp: Int64, into appender: inout StoreAppender, seen: inout Set<Labels>
    ) throws(ScrapeError) -> (scraped: Int, kept: Int) {
        var parser = ExpositionParser(body, format: ExpositionFormat(contentType: contentType), limits: limits)
        var count = 0, kept = 0
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
            var final = attachTargetLabels(labels)
            if !target.metricRelabelConfigs.isEmpty {
                var map: [String: String] = [:]
                for label in final { map[label.name] = label.value }
                guard let relabeled = Relabeler.apply(target.metricRelabelConfigs, to: map) else { continue }
                final = Labels(relabeled.filter { !$0.value.isEmpty })
            }
            kept += 1
            if target.sampleLimit > 0 && kept > target.sampleLimit {
                throw .sampleLimit(target.sampleLimit)
            }
            try checkLabelLimits(final)
            let timestampToUse = target.honorTimestamps ? explicitTime : nil
            // A sample the store refuses (out of order, duplicate) is dropped and counted by
            // the store; the rest of the scrape still lands, as in Prometheus.
            if (try? appender.append(.unknown, final, timestampToUse ?? timestamp, value)) != nil {
                if timestampToUse == nil { seen.insert(final) }
            }
        }
        return (count, kept)
    }

    /// `label_limit`, `label_name_length_limit` and `label_value_length_limit` (lengths in
    /// bytes, as Prometheus counts them); 0 turns a limit off.
    func checkLabelLimits(_ labels: Labels) throws(ScrapeError) {
        let metric = labels[Labels.metricName] ?? ""
        if target.labelLimit > 0 && labels.count > target.labelLimit {
            throw .labelLimit(metric: metric, count: labels.count, limit: target.labelLimit)
        }
        guard target.labelNameLengthLimit > 0 || target.labelValueLengthLimit > 0 else { return }
        for label in labels {
            let nameLength = label.name.utf8.count
            if target.labelNameLengthLimit > 0 && nameLength > target.labelNameLengthLimit {
                throw .labelNameLength(metric: metric, name: label.name, length: nameLength, limit: target.labelNameLengthLimit)
            }
            let valueLength = label.value.utf8.count
            if target.labelValueLengthLimit > 0 && valueLength > target.labelValueLengthLimit {
                throw .labelValueLength(metric: metric, name: label.name, length: valueLength, limit: target.labelValueLengthLimit)
            }
        }
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
    case labelLimit(metric: String, count: Int, limit: Int)
    case labelNameLength(metric: String, name: String, length: Int, limit: Int)
    case labelValueLength(metric: String, name: String, length: Int, limit: Int)
    case storage(String)

    var description: String {
        switch self {
        case .transport(let reason): "scrape failed: \(reason)"
        case .timeout(let ms): "scrape timed out after \(ms) ms"
        case .status(let code, let reason): "server returned HTTP status \(code) \(reason)"
        case .bodyTooLarge(let limit): "response body larger than \(limit) bytes"
        case .parse(let error): "invalid exposition: \(error)"
        case .sampleLimit(let limit): "sample_limit exceeded: more than \(limit) samples left after metric relabeling"
        case .labelLimit(let metric, let count, let limit):
            "label_limit exceeded: a series of \(Self.quoted(metric)) has \(count) labels, the limit is \(limit)"
        case .labelNameLength(let metric, let name, let length, let limit):
            "label_name_length_limit exceeded: a series of \(Self.quoted(metric)) has a label name \(Self.quoted(name)) of \(length) bytes, the limit is \(limit)"
        case .labelValueLength(let metric, let name, let length, let limit):
            "label_value_length_limit exceeded: a series of \(Self.quoted(metric)) has a value of \(length) bytes for label \(Self.quoted(name)), the limit is \(limit)"
        case .storage(let reason): "storing the scrape failed: \(reason)"
        }
    }
    /// A name taken from the scraped data, cut to 50 characters: a hostile target's
    /// megabyte-long label must not become a megabyte-long error.
    static func quoted(_ text: String) -> String {
        text.count <= 50 ? "\"\(text)\"" : "\"\(text.prefix(50))…\""
    }
}
