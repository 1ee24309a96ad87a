import Synchronization

/// What targets said about their metrics (`# TYPE`, `# HELP`, `# UNIT`), for
/// `/api/v1/metadata`. Prometheus keeps the metadata of the latest scrape per target; so does
/// this, merging targets that agree.
public final class MetricMetadataStore: Sendable {
    public struct Entry: Sendable, Hashable {
        public var type: String
        public var help: String
        public var unit: String
    }

    private let byTarget = Mutex<[String: [String: Entry]]>([:])

    public init() {}

    /// Replaces what `target` said with `entries` (metric name → metadata).
    func update(target: String, _ entries: [String: Entry]) {
        byTarget.withLock { $0[target] = entries }
    }

    func remove(target: String) {
        byTarget.withLock { $0[target] = nil }
    }

    /// Metric name → its distinct metadata, optionally for one metric and at most `limit` metrics.
    public func metadata(metric: String? = nil, limit: Int? = nil) -> [String: [Entry]] {
        var merged: [String: Set<Entry>] = [:]
        byTarget.withLock { targets in
            for entries in targets.values {
                for (name, entry) in entries where metric == nil || metric == name {
                    merged[name, default: []].insert(entry)
                }
            }
        }
        var names = merged.keys.sorted()
        if let limit, limit >= 0 { names = Array(names.prefix(limit)) }
        var out: [String: [Entry]] = [:]
        for name in names {
            out[name] = merged[name]!.sorted { ($0.type, $0.help, $0.unit) < ($1.type, $1.help, $1.unit) }
        }
        return out
    }
}
