/// How the outbox retries: exponential backoff with jitter from `initial` up to `maximum`,
/// a receiver's `Retry-After` honoured, and a notification given up (marked failed, kept
/// and listed) only once it is older than `giveUpAfter`.
public struct RetryPolicy: Sendable, Equatable {
    public var initial: Int64 = 1_000
    public var maximum: Int64 = 5 * 60_000
    /// Each delay is scaled by a random factor in 1 ± jitter, so receivers that come back
    /// are not hit by every waiting sender at once.
    public var jitter = 0.2
    public var giveUpAfter: Int64 = 24 * 3_600_000
    /// One attempt's time limit.
    public var timeout: Int64 = 10_000

    public init() {}

    public init(initial: Int64, maximum: Int64, jitter: Double = 0.2, giveUpAfter: Int64, timeout: Int64 = 10_000) {
        self.initial = initial
        self.maximum = maximum
        self.jitter = jitter
        self.giveUpAfter = giveUpAfter
        self.timeout = timeout
    }

    /// The wait before attempt `attempts + 1`, after `attempts` failures.
    public func delay(afterAttempts attempts: Int, retryAfter: Int64? = nil, random: Double = Double.random(in: 0...1)) -> Int64 {
        if let retryAfter { return max(retryAfter, 0) }
        let exponent = min(max(attempts - 1, 0), 40)
        let base = min(Double(initial) * Double(1 << min(exponent, 30)), Double(maximum))
        let scaled = base * (1 - jitter + 2 * jitter * random)
        return max(Int64(scaled), 1)
    }
}
