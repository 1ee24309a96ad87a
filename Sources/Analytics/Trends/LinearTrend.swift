/// An ordinary least-squares line through (time, value) points, with what a capacity
/// question needs: the slope, how well the line fits, and when it crosses a threshold.
///
/// ```swift
/// let trend = try LinearTrend(times: ts, values: diskUsed)
/// let full = trend.timeToReach(diskSize)   // ms since epoch, nil if never
/// ```
public struct LinearTrend: Sendable, Equatable {
    /// Value change per millisecond.
    public let slope: Double
    /// Value at time zero (ms since epoch).
    public let intercept: Double
    /// Share of the variance the line explains, 0...1 (1 when the values are constant).
    public let rSquared: Double
    /// Standard deviation of the residuals.
    public let residualStandardDeviation: Double
    /// Standard error of the slope, for intervals on the crossing time.
    public let slopeStandardError: Double
    public let count: Int

    public enum FitError: Error, Equatable, Sendable {
        case tooFewPoints(Int)
        case mismatchedLengths(times: Int, values: Int)
        case nonFinite(index: Int)
        case singleInstant
    }

    public init(times: [Int64], values: [Double]) throws(FitError) {
        guard times.count == values.count else { throw .mismatchedLengths(times: times.count, values: values.count) }
        guard times.count >= 2 else { throw .tooFewPoints(times.count) }
        if let bad = values.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(index: bad) }
        // Centre the times: epoch milliseconds squared lose precision in Double.
        let n = Double(times.count)
        let t0 = times[0]
        let xs = times.map { Double($0 - t0) }
        let meanX = xs.reduce(0, +) / n
        let meanY = values.reduce(0, +) / n
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for (x, y) in zip(xs, values) {
            sxx += (x - meanX) * (x - meanX)
            sxy += (x - meanX) * (y - meanY)
            syy += (y - meanY) * (y - meanY)
        }
        guard sxx > 0 else { throw .singleInstant }
        let slope = sxy / sxx
        let interceptAtT0 = meanY - slope * meanX
        var sse = 0.0
        for (x, y) in zip(xs, values) {
            let r = y - (interceptAtT0 + slope * x)
            sse += r * r
        }
        self.slope = slope
        self.intercept = interceptAtT0 - slope * Double(t0)
        self.rSquared = syy == 0 ? 1 : max(0, 1 - sse / syy)
        let dof = max(n - 2, 1)
        self.residualStandardDeviation = (sse / dof).squareRoot()
        self.slopeStandardError = (sse / dof / sxx).squareRoot()
        self.count = times.count
    }

    public func value(at time: Int64) -> Double { intercept + slope * Double(time) }

    /// When the line reaches `threshold` (ms since epoch), or nil if it is moving away
    /// from it or flat.
    public func timeToReach(_ threshold: Double) -> Int64? {
        guard slope != 0 else { return nil }
        let t = (threshold - intercept) / slope
        guard t.isFinite, t < Double(Int64.max), t > Double(Int64.min) else { return nil }
        return Int64(t.rounded())
    }
}
