import Alerting
import Testing
import TSDB

struct AlertMatchersTests {
    /// What `parse` gives, as `name op "value"` strings (values escaped as PromQL writes them).
    static func parsed(_ text: String) throws -> [String] {
        try AlertMatchers.parse(text).map(\.description)
    }

    @Test(arguments: [
        // One matcher, each operator, quoted and bare.
        (#"foo="bar""#, [#"foo="bar""#]),
        (#"foo=bar"#, [#"foo="bar""#]),
        (#"foo!=bar"#, [#"foo!="bar""#]),
        (#"foo=~"b.*""#, [#"foo=~"b.*""#]),
        (#"foo!~"x|y""#, [#"foo!~"x|y""#]),
        (#"foo=~[a-z]+"#, [#"foo=~"[a-z]+""#]),
        // Several, braces, whitespace, a trailing comma.
        (#"{foo="bar",baz=~"q.*"}"#, [#"foo="bar""#, #"baz=~"q.*""#]),
        ("  {  foo = \"bar\" ,\tbaz!~ qux  }  ", [#"foo="bar""#, #"baz!~"qux""#]),
        (#"foo="bar","#, [#"foo="bar""#]),
        (#"a=1, b=2, c=3"#, [#"a="1""#, #"b="2""#, #"c="3""#]),
        ("", []),
        ("   ", []),
        ("{}", []),
        ("{ }", []),
        // Values: commas and operators inside quotes, escapes, spaces, emptiness, UTF-8.
        (#"foo="a,b""#, [#"foo="a,b""#]),
        (#"foo="=~!=""#, [#"foo="=~!=""#]),
        (#"foo="a\"b""#, [#"foo="a\"b""#]),
        (#"foo="a\\b""#, [#"foo="a\\b""#]),
        (#"foo="a\nb""#, [#"foo="a\nb""#]),
        (#"foo="a\tb""#, [#"foo="a\\tb""#]),     // an unknown escape keeps its backslash
        (#"foo=a\"b"#, [#"foo="a\"b""#]),        // escapes work unquoted too
        (#"foo=a b  c"#, [#"foo="a b  c""#]),    // a bare value is the rest, trimmed
        (#"foo=  " padded "  "#, [#"foo=" padded ""#]),
        (#"foo="#, [#"foo="""#]),
        (#"foo="""#, [#"foo="""#]),
        (#"foo==bar"#, [#"foo="=bar""#]),
        (#"foo="{x}""#, [#"foo="{x}""#]),
        (#"_x9="日本語""#, [#"_x9="日本語""#]),
        (#"foo=~"(?i)warn|crit""#, [#"foo=~"(?i)warn|crit""#]),
    ] as [(String, [String])])
    func parses(_ text: String, _ expected: [String]) throws {
        #expect(try Self.parsed(text) == expected)
    }

    @Test func kindsNamesAndValues() throws {
        let matchers = try AlertMatchers.parse(#"{severity=~"critical|page", team!=db, env="a \"b\""}"#)
        #expect(matchers == [
            try LabelMatcher(.regexMatch, "severity", "critical|page"),
            try LabelMatcher(.notEqual, "team", "db"),
            try LabelMatcher(.equal, "env", #"a "b""#),
        ])
        #expect(matchers[0].matches("page"))
        #expect(!matchers[0].matches("xpage"), "regexes are anchored, as in Alertmanager")
    }

    @Test(arguments: [
        ("foo", AlertMatcherError.Kind.missingOperator, 3, "expected =, !=, =~ or !~"),
        ("foo ~= \"x\"", .missingOperator, 4, "found \"~\""),
        ("foo bar=\"x\"", .missingOperator, 4, "found \"b\""),
        ("=\"bar\"", .missingName, 0, "expected a label name"),
        ("\"foo\"=\"bar\"", .missingName, 0, "expected a label name"),
        ("9foo=\"bar\"", .missingName, 0, "expected a label name"),
        ("a=\"b\",,c=\"d\"", .missingName, 6, "empty matcher"),
        (",a=\"b\"", .missingName, 0, "empty matcher"),
        ("foo:bar=\"x\"", .invalidName, 3, "not \":\""),
        ("föo=\"x\"", .invalidName, 1, "not \"ö\""),
        ("foo=\"bar", .unterminatedQuote, 4, "never closed"),
        ("foo=\"bar\\\"", .unterminatedQuote, 4, "never closed"),
        ("a=\"x\",b=\"y", .unterminatedQuote, 8, "never closed"),
        ("foo=\"bar\"baz", .unexpectedQuote, 9, "after the closing quote"),
        ("foo=\"a\" \"b\"", .unexpectedQuote, 7, "after the closing quote"),
        ("foo=bar\"", .unexpectedQuote, 7, "unquoted value"),
        ("foo=~\"a(\"", .invalidRegex, 5, "invalid regular expression"),
        ("foo!~\"[z-a]\"", .invalidRegex, 5, "invalid regular expression"),
        ("{foo=\"bar\"", .unbalancedBraces, 0, "never closed"),
        ("foo=\"bar\"}", .unbalancedBraces, 9, "without an opening"),
        ("{", .unbalancedBraces, 0, "never closed"),
        ("}", .unbalancedBraces, 0, "without an opening"),
        // Offsets count characters, not bytes.
        ("a=\"é\", 1=\"y\"", .missingName, 7, "expected a label name"),
    ] as [(String, AlertMatcherError.Kind, Int, String)])
    func refuses(_ text: String, _ kind: AlertMatcherError.Kind, _ offset: Int, _ reason: String) {
        do {
            let matchers = try AlertMatchers.parse(text)
            Issue.record("accepted \(text) as \(matchers)")
        } catch {
            #expect(error.kind == kind, "\(error)")
            #expect(error.offset == offset, "\(error)")
            #expect(error.reason.contains(reason), "\(error)")
            #expect(error.description.contains("offset \(offset)"))
        }
    }

    @Test func formatReadsBack() throws {
        let matchers = [
            try LabelMatcher(.equal, "alertname", "Disk \"full\", again\n{really}\\"),
            try LabelMatcher(.notEqual, "env", ""),
            try LabelMatcher(.regexMatch, "severity", "warn|crit"),
            try LabelMatcher(.regexNoMatch, "job", #"test-\d+"#),
        ]
        let text = AlertMatchers.format(matchers)
        #expect(text == #"{alertname="Disk \"full\", again\n{really}\\",env!="",severity=~"warn|crit",job!~"test-\\d+"}"#)
        #expect(try AlertMatchers.parse(text) == matchers)
        #expect(AlertMatchers.format([]) == "{}")
        #expect(try AlertMatchers.parse(AlertMatchers.format([])).isEmpty)
    }

    @Test func roundTripsSeededRandomValues() throws {
        var rng = SplitMix(seed: 0x5EC7A57)
        let alphabet = Array(#"ab ,{}"\=~!\n日"#) + ["\n", "\t"]
        for _ in 0..<500 {
            let value = String((0..<Int(rng.next() % 12)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            let kind: LabelMatcher.Kind = rng.next() % 2 == 0 ? .equal : .notEqual
            let matchers = [try LabelMatcher(kind, "l\(rng.next() % 100)", value), LabelMatcher.equal("x", value)]
            #expect(try AlertMatchers.parse(AlertMatchers.format(matchers)) == matchers, "\(value.debugDescription)")
        }
    }

    // MARK: hostile input

    @Test func aMegabyteValueParsesInOnePass() throws {
        let value = String(repeating: "x", count: 1 << 20)
        let matchers = try AlertMatchers.parse("big=\"\(value)\"")
        #expect(matchers.first?.value.utf8.count == 1 << 20)
        let bare = try AlertMatchers.parse("big=\(value)")
        #expect(bare.first?.value.utf8.count == 1 << 20)
    }

    @Test func aMegabyteOfMatchers() throws {
        var text = ""
        for i in 0..<100_000 { text += "l\(i)=\"v\"," }
        #expect(text.utf8.count > 1_000_000)
        #expect(try AlertMatchers.parse(text).count == 100_000)
    }

    @Test(arguments: [
        "big=\"" + String(repeating: "x", count: 1 << 20),                 // unterminated
        String(repeating: "\"", count: 1 << 20),                            // quotes only
        String(repeating: ",", count: 1 << 20),                             // commas only
        String(repeating: "{", count: 1 << 20),                             // braces only
        "a=\"" + String(repeating: "\\", count: 1 << 20),                   // escapes only
        String(repeating: "a", count: 1 << 20),                             // a name, no operator
        // A regex that does not compile; 64 kB, as compiling costs seconds a megabyte in debug builds.
        "x=~\"" + String(repeating: "(", count: 1 << 16) + "\"",
    ])
    func aMegabyteOfGarbageIsRefusedWithAShortExcerpt(_ text: String) {
        do {
            _ = try AlertMatchers.parse(text)
            Issue.record("accepted a megabyte of garbage")
        } catch {
            #expect(error.excerpt.count <= 61)
            #expect(error.description.count < 400)
        }
    }
}

/// A small seeded generator, so a failing case can be replayed.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E4B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
