import Testing
@testable import Alerting

/// Go's strconv and fmt number formatting, which templates print numbers with.
struct GoFormatTests {
    @Test(arguments: [
        (0.0, "0"), (-0.0, "-0"), (1.0, "1"), (0.1, "0.1"), (123456.0, "123456"), (1234567.0, "1.234567e+06"),
        (1e21, "1e+21"), (1e-4, "0.0001"), (1e-5, "1e-05"), (Double.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
        (0.30000000000000004, "0.30000000000000004"), (100.0, "100"), (-2.5e-7, "-2.5e-07"),
    ])
    func shortest(_ value: Double, _ expected: String) {
        #expect(GoFloat.format(value, UInt8(ascii: "g"), precision: -1) == expected)
    }

    @Test func fixedAndExponentForms() {
        #expect(GoFloat.format(1234.5678, UInt8(ascii: "e"), precision: -1) == "1.2345678e+03")
        #expect(GoFloat.format(0, UInt8(ascii: "e"), precision: 2) == "0.00e+00")
        #expect(GoFloat.format(1e100, UInt8(ascii: "e"), precision: 3) == "1.000e+100")
        #expect(GoFloat.format(1234.5678, UInt8(ascii: "f"), precision: -1) == "1234.5678")
        #expect(GoFloat.format(1e21, UInt8(ascii: "f"), precision: 0) == "1000000000000000000000")
        #expect(GoFloat.format(123456789, UInt8(ascii: "g"), precision: 4) == "1.235e+08")
        #expect(GoFloat.format(0.000123, UInt8(ascii: "g"), precision: 2) == "0.00012")
        #expect(GoFloat.format(1, UInt8(ascii: "b"), precision: -1) == "4503599627370496p-52")
        #expect(GoFloat.format(3, UInt8(ascii: "x"), precision: -1) == "0x1.8p+01")
        #expect(GoFloat.format(.infinity, UInt8(ascii: "g"), precision: 4) == "+Inf")
        #expect(GoFloat.format(-.infinity, UInt8(ascii: "f"), precision: 2) == "-Inf")
        #expect(GoFloat.format(.nan, UInt8(ascii: "e"), precision: 2) == "NaN")
    }

    @Test func parsingAsStrconvParseFloat() throws {
        #expect(try GoFloat.parse("1.5") == 1.5)
        #expect(try GoFloat.parse(".5") == 0.5)
        #expect(try GoFloat.parse("5.") == 5)
        #expect(try GoFloat.parse("-1e3") == -1000)
        #expect(try GoFloat.parse("0x1p-2") == 0.25)
        #expect(try GoFloat.parse("0x_1p4") == 16)
        #expect(try GoFloat.parse("+Inf") == .infinity)
        #expect(try GoFloat.parse("-infinity") == -.infinity)
        #expect(try GoFloat.parse("NaN").isNaN)
        for bad in ["", "abc", "1e", "1_000", "1.2.3", "0x1", " 1", "1 ", "+nan", "--1", "1e+"] {
            #expect(throws: GoFloat.ParseError.self, "\(bad)") { try GoFloat.parse(bad) }
        }
        #expect(GoFloat.message(for: .syntax, parsing: "x") == "strconv.ParseFloat: parsing \"x\": invalid syntax")
        do {
            _ = try GoFloat.parse("1e400")
            Issue.record("expected a range error")
        } catch {
            #expect(GoFloat.message(for: error, parsing: "1e400") == "strconv.ParseFloat: parsing \"1e400\": value out of range")
        }
    }

    @Test func quoting() throws {
        #expect(GoQuote.quote("a\"b\\c\n\u{1}é\u{2028}") == "\"a\\\"b\\\\c\\n\\x01é\\u2028\"")
        #expect(GoQuote.quote("é", asciiOnly: true) == "\"\\u00e9\"")
        #expect(try GoQuote.unquote("\"a\\tb\\x41\\u00e9\\101\"") == "a\tbAéA")
        #expect(try GoQuote.unquote("`raw\\n`") == "raw\\n")
        #expect(throws: GoQuote.SyntaxError.self) { try GoQuote.unquote("\"\\q\"") }
    }

    @Test func timestampsAsGoPrintsThem() {
        #expect(GoTime.utcString(milliseconds: 0) == "1970-01-01 00:00:00 +0000 UTC")
        #expect(GoTime.utcString(milliseconds: -1) == "1969-12-31 23:59:59.999 +0000 UTC")
        #expect(GoTime.utcString(milliseconds: 951_782_400_500) == "2000-02-29 00:00:00.5 +0000 UTC")
        #expect(GoTime.utcString(milliseconds: 253_402_300_799_000) == "9999-12-31 23:59:59 +0000 UTC")
    }
}
