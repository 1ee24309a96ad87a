import TestSupport
import Testing
@testable import Analytics

struct LinearTrendTests {
    @Test func exactLineIsRecovered() throws {
        let times: [Int64] = (0..<100).map { 1_700_000_000_000 + Int64($0) * 60_000 }
        let values = times.map { 5 + Double($0 - times[0]) * 0.001 }
        let trend = try LinearTrend(times: times, values: values)
        #expect(abs(trend.slope - 0.001) < 1e-12)
        #expect(abs(trend.value(at: times[0]) - 5) < 1e-6)
        #expect(trend.rSquared > 0.999_999)
        #expect(trend.residualStandardDeviation < 1e-6)
        let crossing = try #require(trend.timeToReach(65))
        #expect(abs(crossing - (times[0] + 60_000)) <= 1)
    }

    @Test func noisyDataFitsWithinItsNoise() throws {
        var generator = SplitMix64(seed: 42)
        let times: [Int64] = (0..<2016).map { Int64($0) * 300_000 }
        let values = times.map { 100 + Double($0) * 2e-6 + (Double(generator.next() % 1000) / 1000 - 0.5) }
        let trend = try LinearTrend(times: times, values: values)
        #expect(abs(trend.slope - 2e-6) < 2e-8)
        #expect(trend.residualStandardDeviation > 0.2 && trend.residualStandardDeviation < 0.4)
        #expect(trend.slopeStandardError > 0)
    }

    @Test func flatOrReceedingSeriesNeverReachesAThresholdAhead() throws {
        let flat = try LinearTrend(times: [0, 1, 2], values: [3, 3, 3])
        #expect(flat.timeToReach(10) == nil)
        #expect(flat.rSquared == 1)
        let falling = try LinearTrend(times: [0, 1000], values: [10, 5])
        #expect(try #require(falling.timeToReach(20)) < 0, "the crossing lies in the past")
    }

    @Test func badInputIsRefused() {
        #expect(throws: LinearTrend.FitError.tooFewPoints(1)) { try LinearTrend(times: [1], values: [1]) }
        #expect(throws: LinearTrend.FitError.mismatchedLengths(times: 2, values: 1)) { try LinearTrend(times: [1, 2], values: [1]) }
        #expect(throws: LinearTrend.FitError.nonFinite(index: 1)) { try LinearTrend(times: [1, 2], values: [1, .nan]) }
        #expect(throws: LinearTrend.FitError.singleInstant) { try LinearTrend(times: [5, 5], values: [1, 2]) }
    }
}
