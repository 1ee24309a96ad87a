import Synchronization
import Testing
@testable import Query
import TSDB

/// The engine's public surface: result shapes, errors as the HTTP API renders them,
/// limits, deadlines and cancellation. Evaluation semantics are in `testdata/eval`.
struct EngineTests {
    @Test func everyFunctionTheParserKnowsIsImplemented() {
        for name in FunctionSignatures.all.keys.sorted() {
            #expect(Functions.table[name] != nil, "\(name) has no implementation")
        }
        #expect(Functions.table.count == FunctionSignatures.all.count)
    }

    @Test func instantQueriesReturnTheExpressionsType() throws {
        let fixture = try TemporaryStore()
        try fixture.load(["__name__": "up", "job": "a"], interval: 10_000, [1, 0, 1])
        let engine = Engine()
        let querier = fixture.store.querier()

        guard case .vector(let vector) = try engine.instant("up", at: 15_000, querier: querier) else {
            Issue.record("expected a vector")
            return
        }
        #expect(vector == [InstantSample(labels: Labels(["__name__": "up", "job": "a"]), timestamp: 15_000, value: 0)])

        #expect(try engine.instant("1 + 1", at: 5_000, querier: querier) == .scalar(Sample(5_000, 2)))
        #expect(try engine.instant("\"text\"", at: 5_000, querier: querier) == .string(5_000, "text"))

        let matrix = try engine.instant("up[15s]", at: 20_000, querier: querier)
        #expect(matrix == .matrix([RangeSeries(labels: Labels(["__name__": "up", "job": "a"]), samples: [Sample(10_000, 0), Sample(20_000, 1)])]))
        #expect(matrix.resultType == "matrix")
    }

    @Test func rangeQueriesReturnMatricesSortedByLabels() throws {
        let fixture = try TemporaryStore()
        try fixture.load(["__name__": "m", "k": "b"], interval: 10_000, [1, 2, 3])
        try fixture.load(["__name__": "m", "k": "a"], interval: 10_000, [4, 5, 6])
        let result = try Engine().range("m * 2", start: 0, end: 20_000, step: 10_000, querier: fixture.store.querier())
        #expect(result == .matrix([
            RangeSeries(labels: Labels(["k": "a"]), samples: [Sample(0, 8), Sample(10_000, 10), Sample(20_000, 12)]),
            RangeSeries(labels: Labels(["k": "b"]), samples: [Sample(0, 2), Sample(10_000, 4), Sample(20_000, 6)]),
        ]))
        let scalar = try Engine().range("time()", start: 0, end: 2_000, step: 1_000, querier: fixture.store.querier())
        #expect(scalar == .matrix([RangeSeries(labels: .empty, samples: [Sample(0, 0), Sample(1_000, 1), Sample(2_000, 2)])]))
    }

    @Test func errorsCarryPrometheusTypesAndMessages() throws {
        let fixture = try TemporaryStore()
        let querier = fixture.store.querier()
        let engine = Engine()

        let parse = #expect(throws: QueryError.self) { try engine.instant("sum(", at: 0, querier: querier) }
        #expect(parse?.type == "bad_data")
        #expect(parse?.message == "1:5: parse error: unclosed left parenthesis")
        #expect(parse?.apiMessage == "invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis")

        let step = #expect(throws: QueryError.self) { try engine.range("1", start: 0, end: 10, step: 0, querier: querier) }
        #expect(step?.apiMessage == "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer")

        let end = #expect(throws: QueryError.self) { try engine.range("1", start: 10, end: 0, step: 1, querier: querier) }
        #expect(end?.apiMessage == "invalid parameter \"end\": end timestamp must not be before start time")

        let points = #expect(throws: QueryError.self) { try engine.range("1", start: 0, end: 11_001, step: 1, querier: querier) }
        #expect(points?.apiMessage == "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")

        let type = #expect(throws: QueryError.self) { try engine.range("up[5m]", start: 0, end: 10, step: 1, querier: querier) }
        #expect(type?.apiMessage == "invalid parameter \"query\": invalid expression type \"range vector\" for range query, must be Scalar or instant Vector")
    }

    @Test func theSampleLimitCountsSamplesHeldAtOnce() throws {
        let fixture = try TemporaryStore()
        for job in ["a", "b", "c"] { try fixture.load(["__name__": "up", "job": job], interval: 10_000, [1]) }
        let tight = Engine(options: EngineOptions(maxSamples: 2))
        #expect(throws: QueryError.execution("query processing would load too many samples into memory in query execution")) {
            try tight.instant("up", at: 0, querier: fixture.store.querier())
        }
        #expect(throws: Never.self) { try Engine(options: EngineOptions(maxSamples: 3)).instant("up", at: 0, querier: fixture.store.querier()) }
    }

    @Test func theDeadlineIsCheckedAgainstTheInjectedClock() throws {
        let fixture = try TemporaryStore()
        try fixture.load(["__name__": "up", "job": "a"], interval: 10_000, Array(repeating: 1, count: 100))
        // Each reading of the clock advances it by a second.
        let ticks = Mutex<Int64>(0)
        let clock: @Sendable () -> Duration = { ticks.withLock { $0 += 1; return .seconds($0) } }
        let slow = Engine(options: EngineOptions(timeout: .seconds(5), clock: clock))
        #expect(throws: QueryError.timeout("query timed out in expression evaluation")) {
            try slow.range("sum(up)", start: 0, end: 990_000, step: 10_000, querier: fixture.store.querier())
        }
        let patient = Engine(options: EngineOptions(timeout: .seconds(1_000_000), clock: clock))
        #expect(throws: Never.self) {
            try patient.range("sum(up)", start: 0, end: 990_000, step: 10_000, querier: fixture.store.querier())
        }
    }

    @Test func aCancelledTaskStopsTheQuery() async throws {
        let fixture = try TemporaryStore()
        try fixture.load(["__name__": "up", "job": "a"], interval: 10_000, [1, 1, 1])
        let querier = fixture.store.querier()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return Result { () throws(QueryError) in try Engine().instant("up", at: 0, querier: querier) }
        }
        guard case .failure(let error) = await task.value else {
            Issue.record("the query ran to the end")
            return
        }
        #expect(error == .canceled("query was canceled in expression evaluation"))
        #expect(error.type == "canceled")
    }
}
