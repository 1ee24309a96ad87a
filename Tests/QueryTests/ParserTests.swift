import Foundation
import Testing
@testable import Query
import TSDB

/// The cases of `testdata/parse.txt`, found next to this file.
private let parseCases: [ParseCase] = {
    let file = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("testdata/parse.txt")
    guard let text = try? String(contentsOf: file, encoding: .utf8) else {
        return [ParseCase(line: 0, query: "", error: "cannot read \(file.path)")]
    }
    return ParseScript.cases(in: text)
}()

struct ParserTests {
    @Test("testdata/parse.txt", arguments: parseCases)
    func script(_ testCase: ParseCase) {
        if let failure = ParseScript.failure(of: testCase) {
            Issue.record("\(testCase): \(failure)")
        }
    }

    @Test func scriptHasEnoughCases() {
        #expect(parseCases.count >= 250)
    }

    // MARK: - AST contents

    @Test func vectorSelectorKeepsMatchersInSourceOrderWithNameLast() throws {
        let expr = try PromQL.parse(#"foo{a="b", c=~"d.*", e!="f", g!~"h"}"#)
        guard case .vectorSelector(let selector) = expr else {
            Issue.record("not a vector selector: \(expr)")
            return
        }
        #expect(selector.name == "foo")
        #expect(selector.matchers.map(\.description) == [#"a="b""#, #"c=~"d.*""#, #"e!="f""#, #"g!~"h""#, #"__name__="foo""#])
        #expect(selector.matchers.map(\.kind) == [.equal, .regexMatch, .notEqual, .regexNoMatch, .equal])
        #expect(selector.position == 0..<36)
        #expect(selector.matchers[1].matches("dog"))
        #expect(!selector.matchers[1].matches("cat"))
    }

    @Test func offsetsAndAtModifiersAreStoredInMilliseconds() throws {
        let expr = try PromQL.parse("rate(foo[5m] offset -1h @ 1.5)")
        guard case .call(let call) = expr, case .matrixSelector(let matrix) = call.args[0] else {
            Issue.record("unexpected shape: \(expr)")
            return
        }
        #expect(matrix.range == PromQL.Duration(milliseconds: 300_000))
        #expect(matrix.selector.offset.milliseconds == -3_600_000)
        #expect(matrix.selector.at == .timestamp(1500))
        #expect(matrix.position == 5..<29)
        #expect(call.function.name == "rate")
        #expect(call.position == 0..<30)
    }

    @Test func subqueryStepDefaultsToZero() throws {
        guard case .subquery(let subquery) = try PromQL.parse("foo[1h:]") else {
            Issue.record("not a subquery")
            return
        }
        #expect(subquery.range.milliseconds == 3_600_000)
        #expect(subquery.step == .zero)
    }

    @Test func aggregationParameterAndGrouping() throws {
        guard case .aggregate(let aggregate) = try PromQL.parse("topk without (instance) (3, foo)") else {
            Issue.record("not an aggregation")
            return
        }
        #expect(aggregate.op == .topk)
        #expect(aggregate.without)
        #expect(aggregate.grouping == ["instance"])
        #expect(aggregate.parameter?.description == "3")
        #expect(aggregate.expr.description == "foo")
        #expect(aggregate.position == 0..<32)
    }

    @Test func vectorMatchingIsSettledByTypeChecking() throws {
        guard case .binary(let set) = try PromQL.parse("a and b"), let matching = set.matching else {
            Issue.record("no matching on a set operation")
            return
        }
        #expect(matching.cardinality == .manyToMany)

        guard case .binary(let scalar) = try PromQL.parse("a + 1") else {
            Issue.record("not a binary expression")
            return
        }
        #expect(scalar.matching == nil)

        guard case .binary(let grouped) = try PromQL.parse("a * on(x) group_right(y) b") else {
            Issue.record("not a binary expression")
            return
        }
        #expect(grouped.matching == VectorMatching(cardinality: .oneToMany, matchingLabels: ["x"], on: true, include: ["y"]))
    }

    @Test func unarySignsFoldIntoNumbers() throws {
        guard case .number(let number) = try PromQL.parse(" -5") else {
            Issue.record("not folded")
            return
        }
        #expect(number.value == -5)
        #expect(number.position == 1..<3)
    }

    @Test(arguments: [
        ("1", ValueType.scalar), ("\"a\"", .string), ("foo", .vector), ("foo[1m]", .matrix),
        ("foo[1m:]", .matrix), ("sum(foo)", .vector), ("scalar(foo)", .scalar), ("(1 + 2)", .scalar),
        ("1 + foo", .vector), ("-foo", .vector), ("time() > bool 1", .scalar),
    ])
    func types(_ query: String, _ type: ValueType) throws {
        #expect(try PromQL.parse(query).type == type)
    }

    @Test func childrenInEvaluationOrder() throws {
        let expr = try PromQL.parse("quantile(0.9, a) + rate(b[1m])")
        #expect(expr.children.map(\.description) == ["quantile(0.9, a)", "rate(b[1m])"])
        #expect(expr.children[0].children.map(\.description) == ["0.9", "a"])
        #expect(expr.children[1].children[0].children.map(\.description) == ["b"])
    }

    @Test func atStartAndEndResolveToQueryTimes() throws {
        let query = "foo @ start() + rate(bar[5m] @ end()) + sum(max_over_time(baz[1h:] @ start())) + qux @ 7"
        let expr = try PromQL.parse(query)
        #expect(expr.description == "foo @ start() + rate(bar[5m] @ end()) + sum(max_over_time(baz[1h:] @ start())) + qux @ 7.000")
        let resolved = expr.resolvingAtModifiers(start: 1000, end: 2500)
        #expect(resolved.description == "foo @ 1.000 + rate(bar[5m] @ 2.500) + sum(max_over_time(baz[1h:] @ 1.000)) + qux @ 7.000")
    }

    // MARK: - Errors

    @Test func errorCarriesByteRangeAndPosition() {
        do {
            _ = try PromQL.parse("sum(")
            Issue.record("parsed")
        } catch {
            #expect(error.message == "unclosed left parenthesis")
            #expect(error.position == 4..<4)
            #expect(error.line == 1 && error.column == 5)
            #expect(error.description == "1:5: parse error: unclosed left parenthesis")
            #expect(error.apiMessage() == #"invalid parameter "query": 1:5: parse error: unclosed left parenthesis"#)
        }
    }

    @Test func unexpectedTokenErrorCoversTheToken() {
        do {
            _ = try PromQL.parse("foo bar")
            Issue.record("parsed")
        } catch {
            #expect(error.position == 4..<7)
            #expect(error.message == #"unexpected identifier "bar""#)
        }
    }

    @Test func columnsCountBytesOnTheErrorLine() {
        do {
            _ = try PromQL.parse("foo{a=\"é\"}\n  + \"x\"")
            Issue.record("parsed")
        } catch {
            #expect(error.line == 2)
            #expect(error.column == 5)
            #expect(error.position.lowerBound == 16)
        }
    }

    @Test func lexicalErrorsRunToTheEndOfInput() {
        do {
            _ = try PromQL.parse("foo{a=\"b\" $ }")
            Issue.record("parsed")
        } catch {
            #expect(error.message == "unexpected character inside braces: '$'")
            #expect(error.position == 10..<13)
        }
    }

    @Test func operatorErrorsPointAtTheOperator() {
        do {
            _ = try PromQL.parse("1   ==   1")
            Issue.record("parsed")
        } catch {
            #expect(error.position.lowerBound == 4)
            #expect(error.column == 5)
        }
    }

    @Test func deepNestingIsRefusedInsteadOfOverflowingTheStack() throws {
        // The query itself is the first level; each parenthesis adds one.
        let nested = String(repeating: "(", count: 127) + "foo" + String(repeating: ")", count: 127)
        #expect(try PromQL.parse(nested).description == nested)
        do {
            _ = try PromQL.parse("(" + nested + ")")
            Issue.record("parsed")
        } catch {
            #expect(error.description == "1:129: parse error: query too complex: expression nested more than 128 levels deep")
        }

        let chain = Array(repeating: "foo", count: 500).joined(separator: " or ")
        #expect(try PromQL.parse(chain).type == .vector)
        do {
            _ = try PromQL.parse(chain + " or foo")
            Issue.record("parsed")
        } catch {
            #expect(error.message == "query too complex: expression more than 500 levels deep")
        }
    }

    // MARK: - Durations

    @Test(arguments: [
        ("1s", Int64(1000)), ("1ms", 1), ("5m", 300_000), ("1h30m", 5_400_000), ("1d", 86_400_000),
        ("1w", 604_800_000), ("1y", 31_536_000_000), ("1y1w1d1h1m1s1ms", 32_230_861_001), ("0", 0), ("0s", 0),
    ])
    func durationParses(_ text: String, _ milliseconds: Int64) throws {
        #expect(try PromQL.Duration(parsing: text).milliseconds == milliseconds)
    }

    @Test(arguments: [
        ("", "empty duration string"),
        ("1m1h", #"not a valid duration string: "1m1h""#),
        ("1h1h", #"not a valid duration string: "1h1h""#),
        ("1ms1s", #"not a valid duration string: "1ms1s""#),
        ("1.5h", #"not a valid duration string: "1.5h""#),
        ("h", #"not a valid duration string: "h""#),
        ("5", #"not a valid duration string: "5""#),
        ("-5m", #"not a valid duration string: "-5m""#),
        ("5M", #"not a valid duration string: "5M""#),
        ("300y", "duration out of range"),
        ("106752d", "duration out of range"),
        ("99999999999999999999s", "duration out of range"),
    ])
    func durationRejects(_ text: String, _ message: String) {
        #expect(throws: PromQL.Duration.InvalidDuration.self) { try PromQL.Duration(parsing: text) }
        do {
            _ = try PromQL.Duration(parsing: text)
        } catch {
            #expect(error.message == message)
        }
    }

    @Test(arguments: [
        (Int64(0), "0s"), (1, "1ms"), (1000, "1s"), (90_000, "1m30s"), (5_400_000, "1h30m"),
        (86_400_000, "1d"), (604_800_000, "1w"), (1_209_600_000, "2w"), (864_000_000, "10d"),
        (31_536_000_000, "1y"), (32_745_600_000, "379d"), (-300_000, "-5m"), (3_601_001, "1h1s1ms"),
    ])
    func durationFormats(_ milliseconds: Int64, _ text: String) {
        #expect(PromQL.Duration(milliseconds: milliseconds).description == text)
    }

    @Test func durationNearTheLimitParses() throws {
        // 106751 days is the largest whole number of days that fits in nanoseconds.
        #expect(try PromQL.Duration(parsing: "106751d").milliseconds == 106_751 * 86_400_000)
    }

    // MARK: - Function table

    @Test func functionTableHasEveryPrometheus242Function() {
        #expect(FunctionSignatures.all.count == 70)
        #expect(FunctionSignatures.named("rate")?.argumentTypes == [.matrix])
        #expect(FunctionSignatures.named("label_join")?.variadic == -1)
        #expect(FunctionSignatures.named("round")?.variadic == 1)
        #expect(FunctionSignatures.named("histogram_fraction")?.argumentTypes == [.scalar, .scalar, .vector])
        #expect(FunctionSignatures.named("time")?.returnType == .scalar)
        #expect(FunctionSignatures.named("holt_winters") != nil)
        // Added after 2.42.
        #expect(FunctionSignatures.named("sort_by_label") == nil)
        #expect(FunctionSignatures.named("histogram_stddev") == nil)
        #expect(FunctionSignatures.named("rate")?.description == "rate(range vector) -> instant vector")
    }

    @Test func everyFunctionNameParsesAsACall() throws {
        for signature in FunctionSignatures.all.values {
            let args = signature.argumentTypes.map { type -> String in
                switch type {
                case .scalar: "1"
                case .vector: "foo"
                case .matrix: "foo[1m]"
                case .string: "\"x\""
                case .none: ""
                }
            }
            let query = "\(signature.name)(\(args.joined(separator: ", ")))"
            let expr = try PromQL.parse(query)
            #expect(expr.description == query)
            #expect(expr.type == signature.returnType)
        }
    }

    // MARK: - Go formatting

    @Test(arguments: [
        (0.1, "0.1"), (1e21, "1000000000000000000000"), (1e-7, "0.0000001"), (123456.789, "123456.789"),
        (-2.5, "-2.5"),
    ])
    func shortestFixedNotation(_ value: Double, _ text: String) {
        #expect(GoFormat.shortestFixed(value) == text)
    }

    @Test func shortestFixedNotationOfTheSmallestDouble() {
        #expect(GoFormat.shortestFixed(.leastNonzeroMagnitude) == "0." + String(repeating: "0", count: 323) + "5")
    }

    @Test(arguments: [
        (1.2345, 3, "1.234"), (1.2355, 3, "1.236"), (0.5, 0, "0"), (1.5, 0, "2"), (2.5, 0, "2"),
        (-0.0, 3, "-0.000"), (1e19, 6, "10000000000000000000.000000"), (0.0005, 3, "0.001"),
    ])
    func exactFixedNotation(_ value: Double, _ decimals: Int, _ text: String) {
        #expect(GoFormat.fixed(value, decimals: decimals) == text)
    }

    @Test func goQuoting() {
        #expect(GoFormat.quote("a\"b\\c\n\t\u{7}\u{0}é😀\u{a0}") == #""a\"b\\c\n\t\a\x00é😀\u00a0""#)
        #expect(GoFormat.quoteRune(Int32(UInt8(ascii: "'"))) == #"'\''"#)
        #expect(GoFormat.quoteRune(-1) == "'\u{FFFD}'")
        #expect(GoFormat.unicodeNotation(0x63) == "U+0063 'c'")
        #expect(GoFormat.unicodeNotation(0x0A) == "U+000A")
    }
}
