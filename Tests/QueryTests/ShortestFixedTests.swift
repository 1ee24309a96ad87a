import Testing
import TestSupport
@testable import Query

/// `strconv.FormatFloat(v, 'f', -1, 64)` as API responses print every value: checked on
/// random doubles of every magnitude against what it must be, not against a second copy of
/// the algorithm.
struct ShortestFixedTests {
    /// The significant digits of Swift's shortest round-tripping description.
    func significantDigits(_ value: Double) -> String {
        var text = value.magnitude.description
        if let e = text.firstIndex(where: { $0 == "e" }) { text = String(text[..<e]) }
        let digits = text.filter(\.isNumber).drop { $0 == "0" }
        return String(digits.reversed().drop { $0 == "0" }.reversed())
    }

    func check(_ value: Double) {
        let text = GoFormat.shortestFixed(value)
        var bytes: [UInt8] = [0x41]
        PromQLNumber.append(value, to: &bytes)
        #expect(bytes == [0x41] + Array(text.utf8), "append and format agree for \(value)")
        #expect(!text.contains("e") && !text.contains("E"), "\(text)")
        #expect(Double(text)?.bitPattern == value.bitPattern || (value == 0 && Double(text) == 0), "\(value) printed \(text)")
        #expect(text.hasPrefix("-") == (value.sign == .minus), "\(text)")
        let digits = text.filter(\.isNumber).drop { $0 == "0" }
        #expect(String(digits.reversed().drop { $0 == "0" }.reversed()) == significantDigits(value), "\(value) printed \(text)")
    }

    @Test func randomDoublesOfEveryMagnitudeRoundTripInFixedNotation() {
        var random = SplitMix64(seed: 0x5EC7A17)
        for _ in 0..<20_000 {
            let value = Double(bitPattern: random.next())
            if value.isFinite { check(value) }
        }
        // Values as scrapes carry them: decimals, counters, small durations.
        for _ in 0..<20_000 {
            let mantissa = Double(Int64(bitPattern: random.next() % 10_000_000_000))
            let scale = [1, 10, 100, 1_000, 1e6, 1e9, 1e-3][Int(random.next() % 7)]
            check(mantissa / scale)
        }
    }

    @Test(arguments: [
        (0.0, "0"), (-0.0, "-0"), (1, "1"), (100, "100"), (1e15, "1000000000000000"), (1e16, "10000000000000000"),
        (0.001, "0.001"), (1e-5, "0.00001"), (123.456, "123.456"), (-1.5e-7, "-0.00000015"),
        (.nan, "NaN"), (.infinity, "+Inf"), (-.infinity, "-Inf"), (9007199254740993, "9007199254740992"),
    ])
    func edgeValues(_ value: Double, _ text: String) {
        #expect(GoFormat.shortestFixed(value) == text)
        var bytes: [UInt8] = []
        PromQLNumber.append(value, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == text)
    }
}
