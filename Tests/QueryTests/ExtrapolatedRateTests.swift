@testable import Query
import TestSupport
import Testing
import TSDB

/// The two-lane `extrapolatedRates` that `rate`, `increase` and `delta` run over pairs of
/// steps must give, lane by lane, exactly the bits of the scalar `extrapolatedRate`: on
/// jittered and whole-second times, counters that reset, start near zero or go negative, and
/// values that are zero, NaN or infinite.
struct ExtrapolatedRateTests {
    typealias Window = (result: Double, first: Sample, last: Sample, count: Int, rangeStart: Int64, rangeEnd: Int64)

    static func windows() -> [Window] {
        var random = SplitMix64(seed: 0x5EED)
        let specials: [Double] = [0, -0.0, 1, -1, .nan, .infinity, -.infinity, 1e-300, 5e-324, 1e300]
        var out: [Window] = []
        for k in 0..<20_000 {
            let range = [60_000, 300_000, 3_600_000, 1][k % 4] as Int64
            let rangeEnd = Int64(random.next() % 10_000_000_000) * (k % 3 == 0 ? 1000 : 1)
            let rangeStart = rangeEnd - range
            let span = range + 1
            let a = rangeStart + Int64(random.next() % UInt64(span))
            let b = rangeStart + Int64(random.next() % UInt64(span))
            let (t0, t1) = k % 7 == 0 ? (rangeStart, rangeEnd) : (min(a, b), max(a, b))
            let count = 2 + Int(random.next() % 40)
            func value() -> Double {
                switch random.next() % 6 {
                case 0: return specials[Int(random.next() % UInt64(specials.count))]
                case 1: return Double(Int64(random.next() % 2_000_000) - 1_000_000) / 100
                default: return Double(random.next() % 1_000_000_000) / 1000
                }
            }
            let first = value(), last = value()
            let result = k % 5 == 0 ? value() : last - first
            out.append((result, Sample(t0, first), Sample(t1, last), count, rangeStart, rangeEnd))
        }
        return out
    }

    @Test(arguments: [(true, true), (true, false), (false, false), (false, true)])
    func pairsMatchTheScalarFunction(isCounter: Bool, isRate: Bool) {
        let windows = Self.windows()
        for range in [Int64(300_000), 60_001] {
            var mismatches = 0
            for i in stride(from: 0, to: windows.count - 1, by: 2) {
                let a = windows[i], b = windows[i + 1]
                let pair = Functions.extrapolatedRates(
                    SIMD2(a.result, b.result), first: (a.first, b.first), last: (a.last, b.last), count: (a.count, b.count),
                    rangeStart: (a.rangeStart, b.rangeStart), rangeEnd: (a.rangeEnd, b.rangeEnd),
                    rangeSeconds: Functions.seconds(range), isCounter: isCounter, isRate: isRate)
                for (lane, w) in [a, b].enumerated() {
                    let scalar = Functions.extrapolatedRate(w.result, first: w.first, last: w.last, count: w.count, rangeStart: w.rangeStart,
                                                            rangeEnd: w.rangeEnd, range: range, isCounter: isCounter, isRate: isRate)
                    if pair[lane].bitPattern != scalar.bitPattern && !(pair[lane].isNaN && scalar.isNaN) { mismatches += 1 }
                }
            }
            #expect(mismatches == 0)
        }
    }
}
