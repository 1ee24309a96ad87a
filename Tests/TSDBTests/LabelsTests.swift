import Testing
@testable import TSDB

struct LabelsTests {
    @Test func sortsByNameAndPrintsLikePrometheus() {
        let labels = Labels(["job": "node", "__name__": "up", "instance": "a:9100"])
        #expect(labels.pairs.map(\.name) == ["__name__", "instance", "job"])
        #expect(labels.description == #"up{instance="a:9100", job="node"}"#)
        #expect(labels.metricName == "up")
    }

    @Test func settingReplacesAndEmptyValueRemoves() {
        let labels = Labels(["__name__": "up", "job": "node"])
        #expect(labels.setting("job", to: "other")["job"] == "other")
        #expect(labels.setting("zone", to: "a").pairs.map(\.name) == ["__name__", "job", "zone"])
        #expect(labels.setting("job", to: "")["job"] == nil)
    }

    @Test(arguments: [
        (["__name__": "up"], nil),
        (["job": "x"], LabelError.missingMetricName),
        (["__name__": "1up"], LabelError.invalidMetricName("1up")),
        (["__name__": "up", "bad-name": "x"], LabelError.invalidName("bad-name")),
        (["__name__": "up", "job": ""], LabelError.emptyValue(name: "job")),
        (["__name__": "a:b_c"], nil),
        (["__name__": "up", "ünicode": "x"], LabelError.invalidName("ünicode")),
    ] as [([String: String], LabelError?)])
    func validation(_ pairs: [String: String], _ expected: LabelError?) {
        let result = Result { () throws(LabelError) in try Labels(pairs).validated() }
        switch (result, expected) {
        case (.success, nil): break
        case (.failure(let error), let expected?): #expect(error == expected)
        default: Issue.record("expected \(String(describing: expected)), got \(result)")
        }
    }

    @Test func duplicateNamesAndLimitsAreRefused() {
        let duplicate = Labels([Label("__name__", "up"), Label("job", "a"), Label("job", "b")])
        #expect(throws: LabelError.duplicateName("job")) { try duplicate.validated() }
        let many = Labels((0..<70).map { Label("l\($0)", "v") } + [Label("__name__", "up")])
        #expect(throws: LabelError.tooManyLabels(count: 71, limit: 64)) { try many.validated() }
        let long = Labels([Label("__name__", "up"), Label("v", String(repeating: "x", count: 5000))])
        #expect(throws: LabelError.valueTooLong(name: "v", length: 5000, limit: 4096)) { try long.validated() }
    }
}

struct LabelMatcherTests {
    @Test(arguments: [
        (LabelMatcher.Kind.equal, "a", "a", true),
        (.equal, "a", "b", false),
        (.notEqual, "a", "b", true),
        (.regexMatch, "a|b", "b", true),
        (.regexMatch, "a|b", "ab", false),
        (.regexMatch, "foo.*", "foobar", true),
        (.regexMatch, "foo.*", "xfoo", false),
        (.regexMatch, "ba[rz]", "baz", true),
        (.regexMatch, "ba[rz]", "bazz", false),
        (.regexMatch, ".*", "", true),
        (.regexMatch, ".+", "", false),
        (.regexNoMatch, "a|b", "c", true),
        (.regexMatch, "a.c", "a\nc", false),        // RE2: `.` does not match a newline
        (.regexMatch, ".*", "a\nb", false),
        (.regexMatch, "caf.", "cafe\u{301}", false),   // scalars, not grapheme clusters
        (.regexMatch, "cafe.", "cafe\u{301}", true),
        (.regexMatch, "\\w+", "Zürich", false),        // ASCII-only classes
        (.regexMatch, "\\pL+", "Zürich", true),
        (.regexMatch, "\\143pu", "cpu", true),         // octal escape
        (.regexMatch, "c{,2}pu", "c{,2}pu", true),      // not a repeat in RE2
    ])
    func matching(_ kind: LabelMatcher.Kind, _ pattern: String, _ candidate: String, _ expected: Bool) throws {
        let matcher = try LabelMatcher(kind, "l", pattern)
        #expect(matcher.matches(candidate) == expected)
    }

    @Test(arguments: ["a(b", "(?=x)", "(?<n>x)", "(a)\\1", "a*+", "\\Z", "a{1001}", "[a"])
    func invalidRegexIsAClearError(_ pattern: String) {
        #expect(throws: MatcherError.self) { try LabelMatcher(.regexMatch, "l", pattern) }
    }

    @Test func labelValuesAreComparedByBytes() {
        let composed = Labels(["__name__": "x", "v": "caf\u{E9}"])
        let decomposed = Labels(["__name__": "x", "v": "cafe\u{301}"])
        #expect(composed != decomposed)
        #expect(Set([composed, decomposed]).count == 2)
        #expect(!LabelMatcher.equal("v", "caf\u{E9}").matches("cafe\u{301}"))
    }

    @Test func missingLabelMatchesEmpty() throws {
        let labels = Labels(["__name__": "up"])
        #expect(labels.matches([.equal("job", "")]))
        #expect(!labels.matches([.equal("job", "x")]))
        #expect(labels.matches([try LabelMatcher(.notEqual, "job", "x")]))
    }
}
