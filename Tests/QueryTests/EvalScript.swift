import Query
import TSDB

/// A PromQL test script of `testdata/eval/*.test`, in the spirit of Prometheus's
/// `promqltest` language.
///
/// Commands, one per line; indented lines belong to the command above; `#` starts a
/// comment line:
///
///     load <interval>                     series to store, one per indented line:
///         metric{a="b"} 0+10x100          …0, 10, … 1000 at 0, interval, … 100 × interval
///         other 1 _ 3 stale _x2 4x2       _ skips a step, _xN skips N, stale writes a stale
///                                          marker, vxN repeats v N + 1 times, a-bxN counts down
///     clear                               forgets everything loaded
///     engine <option> <value>             for the evals below: max_samples, lookback_delta,
///                                          subquery_step; `engine reset` restores defaults
///     eval instant at <time> <query>      expected result, one element per indented line:
///         {job="a"} 1                     vector element (labels, value)
///         metric{job="b"} NaN
///         3.5                             a scalar
///         "text"                          a string
///         {a="b"} 1@10s 2@20s             a range vector's series (value@time)
///     eval_ordered instant at <time> <query>   the vector in exactly this order
///     eval range from <t> to <t> step <d> <query>
///         {job="a"} 1 2 _ 4               one value per step, _ where the series has none
///     eval_fail instant at <time> <query> the query fails…
///         fail <errorType>: <text>        …optionally with this error type and this text in
///                                          the message
///     eval_fail range from … step … <query>
///
/// Times and durations are PromQL durations (`1m30s`) or seconds (`90`, `1.5`).
struct EvalScript: Sendable, CustomStringConvertible {
    let name: String
    let commands: [Command]

    var description: String { name }

    enum Command: Sendable {
        case load(line: Int, interval: Int64, series: [LoadedSeries])
        case clear
        case engine(line: Int, option: String, value: String)
        case eval(EvalCase)
    }

    struct LoadedSeries: Sendable {
        var labels: Labels
        /// One entry per interval; nil where the series has no sample.
        var values: [Double?]
    }

    struct EvalCase: Sendable {
        enum Kind: Sendable {
            case instant(Int64)
            case range(start: Int64, end: Int64, step: Int64)
        }

        var line: Int
        var query: String
        var kind: Kind
        var ordered = false
        var fails = false
        var expectedErrorType: String?
        var expectedErrorText: String?
        var expected: [Expected] = []
    }

    enum Expected: Sendable {
        case series(Labels, [Double?])
        case points(Labels, [Sample])
        case scalar(Double)
        case string(String)
    }

    struct SyntaxError: Error, CustomStringConvertible {
        let line: Int
        let message: String
        var description: String { "line \(line): \(message)" }
    }

    // MARK: - Parsing

    static func parse(name: String, text: String) throws -> EvalScript {
        var commands: [Command] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var index = 0
        func indentedBlock() -> [(Int, String)] {
            var block: [(Int, String)] = []
            while index < lines.count {
                let line = lines[index]
                let trimmed = line.trimmingWhitespace()
                if trimmed.isEmpty || trimmed.hasPrefix("#") {
                    if trimmed.isEmpty { break }
                    index += 1
                    continue
                }
                guard line.first == " " || line.first == "\t" else { break }
                block.append((index + 1, trimmed))
                index += 1
            }
            return block
        }
        while index < lines.count {
            let lineNumber = index + 1
            let line = lines[index].trimmingWhitespace()
            index += 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            let words = line.split(separator: " ", maxSplits: 1).map(String.init)
            switch words[0] {
            case "load":
                guard words.count == 2 else { throw SyntaxError(line: lineNumber, message: "load needs an interval") }
                let interval = try duration(words[1], line: lineNumber)
                var series: [LoadedSeries] = []
                for (number, text) in indentedBlock() {
                    let (labels, rest) = try parseLabels(text, line: number)
                    series.append(LoadedSeries(labels: labels, values: try parseValues(rest, line: number)))
                }
                commands.append(.load(line: lineNumber, interval: interval, series: series))
            case "clear":
                commands.append(.clear)
            case "engine":
                let parts = line.split(separator: " ").map(String.init)
                guard parts.count >= 2 else { throw SyntaxError(line: lineNumber, message: "engine needs an option") }
                commands.append(.engine(line: lineNumber, option: parts[1], value: parts.count > 2 ? parts[2] : ""))
            case "eval", "eval_ordered", "eval_fail":
                guard words.count == 2 else { throw SyntaxError(line: lineNumber, message: "eval needs a query") }
                var evalCase = try parseEvalHead(words[1], line: lineNumber)
                evalCase.ordered = words[0] == "eval_ordered"
                evalCase.fails = words[0] == "eval_fail"
                for (number, text) in indentedBlock() {
                    if evalCase.fails {
                        guard text.hasPrefix("fail") else {
                            throw SyntaxError(line: number, message: "eval_fail takes only a `fail <type>: <text>` line")
                        }
                        let spec = text.dropFirst(4).trimmingWhitespace()
                        if let colon = spec.firstIndex(of: ":") {
                            evalCase.expectedErrorType = String(spec[..<colon]).trimmingWhitespace()
                            evalCase.expectedErrorText = String(spec[spec.index(after: colon)...]).trimmingWhitespace()
                        } else if !spec.isEmpty {
                            evalCase.expectedErrorType = spec
                        }
                        continue
                    }
                    evalCase.expected.append(try parseExpected(text, line: number))
                }
                commands.append(.eval(evalCase))
            default:
                throw SyntaxError(line: lineNumber, message: "unknown command \(words[0])")
            }
        }
        return EvalScript(name: name, commands: commands)
    }

    private static func parseEvalHead(_ text: String, line: Int) throws -> EvalCase {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        if words.count >= 4, words[0] == "instant", words[1] == "at" {
            let query = text.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)[3]
            return EvalCase(line: line, query: String(query), kind: .instant(try duration(words[2], line: line)))
        }
        if words.count >= 8, words[0] == "range", words[1] == "from", words[3] == "to", words[5] == "step" {
            let query = text.split(separator: " ", maxSplits: 7, omittingEmptySubsequences: true)[7]
            return EvalCase(
                line: line, query: String(query),
                kind: .range(
                    start: try duration(words[2], line: line), end: try duration(words[4], line: line),
                    step: try duration(words[6], line: line)))
        }
        throw SyntaxError(line: line, message: "expected `instant at <t> <query>` or `range from <t> to <t> step <d> <query>`")
    }

    private static func parseExpected(_ text: String, line: Int) throws -> Expected {
        if text.hasPrefix("\"") {
            guard text.count >= 2, text.hasSuffix("\"") else { throw SyntaxError(line: line, message: "unterminated string") }
            return .string(String(text.dropFirst().dropLast()))
        }
        if let value = number(text) { return .scalar(value) }
        let (labels, rest) = try parseLabels(text, line: line)
        let tokens = rest.split(separator: " ").map(String.init)
        if let first = tokens.first, first.contains("@") {
            var points: [Sample] = []
            for token in tokens {
                let parts = token.split(separator: "@", maxSplits: 1).map(String.init)
                guard parts.count == 2, let value = number(parts[0]) else {
                    throw SyntaxError(line: line, message: "expected value@time, got \(token)")
                }
                points.append(Sample(try duration(parts[1], line: line), value))
            }
            return .points(labels, points)
        }
        return .series(labels, try parseValues(rest, line: line))
    }

    /// `name{a="b", c="d"}` (either part optional) and the text after it.
    static func parseLabels(_ text: String, line: Int) throws -> (Labels, String) {
        let chars = Array(text)
        var i = 0
        var pairs: [Label] = []
        var name = ""
        while i < chars.count, chars[i] != "{", chars[i] != " " {
            name.append(chars[i])
            i += 1
        }
        if !name.isEmpty { pairs.append(Label(Labels.metricName, name)) }
        if i < chars.count, chars[i] == "{" {
            i += 1
            while true {
                while i < chars.count, chars[i] == " " || chars[i] == "," { i += 1 }
                guard i < chars.count else { throw SyntaxError(line: line, message: "unclosed {") }
                if chars[i] == "}" {
                    i += 1
                    break
                }
                var label = ""
                while i < chars.count, chars[i] != "=", chars[i] != " " {
                    label.append(chars[i])
                    i += 1
                }
                while i < chars.count, chars[i] == " " { i += 1 }
                guard i + 1 < chars.count, chars[i] == "=", chars[i + 1] == "\"" else {
                    throw SyntaxError(line: line, message: "expected =\" after label \(label)")
                }
                i += 2
                var value = ""
                while i < chars.count, chars[i] != "\"" {
                    if chars[i] == "\\", i + 1 < chars.count {
                        i += 1
                        value.append(chars[i] == "n" ? "\n" : chars[i])
                    } else {
                        value.append(chars[i])
                    }
                    i += 1
                }
                guard i < chars.count else { throw SyntaxError(line: line, message: "unterminated label value") }
                i += 1
                pairs.append(Label(label, value))
            }
        }
        return (Labels(pairs), String(chars[i...]).trimmingWhitespace())
    }

    /// The expanding notation: `1 2 _ stale 0+10x3 5-1x2 7x2 _x3`.
    static func parseValues(_ text: String, line: Int) throws -> [Double?] {
        var values: [Double?] = []
        for token in text.split(separator: " ").map(String.init) {
            if token == "_" {
                values.append(nil)
            } else if token.hasPrefix("_x"), let count = Int(token.dropFirst(2)) {
                values.append(contentsOf: Array(repeating: nil, count: count))
            } else if token == "stale" {
                values.append(StaleMarker.value)
            } else if let value = number(token) {
                values.append(value)
            } else if let x = token.lastIndex(of: "x"), let count = Int(token[token.index(after: x)...]) {
                let head = String(token[..<x])
                var start = head
                var delta = 0.0
                // The sign that separates start and increment: not the first character and
                // not an exponent's sign.
                let chars = Array(head)
                for j in stride(from: chars.count - 1, to: 0, by: -1) where chars[j] == "+" || chars[j] == "-" {
                    if chars[j - 1] == "e" || chars[j - 1] == "E" { continue }
                    guard let increment = number(String(chars[(j + 1)...])) else { break }
                    start = String(chars[..<j])
                    delta = chars[j] == "-" ? -increment : increment
                    break
                }
                guard var value = number(start) else { throw SyntaxError(line: line, message: "bad value \(token)") }
                for _ in 0...count {
                    values.append(value)
                    value += delta
                }
            } else {
                throw SyntaxError(line: line, message: "bad value \(token)")
            }
        }
        return values
    }

    static func number(_ text: String) -> Double? {
        switch text {
        case "NaN": return .nan
        case "Inf", "+Inf": return .infinity
        case "-Inf": return -.infinity
        default:
            guard let first = text.first, first.isNumber || first == "-" || first == "+" || first == "." else { return nil }
            return Double(text)
        }
    }

    /// Milliseconds of `1m30s`, `90` (seconds) or `1.5` (seconds).
    static func duration(_ text: String, line: Int) throws -> Int64 {
        if let seconds = Double(text) { return Int64((seconds * 1000).rounded()) }
        var body = Substring(text)
        var negative = false
        if body.first == "-" {
            negative = true
            body = body.dropFirst()
        }
        guard let duration = try? PromQL.Duration(parsing: String(body)) else {
            throw SyntaxError(line: line, message: "bad duration \(text)")
        }
        return negative ? -duration.milliseconds : duration.milliseconds
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = lastIndex(where: { !isSpace($0) })!
        return String(self[start...end])
    }
}
