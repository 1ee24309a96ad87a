@testable import TSDB

/// What a ``Store`` must hold after a stream of appends, commits and rollbacks: the
/// committed samples of every series, accepted or refused by Prometheus's rules as the head
/// applies them —
/// - a sample older than the head's lower bound (what is on disk already) is too old;
/// - newer than the series' newest sample: stored;
/// - at the newest sample's or another stored sample's timestamp: the same value (bit for
///   bit) is a no-op, a different one is refused;
/// - older than the newest by more than the out-of-order window: refused; inside it: stored.
///
/// The open batch is kept apart; a commit replays it onto the committed state, so a head cut
/// between append and commit refuses what the cut made too old.
struct StoreReferenceModel {
    struct Series {
        var values: [Int64: UInt64] = [:]
        var newest = Int64.min
    }

    enum Outcome: Equatable {
        case stored, duplicate, rejected
    }

    let window: Int64
    /// The head's lower bound: samples before it are in blocks.
    var minValidTime = Int64.min
    private(set) var committed: [Labels: Series] = [:]
    /// The open batch's samples that the head will store, in append order, and the same
    /// by series for lookups.
    private var batch: [(labels: Labels, timestamp: Int64, bits: UInt64)] = []
    private var batchSeries: [Labels: Series] = [:]

    init(window: Int64) { self.window = window }

    var sampleCount: Int { committed.values.reduce(0) { $0 + $1.values.count } }

    /// What the head does with the sample given what is committed and what the open batch
    /// holds before it.
    func outcome(_ labels: Labels, _ t: Int64, _ bits: UInt64, includingBatch: Bool = true) -> Outcome {
        if t < minValidTime { return .rejected }
        let c = committed[labels]
        let b = includingBatch ? batchSeries[labels] : nil
        let newest = max(c?.newest ?? .min, b?.newest ?? .min)
        if newest == .min || t > newest { return .stored }
        let existing = b?.values[t] ?? c?.values[t]
        if t == newest { return existing == bits ? .duplicate : .rejected }
        if t < newest - window { return .rejected }
        if let existing { return existing == bits ? .duplicate : .rejected }
        return .stored
    }

    /// Adds a sample to the open batch; returns what the head will do with it at commit.
    @discardableResult
    mutating func append(_ labels: Labels, _ t: Int64, _ value: Double) -> Outcome {
        let bits = value.bitPattern
        let result = outcome(labels, t, bits)
        if result == .stored {
            batch.append((labels, t, bits))
            batchSeries[labels, default: Series()].values[t] = bits
            batchSeries[labels]!.newest = max(batchSeries[labels]!.newest, t)
        }
        return result
    }

    /// Applies the open batch; returns the samples stored.
    mutating func commit() -> [(labels: Labels, sample: Sample)] {
        let samples = batch
        rollback()
        var stored: [(labels: Labels, sample: Sample)] = []
        for s in samples where outcome(s.labels, s.timestamp, s.bits, includingBatch: false) == .stored {
            committed[s.labels, default: Series()].values[s.timestamp] = s.bits
            committed[s.labels]!.newest = max(committed[s.labels]!.newest, s.timestamp)
            stored.append((s.labels, Sample(s.timestamp, Double(bitPattern: s.bits))))
        }
        return stored
    }

    mutating func rollback() {
        batch.removeAll(keepingCapacity: true)
        batchSeries.removeAll(keepingCapacity: true)
    }

    /// The committed samples of series matching `matchers` in `[mint, maxt]`, in time order;
    /// series with none left out.
    func expected(matching matchers: [LabelMatcher], mint: Int64, maxt: Int64) -> [Labels: [Sample]] {
        var out: [Labels: [Sample]] = [:]
        for (labels, series) in committed where labels.matches(matchers) {
            let samples = series.values
                .filter { $0.key >= mint && $0.key <= maxt }
                .map { Sample($0.key, Double(bitPattern: $0.value)) }
                .sorted { $0.timestamp < $1.timestamp }
            if !samples.isEmpty { out[labels] = samples }
        }
        return out
    }

    /// The newest committed timestamp of the series, if it has any.
    func newest(_ labels: Labels) -> Int64? {
        guard let n = committed[labels]?.newest, n != .min else { return nil }
        return n
    }
}
