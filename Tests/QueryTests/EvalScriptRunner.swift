import Foundation
import Query
import TSDB

/// Runs an ``EvalScript`` against a real ``Store`` in a temporary directory and reports
/// every case whose result differs from what the script expects.
struct EvalScriptRunner {
    let script: EvalScript
    /// How many eval cases ran.
    private(set) var cases = 0
    private(set) var failures: [String] = []

    init(_ script: EvalScript) { self.script = script }

    mutating func run() {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sextant-eval-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var generation = 0
        var store: Store?
        var options = EngineOptions()
        func openStore() -> Store? {
            generation += 1
            do {
                return try Store(options: StoreOptions(
                    path: "\(directory)/\(generation)", walSync: .none, outOfOrderWindow: 100 * 365 * 86_400_000,
                    retention: 1000 * 365 * 86_400_000))
            } catch {
                failures.append("cannot open a store: \(error)")
                return nil
            }
        }
        store = openStore()
        for command in script.commands {
            guard let current = store else { return }
            switch command {
            case .clear:
                store = openStore()
            case .engine(let line, let option, let value):
                do {
                    try configure(&options, option, value, line: line)
                } catch {
                    failures.append("\(error)")
                }
            case .load(let line, let interval, let series):
                var appender = current.appender()
                do {
                    for entry in series {
                        var ref = SeriesRef.unknown
                        for (index, value) in entry.values.enumerated() {
                            guard let value else { continue }
                            ref = try appender.append(ref, entry.labels, Int64(index) * interval, value)
                        }
                    }
                    try appender.commit()
                } catch {
                    failures.append("line \(line): load failed: \(error)")
                }
            case .eval(let evalCase):
                cases += 1
                if let failure = check(evalCase, engine: Engine(options: options), querier: current.querier()) {
                    failures.append("line \(evalCase.line): \(evalCase.query)\n  \(failure)")
                }
            }
        }
    }

    private func configure(_ options: inout EngineOptions, _ option: String, _ value: String, line: Int) throws {
        switch option {
        case "reset": options = EngineOptions()
        case "max_samples":
            guard let limit = Int(value) else { throw EvalScript.SyntaxError(line: line, message: "bad max_samples") }
            options.maxSamples = limit
        case "lookback_delta": options.lookbackDelta = try EvalScript.duration(value, line: line)
        case "subquery_step": options.defaultSubqueryStep = try EvalScript.duration(value, line: line)
        case "max_points": options.maxPointsPerSeries = Int(value) ?? options.maxPointsPerSeries
        case "timeout":
            options.timeout = .milliseconds(try EvalScript.duration(value, line: line))
        default: throw EvalScript.SyntaxError(line: line, message: "unknown engine option \(option)")
        }
    }

    /// Why the case fails, or nil when it passes.
    private func check(_ evalCase: EvalScript.EvalCase, engine: Engine, querier: StoreQuerier) -> String? {
        let result: QueryResult
        do {
            switch evalCase.kind {
            case .instant(let time):
                result = try engine.instant(evalCase.query, at: time, querier: querier)
            case .range(let start, let end, let step):
                result = try engine.range(evalCase.query, start: start, end: end, step: step, querier: querier)
            }
        } catch {
            guard evalCase.fails else { return "unexpected error \(error)" }
            if let type = evalCase.expectedErrorType, type != error.type {
                return "expected a \(type) error, got \(error)"
            }
            if let text = evalCase.expectedErrorText, !error.message.contains(text) {
                return "expected an error containing \"\(text)\", got \(error)"
            }
            return nil
        }
        if evalCase.fails { return "expected an error, got \(Self.render(result))" }
        return compare(result, evalCase)
    }

    private func compare(_ result: QueryResult, _ evalCase: EvalScript.EvalCase) -> String? {
        let expected = evalCase.expected
        func mismatch() -> String { "expected\n\(Self.render(expected))\n  got\n\(Self.render(result))" }
        switch result {
        case .scalar(let sample):
            guard expected.count == 1, case .scalar(let value) = expected[0], Self.equal(value, sample.value) else { return mismatch() }
            return nil
        case .string(_, let text):
            guard expected.count == 1, case .string(let value) = expected[0], value == text else { return mismatch() }
            return nil
        case .vector(let samples):
            guard samples.count == expected.count else { return mismatch() }
            var wanted: [Labels: Double] = [:]
            for (index, entry) in expected.enumerated() {
                guard case .series(let labels, let values) = entry, let value = values.first ?? nil else { return mismatch() }
                if evalCase.ordered {
                    guard samples[index].labels == labels, Self.equal(value, samples[index].value) else { return mismatch() }
                }
                wanted[labels] = value
            }
            for sample in samples {
                guard let value = wanted[sample.labels], Self.equal(value, sample.value) else { return mismatch() }
            }
            return nil
        case .matrix(let series):
            guard series.count == expected.count else { return mismatch() }
            var wanted: [Labels: [Sample]] = [:]
            for entry in expected {
                switch entry {
                case .points(let labels, let points):
                    wanted[labels] = points
                case .series(let labels, let values):
                    guard case .range(let start, _, let step) = evalCase.kind else { return mismatch() }
                    wanted[labels] = values.enumerated().compactMap { index, value in
                        value.map { Sample(start + Int64(index) * step, $0) }
                    }
                default:
                    return mismatch()
                }
            }
            for entry in series {
                guard let points = wanted[entry.labels], points.count == entry.samples.count,
                      zip(points, entry.samples).allSatisfy({ $0.timestamp == $1.timestamp && Self.equal($0.value, $1.value) })
                else { return mismatch() }
            }
            if case .range = evalCase.kind {
                // Range results come sorted by labels.
                let labels = series.map(\.labels)
                if labels != labels.sorted(by: <) { return "series not sorted by labels\n" + mismatch() }
            }
            return nil
        }
    }

    /// Equal, NaN to NaN, or within a relative 1e-9.
    static func equal(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        if a == b { return true }
        return (a - b).magnitude <= 1e-9 * Swift.max(a.magnitude, b.magnitude)
    }

    private static func render(_ expected: [EvalScript.Expected]) -> String {
        if expected.isEmpty { return "    (nothing)" }
        return expected.map { entry -> String in
            switch entry {
            case .scalar(let value): "    scalar \(value)"
            case .string(let text): "    \"\(text)\""
            case .series(let labels, let values): "    \(labels) \(abbreviated(values.map { $0.map { "\($0)" } ?? "_" }))"
            case .points(let labels, let points): "    \(labels) \(abbreviated(points.map { "\($0.value)@\($0.timestamp)" }))"
            }
        }.joined(separator: "\n")
    }

    /// The first and last few of a long list of values.
    private static func abbreviated(_ items: [String]) -> String {
        guard items.count > 24 else { return items.joined(separator: " ") }
        return (items.prefix(12) + ["… \(items.count - 24) more …"] + items.suffix(12)).joined(separator: " ")
    }

    private static func render(_ result: QueryResult) -> String {
        switch result {
        case .scalar(let sample): return "    scalar \(sample.value)"
        case .string(_, let text): return "    \"\(text)\""
        case .vector(let samples):
            if samples.isEmpty { return "    (empty vector)" }
            return samples.map { "    \($0.labels) \($0.value)" }.joined(separator: "\n")
        case .matrix(let series):
            if series.isEmpty { return "    (empty matrix)" }
            return series.map { "    \($0.labels) \(abbreviated($0.samples.map { "\($0.value)@\($0.timestamp)" }))" }
                .joined(separator: "\n")
        }
    }
}
