/// Limits and defaults of an ``Engine``, named after Prometheus's `--query.*` flags.
public struct EngineOptions: Sendable {
    /// How far back (ms) an instant selector looks for a sample (`--query.lookback-delta`).
    public var lookbackDelta: Int64
    /// Samples a query may hold in memory at once (`--query.max-samples`).
    public var maxSamples: Int
    /// Steps a range query may have (Prometheus's API refuses more than 11,000).
    public var maxPointsPerSeries: Int
    /// How long a query may run (`--query.timeout`).
    public var timeout: Duration
    /// The step (ms) of a subquery written without one, `x[1h:]`: Prometheus uses the
    /// global evaluation interval, 1 m by default.
    public var defaultSubqueryStep: Int64
    /// A monotonic clock the deadline is checked against; injectable for tests.
    public var clock: @Sendable () -> Duration

    public init(
        lookbackDelta: Int64 = 5 * 60_000,
        maxSamples: Int = 50_000_000,
        maxPointsPerSeries: Int = 11_000,
        timeout: Duration = .seconds(120),
        defaultSubqueryStep: Int64 = 60_000,
        clock: @escaping @Sendable () -> Duration = MonotonicClock.elapsed
    ) {
        self.lookbackDelta = lookbackDelta
        self.maxSamples = maxSamples
        self.maxPointsPerSeries = maxPointsPerSeries
        self.timeout = timeout
        self.defaultSubqueryStep = defaultSubqueryStep
        self.clock = clock
    }
}

/// Time elapsed on `ContinuousClock` since the process first asked.
public enum MonotonicClock {
    private static let origin = ContinuousClock.now

    @Sendable public static func elapsed() -> Duration { origin.duration(to: .now) }
}
