/// How a ``Store`` is laid out on disk and what it accepts.
public struct StoreOptions: Sendable, Equatable {
    /// The data directory; the WAL lives in `<path>/wal`.
    public var path: String
    public var walSync: WALSyncPolicy
    public var walSegmentSize: Int
    /// How far (ms) behind a series' newest sample an older sample is still accepted.
    public var outOfOrderWindow: Int64
    /// How long (ms) data is kept.
    public var retention: Int64
    public var labelLimits: LabelLimits
    /// Span (ms) of the blocks the head is cut into; compaction merges them into multiples.
    public var blockRange: Int64
    /// Bytes of blocks to keep at most; 0 means no limit.
    public var retentionSize: Int
    /// Shorter retention for some series: samples of series matching a rule's matchers are
    /// deleted once older than its retention (ms).
    public var retentionRules: [RetentionRule] = []
    /// Rollups to write beside raw blocks once their data is old enough; queries whose
    /// ranges align with a rollup's windows read it instead of the raw samples.
    public var downsampling: [DownsamplingLevel] = DownsamplingLevel.defaults

    public init(
        path: String,
        walSync: WALSyncPolicy = .default,
        walSegmentSize: Int = 64 << 20,
        outOfOrderWindow: Int64 = 0,
        retention: Int64 = 15 * 86_400_000,
        labelLimits: LabelLimits = .default,
        blockRange: Int64 = 2 * 3_600_000,
        retentionSize: Int = 0
    ) {
        self.path = path
        self.walSync = walSync
        self.walSegmentSize = walSegmentSize
        self.outOfOrderWindow = outOfOrderWindow
        self.retention = retention
        self.labelLimits = labelLimits
        self.blockRange = blockRange
        self.retentionSize = retentionSize
    }

    /// Block spans compaction builds: the block range times 3, 9 and 27, as Prometheus's
    /// default exponential ranges, capped at a tenth of the retention.
    var compactionRanges: [Int64] {
        [blockRange * 3, blockRange * 9, blockRange * 27].filter { $0 <= max(retention / 10, blockRange * 3) }
    }
}

/// A per-series retention: series matching `matchers` keep `retention` ms of data.
public struct RetentionRule: Sendable {
    public var matchers: [LabelMatcher]
    public var retention: Int64

    public init(matchers: [LabelMatcher], retention: Int64) {
        self.matchers = matchers
        self.retention = retention
    }
}

extension RetentionRule: Equatable {
    public static func == (lhs: RetentionRule, rhs: RetentionRule) -> Bool {
        lhs.retention == rhs.retention && lhs.matchers.map(\.description) == rhs.matchers.map(\.description)
    }
}

/// Blocks whose data ends more than `after` ms before the newest sample also get rollups of
/// `resolution` ms windows.
public struct DownsamplingLevel: Sendable, Equatable {
    public var resolution: Int64
    public var after: Int64

    public init(resolution: Int64, after: Int64) {
        self.resolution = resolution
        self.after = after
    }

    /// Thanos's ages: 5 m windows for data older than 40 h, 1 h windows after 10 days.
    public static let defaults = [
        DownsamplingLevel(resolution: 300_000, after: 40 * 3_600_000),
        DownsamplingLevel(resolution: 3_600_000, after: 10 * 86_400_000),
    ]
}
