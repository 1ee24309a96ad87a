/// Reads series from the store. A querier sees the data committed when it was created.
public protocol Querier: Sendable {
    associatedtype Series: SeriesSet

    /// Series matching every matcher, each with its samples in `[mint, maxt]`, sorted by labels.
    func select(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64, hints: SelectHints) throws(StorageError) -> Series

    /// Label names of series matching `matchers` (all series when empty), sorted.
    func labelNames(matching matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws(StorageError) -> [String]

    /// Values of `name` among series matching `matchers`, sorted.
    func labelValues(_ name: String, matching matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws(StorageError) -> [String]
}

/// What the caller will do with the selection, so the store can choose how to serve it.
public struct SelectHints: Sendable, Equatable {
    /// Query step in ms; a coarse step lets the store read downsampled rollups.
    public var step: Int64
    /// Only the label sets are wanted (the series API), no samples.
    public var seriesOnly: Bool
    /// Per-window aggregates wanted instead of raw samples where a rollup covers the range.
    public var rollup: RollupRequest?

    public init(step: Int64 = 0, seriesOnly: Bool = false, rollup: RollupRequest? = nil) {
        self.step = step
        self.seriesOnly = seriesOnly
        self.rollup = rollup
    }
}

/// An iterator over series, each with a sample iterator that decodes lazily.
public protocol SeriesSet: Sequence where Element == StoredSeries {}

/// One selected series: its labels and a cursor over its samples.
public struct StoredSeries: Sendable {
    public let ref: SeriesRef
    public let labels: Labels
    public let samples: SampleCursor
    /// Whether some of `samples` are rollup windows (only with ``SelectHints/rollup``): then
    /// for ``RollupAggregate/count`` every value is a count, raw samples reading as 1.
    public let readsRollups: Bool

    public init(ref: SeriesRef, labels: Labels, samples: SampleCursor, readsRollups: Bool = false) {
        self.ref = ref
        self.labels = labels
        self.samples = samples
        self.readsRollups = readsRollups
    }
}
