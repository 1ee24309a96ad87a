/// Totals of every compaction pass since the store opened, for `/metrics` (what
/// Prometheus's `prometheus_tsdb_compactions_total` and its siblings tell).
public struct CompactionStatistics: Sendable, Equatable {
    /// Passes that wrote or removed something.
    public var passes = 0
    /// Passes that stopped on an error (the error is also logged by the caller).
    public var failed = 0
    /// What the passes did, summed.
    public var totals = CompactionReport()
    /// The durations of the latest passes that did work or failed, oldest first, each with
    /// its sequence number, so a reader can record each one once into a histogram.
    public private(set) var recentDurations: [TimedPass] = []
    /// Sequence number the next recorded duration gets.
    public private(set) var nextSequence = 0

    static let recentLimit = 256

    mutating func add(_ report: CompactionReport) { totals.add(report) }

    mutating func recordDuration(_ seconds: Double) {
        recentDurations.append(TimedPass(sequence: nextSequence, seconds: seconds))
        nextSequence += 1
        if recentDurations.count > Self.recentLimit { recentDurations.removeFirst(recentDurations.count - Self.recentLimit) }
    }

    public struct TimedPass: Sendable, Equatable {
        public var sequence: Int
        public var seconds: Double
    }
}

extension CompactionReport {
    mutating func add(_ other: CompactionReport) {
        headBlocksCut += other.headBlocksCut
        blocksMerged += other.blocksMerged
        blocksDeletedByRetention += other.blocksDeletedByRetention
        walSegmentsFolded += other.walSegmentsFolded
        samplesDeletedByRetentionRules += other.samplesDeletedByRetentionRules
        rollupsWritten += other.rollupsWritten
    }
}
