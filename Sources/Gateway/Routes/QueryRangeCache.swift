import Query
import Synchronization
import TSDB

/// A step-aligned result cache for `query_range`, as dashboards repeat the same query every
/// refresh with the window moved forward: the part of the range already computed is served
/// from memory and only the new tail is evaluated.
///
/// Only aligned ranges (`start` and `end` multiples of `step`) are cached, and never the
/// newest `freshness` ms: samples may still arrive there (scrape delay, out-of-order
/// window), so it is always evaluated. Queries with `@` or a negative offset read beyond
/// their step and are not cached.
final class QueryRangeCache: Sendable {
    struct Key: Hashable {
        let query: String
        let step: Int64
    }

    struct Entry {
        var start: Int64
        var end: Int64
        var series: [Labels: [Sample]]
        var lastUse: UInt64
        var points: Int
    }

    struct Counters: Sendable, Equatable {
        var hits = 0
        var partialHits = 0
        var misses = 0
        var uncacheable = 0
        var entries = 0
        var points = 0
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var counters = Counters()
        var clock: UInt64 = 0
        var points = 0
    }

    private let state = Mutex(State())
    let maxPoints: Int

    init(maxPoints: Int = 5_000_000) {
        self.maxPoints = maxPoints
    }

    var counters: Counters {
        state.withLock { s in
            var c = s.counters
            c.entries = s.entries.count
            c.points = s.points
            return c
        }
    }

    /// Forgets everything, for when stored data changes in the past (deletion).
    func clear() {
        state.withLock { s in
            s.entries = [:]
            s.points = 0
        }
    }

    static func isCacheable(_ query: String, start: Int64, end: Int64, step: Int64) -> Bool {
        guard step > 0, start % step == 0, end % step == 0 else { return false }
        guard let expr = try? PromQL.parse(query) else { return false }
        return !Self.readsAhead(expr)
    }

    /// `@` pins evaluation elsewhere and a negative offset reads the future: neither result
    /// is a function of the step's own past.
    private static func readsAhead(_ expr: Expr) -> Bool {
        switch expr {
        case .vectorSelector(let v): if v.at != nil || v.offset.milliseconds < 0 { return true }
        case .matrixSelector(let m): if m.selector.at != nil || m.selector.offset.milliseconds < 0 { return true }
        case .subquery(let s): if s.at != nil || s.offset.milliseconds < 0 { return true }
        default: break
        }
        return expr.children.contains(where: readsAhead)
    }

    /// Evaluates `[start, end]` by `step`, reusing what is cached and caching what is older
    /// than `now - freshness`.
    func range(
        _ query: String, start: Int64, end: Int64, step: Int64, now: Int64, freshness: Int64,
        evaluate: (Int64, Int64) throws(QueryError) -> QueryResult
    ) throws(QueryError) -> QueryResult {
        guard Self.isCacheable(query, start: start, end: end, step: step) else {
            state.withLock { $0.counters.uncacheable += 1 }
            return try evaluate(start, end)
        }
        let key = Key(query: query, step: step)
        let cached: Entry? = state.withLock { s in
            guard var entry = s.entries[key], entry.start <= start, entry.end >= start else { return nil }
            s.clock += 1
            entry.lastUse = s.clock
            s.entries[key] = entry
            return entry
        }
        var result: [Labels: [Sample]] = [:]
        var computeFrom = start
        if let cached {
            let cachedEnd = min(cached.end, end)
            for (labels, samples) in cached.series {
                let slice = samples.filter { $0.timestamp >= start && $0.timestamp <= cachedEnd }
                if !slice.isEmpty { result[labels] = slice }
            }
            computeFrom = cachedEnd + step
        }
        if computeFrom <= end {
            let fresh = try evaluate(computeFrom, end)
            guard case .matrix(let series) = fresh else { return fresh }
            for s in series { result[s.labels, default: []].append(contentsOf: s.samples) }
        }
        state.withLock { s in
            if cached == nil { s.counters.misses += 1 } else if computeFrom > end { s.counters.hits += 1 } else { s.counters.partialHits += 1 }
        }
        // Cache the stable part: every step at or before now - freshness.
        let stableEnd = min(end, ((now - freshness) / step) * step)
        if stableEnd >= start {
            var stable: [Labels: [Sample]] = [:]
            var points = 0
            for (labels, samples) in result {
                let slice = samples.filter { $0.timestamp <= stableEnd }
                if !slice.isEmpty {
                    stable[labels] = slice
                    points += slice.count
                }
            }
            store(key, Entry(start: start, end: stableEnd, series: stable, lastUse: 0, points: points))
        }
        let matrix = result.map { RangeSeries(labels: $0.key, samples: $0.value) }.sorted { $0.labels < $1.labels }
        return .matrix(matrix)
    }

    private func store(_ key: Key, _ entry: Entry) {
        guard entry.points <= maxPoints / 4 else { return }
        state.withLock { s in
            if let old = s.entries[key] {
                // Keep the wider of the two ranges that start earliest.
                if old.start < entry.start && old.end >= entry.end { return }
                s.points -= old.points
            }
            s.clock += 1
            var entry = entry
            entry.lastUse = s.clock
            s.entries[key] = entry
            s.points += entry.points
            while s.points > maxPoints, let victim = s.entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                s.points -= victim.value.points
                s.entries[victim.key] = nil
            }
        }
    }
}
