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

    public init(
        path: String,
        walSync: WALSyncPolicy = .default,
        walSegmentSize: Int = 64 << 20,
        outOfOrderWindow: Int64 = 0,
        retention: Int64 = 15 * 86_400_000,
        labelLimits: LabelLimits = .default
    ) {
        self.path = path
        self.walSync = walSync
        self.walSegmentSize = walSegmentSize
        self.outOfOrderWindow = outOfOrderWindow
        self.retention = retention
        self.labelLimits = labelLimits
    }
}
