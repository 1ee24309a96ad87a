import TSDB

/// What the last scrape of a target found, as `/api/v1/targets` reports it.
public struct TargetHealth: Sendable, Equatable {
    public enum State: String, Sendable { case up, down, unknown }

    public var target: ScrapeTarget
    public var state: State = .unknown
    public var lastError: String = ""
    /// Milliseconds since the epoch; nil before the first scrape.
    public var lastScrape: Int64?
    public var lastScrapeDuration: Double = 0
    public var lastSamples: Int = 0

    public init(target: ScrapeTarget) { self.target = target }
}
