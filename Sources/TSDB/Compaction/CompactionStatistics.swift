/// Totals of every compaction pass since the store opened, for `/metrics` (what
/// Prometheus's `prometheus_tsdb_compactions_total` and its siblings tell).
public struct CompactionStatistics: Sendable, Equatable {
    /// Passes that wrote or removed something.
    public var passes = 0
    /// Passes that stopped on an error (the error is also logged by the caller).
    public var failed = 0
    public var headBlocksCut = 0
    public var blocksMerged = 0
    public var blocksDeletedByRetention = 0
    public var walSegmentsFolded = 0
    public var samplesDeletedByRetentionRules = 0
    public var rollupsWritten = 0
    /// The durations of the latest passes that did work or failed, oldest first, each with
    /// its sequence number, so a reader can record each one once into a histogram.
    public private(set) var recentDurations: [TimedPass] = []
    /// Sequence number the next recorded duration gets.
    public private(set) var nextSequence = 0

    static let recentLimit = 256

    mutating func add(_ report: CompactionReport) {
        headBlocksCut += report.headBlocksCut
        blocksMerged += report.blocksMerged
        blocksDeletedByRetention += report.blocksDeletedByRetention
        walSegmentsFolded += report.walSegmentsFolded
        samplesDeletedByRetentionRules += report.samplesDeletedByRetentionRules
        rollupsWritten += report.rollupsWritten
    }

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
