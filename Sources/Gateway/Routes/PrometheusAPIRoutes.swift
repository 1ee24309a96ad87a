import Collector
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Query
import TSDB

/// The Prometheus-compatible HTTP API: PromQL queries, series and label metadata, targets,
/// TSDB status. Responses and errors keep Prometheus's own envelope, so Grafana's
/// Prometheus data source works unmodified.
struct PrometheusAPIRoutes {
    let store: Store
    let scrapes: ScrapeManager
    let engine: Engine
    let cache: QueryRangeCache
    /// Newest data (ms) the range cache must never keep: the lookback window plus the
    /// out-of-order window, where samples can still arrive.
    let cacheFreshness: Int64
    let now: @Sendable () -> Int64

    func register(on router: Router<SextantContext>, table: RouteTable) {
        for method in [HTTPRequest.Method.get, .post] {
            router.on("/api/v1/query", method: method, table: table) { request, context in
                await respond { () async throws(PrometheusAPIError) in try await query(request, context) }
            }
            router.on("/api/v1/query_range", method: method, table: table) { request, context in
                await respond { () async throws(PrometheusAPIError) in try await queryRange(request, context) }
            }
            router.on("/api/v1/series", method: method, table: table) { request, context in
                await respond { () async throws(PrometheusAPIError) in try await series(request, context) }
            }
            router.on("/api/v1/labels", method: method, table: table) { request, context in
                await respond { () async throws(PrometheusAPIError) in try await labels(request, context) }
            }
            router.on("/api/v1/query_exemplars", method: method, table: table) { request, context in
                await respond { () async throws(PrometheusAPIError) in
                    let parameters = try await Self.parameters(request, context)
                    guard parameters["query"] != nil else { throw .badData("invalid parameter \"query\": unknown position: parse error: no expression found in input") }
                    return PrometheusJSON.success { $0.raw("[]") }
                }
            }
        }
        router.on("/api/v1/label/{name}/values", method: .get, table: table) { request, context in
            await respond { () async throws(PrometheusAPIError) in try await labelValues(request, context) }
        }
        router.on("/api/v1/metadata", method: .get, table: table) { request, context in
            await respond { () async throws(PrometheusAPIError) in try await metadata(request, context) }
        }
        router.on("/api/v1/targets", method: .get, table: table) { request, context in
            await respond { () async throws(PrometheusAPIError) in try await targets(request, context) }
        }
        router.on("/api/v1/status/tsdb", method: .get, table: table) { _, _ in
            await respond { () async throws(PrometheusAPIError) in tsdbStatus() }
        }
        // Prometheus's admin snapshot: blocks hard-linked, the head written as blocks, under
        // <data>/snapshots/<name>; the name is returned.
        router.on("/api/v1/admin/tsdb/snapshot", method: .post, table: table) { _, _ in
            await respond { () async throws(PrometheusAPIError) in
                var generator = SystemRandomNumberGenerator()
                let formatter = DateFormatter()
                formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
                formatter.timeZone = TimeZone(identifier: "UTC")
                let name = formatter.string(from: Date(timeIntervalSince1970: Double(now()) / 1000)) + "-" + String(generator.next() as UInt64, radix: 16)
                do {
                    _ = try store.snapshot(to: store.options.path + "/snapshots/" + name, now: now())
                } catch {
                    throw .internal("create snapshot: \(error)")
                }
                return PrometheusJSON.success { json in
                    json.raw(#"{"name":"#)
                    json.string(name)
                    json.raw("}")
                }
            }
        }
        // Deletion is applied at once (head now, blocks rewritten), so there are no
        // tombstones left to clean; both answer 204 as Prometheus does.
        for method in [HTTPRequest.Method.post, .put] {
            router.on("/api/v1/admin/tsdb/delete_series", method: method, table: table) { request, context in
                do {
                    let p = try await Self.parameters(request, context)
                    let sets = try p.matcherSets(required: true)
                    let (start, end) = try Self.range(p)
                    for matchers in sets {
                        do {
                            try store.deleteSeries(matchers, mint: start, maxt: end, now: now())
                        } catch {
                            throw PrometheusAPIError.internal("delete series: \(error)")
                        }
                    }
                    cache.clear()
                    return Response(status: .noContent)
                } catch let error as PrometheusAPIError {
                    return error.response()
                }
            }
            router.on("/api/v1/admin/tsdb/clean_tombstones", method: method, table: table) { _, _ in
                Response(status: .noContent)
            }
        }
        router.on("/cache/metrics", method: .get, table: table) { _, _ in
            let c = cache.counters
            let lookups = c.hits + c.partialHits + c.misses
            return json(CacheMetrics(query_range: .init(
                hits: c.hits, partial_hits: c.partialHits, misses: c.misses, uncacheable: c.uncacheable,
                hit_rate: lookups == 0 ? 0 : Double(c.hits + c.partialHits) / Double(lookups),
                entries: c.entries, cached_points: c.points, max_points: cache.maxPoints
            )))
        }
    }

    // MARK: handlers

    private func query(_ request: Request, _ context: SextantContext) async throws(PrometheusAPIError) -> [UInt8] {
        let p = try await Self.parameters(request, context)
        guard let text = p["query"], !text.isEmpty else {
            throw .badData("invalid parameter \"query\": 1:1: parse error: no expression found in input")
        }
        let time = try p.time("time", default: now())
        let engine = try engine(timeout: p.duration("timeout"))
        let result: QueryResult
        do {
            result = try engine.instant(text, at: time, querier: store.querier())
        } catch {
            throw Self.translate(error)
        }
        return PrometheusJSON.success(capacity: 1024) { $0.result(result) }
    }

    private func queryRange(_ request: Request, _ context: SextantContext) async throws(PrometheusAPIError) -> [UInt8] {
        let p = try await Self.parameters(request, context)
        guard let text = p["query"], !text.isEmpty else {
            throw .badData("invalid parameter \"query\": 1:1: parse error: no expression found in input")
        }
        guard p["start"] != nil else { throw .badData("invalid parameter \"start\": cannot parse \"\" to a valid timestamp") }
        guard p["end"] != nil else { throw .badData("invalid parameter \"end\": cannot parse \"\" to a valid timestamp") }
        let start = try p.time("start", default: 0)
        let end = try p.time("end", default: 0)
        guard end >= start else { throw .badData("invalid parameter \"end\": end timestamp must not be before start time") }
        guard let step = try p.duration("step") else {
            throw .badData("invalid parameter \"step\": cannot parse \"\" to a valid duration")
        }
        guard step > 0 else {
            throw .badData("invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer")
        }
        // As Prometheus: refuse before evaluating anything.
        if (end - start) / step > 11_000 {
            throw .badData("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
        }
        let engine = try engine(timeout: p.duration("timeout"))
        let result: QueryResult
        do {
            let querier = store.querier()
            result = try cache.range(text, start: start, end: end, step: step, now: now(), freshness: cacheFreshness) { (from, to) throws(QueryError) in
                try engine.range(text, start: from, end: to, step: step, querier: querier)
            }
        } catch {
            throw Self.translate(error)
        }
        return PrometheusJSON.success(capacity: 4096) { $0.result(result) }
    }

    private func series(_ request: Request, _ context: SextantContext) async throws(PrometheusAPIError) -> [UInt8] {
        let p = try await Self.parameters(request, context)
        let sets = try p.matcherSets(required: true)
        let (start, end) = try Self.range(p)
        let limit = try p.limit()
        var found = Set<Labels>()
        for matchers in sets {
            let selected: [StoredSeries]
            do {
                selected = try store.querier().select(matchers, mint: start, maxt: end, hints: SelectHints(seriesOnly: true))
            } catch {
                throw .internal("\(error)")
            }
            for s in selected { found.insert(s.labels) }
        }
        var sorted = found.sorted()
        if let limit { sorted = Array(sorted.prefix(limit)) }
        return PrometheusJSON.success(capacity: 64 * sorted.count + 64) { json in
            json.raw("[")
            for (i, labels) in sorted.enumerated() {
                if i > 0 { json.raw(",") }
                json.labels(labels)
            }
            json.raw("]")
        }
    }

    private func labels(_ request: Request, _ context: SextantContext) async throws(PrometheusAPIError) -> [UInt8] {
        let p = try await Self.parameters(request, context)
        let sets = try p.matcherSets(required: false)
        let (start, end) = try Self.range(p)
        var names: [String] = []
        do {
            for matchers in sets.isEmpty ? [[]] : sets {
                names += try store.querier().labelNames(matching: matchers, mint: start, maxt: end)
            }
        } catch {
            throw .internal("\(error)")
        }
        var sorted = names.uniqueByteSorted()
        if let limit = try p.limit() { sorted = Array(sorted.prefix(limit)) }
        return PrometheusJSON.success { $0.stringArray(sorted) }
    }

    private func labelValues(_ request: Request, _ context: SextantContext) async throws(PrometheusAPIError) -> [UInt8] {
        let name = context.parameters.get("name") ?? ""
        guard Labels.isValidLabelName(name) || name == Labels.metricName else {
            throw .badData("invalid label name: \"\(name)\"")
        }
        let p = try await Self.parameters(request, context)
        let sets = try p.matcherSets(required: false)
        let (start, end) = try Self.range(p)
        var values: [String] = []
        do {
            for matchers in sets.isEmpty ? [[]] : sets {
                values += try store.querier().labelValues(name, matching: matchers, mint: start, maxt: end)
            }
        } catch {
            throw .internal("\(error)")
        }
        // By bytes: two spellings of `café` are two values, ordered as Prometheus orders them.
        var sorted = values.uniqueByteSorted()
        if let limit = try p.limit() { sorted = Array(sorted.prefix(limit)) }
        return PrometheusJSON.success { $0.stringArray(sorted) }
    }

    private func metadata(_ request: Request, _ context: SextantContext) async throws(PrometheusAPIError) -> [UInt8] {
        let p = try await Self.parameters(request, context)
        var limit: Int? = nil
        if let text = p["limit"], !text.isEmpty {
            guard let n = Int(text) else { throw .badData("limit must be a number") }
            limit = n < 0 ? nil : n
        }
        let entries = scrapes.metadata.metadata(metric: p["metric"].flatMap { $0.isEmpty ? nil : $0 }, limit: limit)
        return PrometheusJSON.success { json in
            json.raw("{")
            for (i, name) in entries.keys.sorted().enumerated() {
                if i > 0 { json.raw(",") }
                json.string(name)
                json.raw(":[")
                for (j, entry) in entries[name]!.enumerated() {
                    if j > 0 { json.raw(",") }
                    json.raw(#"{"type":"#)
                    json.string(entry.type)
                    json.raw(#","help":"#)
                    json.string(entry.help)
                    json.raw(#","unit":"#)
                    json.string(entry.unit)
                    json.raw("}")
                }
                json.raw("]")
            }
            json.raw("}")
        }
    }

    private func targets(_ request: Request, _ context: SextantContext) async throws(PrometheusAPIError) -> [UInt8] {
        let p = try await Self.parameters(request, context)
        let state = p["state"] ?? "any"
        guard ["any", "active", "dropped", ""].contains(state) else { throw .badData("invalid parameter \"state\": \(state)") }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let active = state == "dropped" ? [] : scrapes.targets
        return PrometheusJSON.success { json in
            json.raw(#"{"activeTargets":["#)
            for (i, health) in active.enumerated() {
                if i > 0 { json.raw(",") }
                let target = health.target
                json.raw(#"{"discoveredLabels":"#)
                json.labels(Labels([Label("__address__", target.address), Label("__metrics_path__", URL(string: target.url)?.path ?? "/metrics"),
                                    Label("__scheme__", target.url.hasPrefix("https") ? "https" : "http"), Label("job", target.job)]))
                json.raw(#","labels":"#)
                json.labels(target.labels)
                json.raw(#","scrapePool":"#)
                json.string(target.job)
                json.raw(#","scrapeUrl":"#)
                json.string(target.url)
                json.raw(#","globalUrl":"#)
                json.string(target.url)
                json.raw(#","lastError":"#)
                json.string(health.lastError)
                json.raw(#","lastScrape":"#)
                json.string(health.lastScrape.map { formatter.string(from: Date(timeIntervalSince1970: Double($0) / 1000)) } ?? "0001-01-01T00:00:00Z")
                json.raw(#","lastScrapeDuration":"#)
                json.bytes.append(contentsOf: String(health.lastScrapeDuration).utf8)
                json.raw(#","health":"#)
                json.string(health.state.rawValue)
                json.raw(#","scrapeInterval":"#)
                json.string(ConfigValues.formatDuration(target.interval))
                json.raw(#","scrapeTimeout":"#)
                json.string(ConfigValues.formatDuration(target.timeout))
                json.raw("}")
            }
            json.raw(#"],"droppedTargets":[]}"#)
        }
    }

    private func tsdbStatus() -> [UInt8] {
        let stats = store.headStatistics(top: 10)
        return PrometheusJSON.success { json in
            json.raw(#"{"headStats":{"numSeries":"#)
            json.int(Int64(stats.numSeries))
            json.raw(#","numLabelPairs":"#)
            json.int(Int64(stats.numLabelPairs))
            json.raw(#","chunkCount":"#)
            json.int(Int64(stats.chunkCount))
            json.raw(#","minTime":"#)
            json.int(stats.minTime ?? Int64.max)
            json.raw(#","maxTime":"#)
            json.int(stats.maxTime ?? Int64.min)
            json.raw("}")
            for (key, entries) in [("seriesCountByMetricName", stats.seriesCountByMetricName),
                                   ("labelValueCountByLabelName", stats.labelValueCountByLabelName),
                                   ("memoryInBytesByLabelName", stats.memoryInBytesByLabelName),
                                   ("seriesCountByLabelValuePair", stats.seriesCountByLabelValuePair)] {
                json.raw(",")
                json.string(key)
                json.raw(":[")
                for (i, entry) in entries.enumerated() {
                    if i > 0 { json.raw(",") }
                    json.raw(#"{"name":"#)
                    json.string(entry.name)
                    json.raw(#","value":"#)
                    json.int(Int64(entry.value))
                    json.raw("}")
                }
                json.raw("]")
            }
            // Beyond Prometheus's fields: the store as a whole, the figures /metrics exports.
            json.raw(#","storage":{"#)
            for (i, (key, value)) in Self.storageFigures(store.stats).enumerated() {
                if i > 0 { json.raw(",") }
                json.string(key)
                json.raw(":")
                json.int(Int64(value))
            }
            json.raw("}}")
        }
    }

    static func storageFigures(_ stats: StoreStats) -> KeyValuePairs<String, Int> {
        [
            "headSeries": stats.series, "headSamples": stats.headSamples, "samplesAppended": stats.counters.samplesAppended,
            "blocks": stats.blocks, "rollupBlocks": stats.rollupBlocks, "blockSamples": stats.blockSamples,
            "blockBytes": stats.blockBytes, "walBytes": stats.walBytes, "compactions": stats.compaction.passes,
            "compactionsFailed": stats.compaction.failed, "walCorruptions": stats.walCorruptions,
            "corruptBlocks": stats.corruptBlocks, "outOfOrderRejected": stats.counters.outOfOrderRejected,
            "duplicateRejected": stats.counters.duplicateRejected, "invalidSeriesRejected": stats.counters.invalidLabelsRejected,
        ]
    }

    // MARK: helpers

    private func engine(timeout: Int64?) throws(PrometheusAPIError) -> Engine {
        guard let timeout else { return engine }
        guard timeout > 0 else { throw .badData("invalid parameter \"timeout\": timeout must be positive") }
        var options = engine.options
        options.timeout = min(options.timeout, .milliseconds(timeout))
        return Engine(options: options)
    }

    private static func parameters(_ request: Request, _ context: SextantContext) async throws(PrometheusAPIError) -> PrometheusParameters {
        do {
            return try await PrometheusParameters.from(request, context: context)
        } catch {
            throw .badData("error parsing form values: \(error)")
        }
    }

    private static func range(_ p: PrometheusParameters) throws(PrometheusAPIError) -> (Int64, Int64) {
        let start = try p.time("start", default: PrometheusParameters.minTime)
        let end = try p.time("end", default: PrometheusParameters.maxTime)
        guard end >= start else { throw .badData("invalid parameter \"end\": end timestamp must not be before start time") }
        return (start, end)
    }

    static func translate(_ error: QueryError) -> PrometheusAPIError {
        switch error.type {
        case "bad_data": .badData(error.apiMessage)
        case "timeout": .timeout(error.apiMessage)
        case "canceled": .canceled(error.apiMessage)
        case "execution": .execution(error.apiMessage)
        default: .internal(error.apiMessage)
        }
    }

    private func respond(_ body: () async throws(PrometheusAPIError) -> [UInt8]) async -> Response {
        do {
            let bytes = try await body()
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        } catch {
            return error.response()
        }
    }
}

/// `GET /cache/metrics`: the query_range cache's effectiveness.
struct CacheMetrics: Encodable {
    struct RangeCache: Encodable {
        let hits: Int
        let partial_hits: Int
        let misses: Int
        let uncacheable: Int
        /// Share of cacheable lookups served at least partly from the cache.
        let hit_rate: Double
        let entries: Int
        let cached_points: Int
        let max_points: Int
    }
    let query_range: RangeCache
}
