import Query
import Testing
import TSDB
@testable import Gateway

/// The bytes API responses are made of, as Prometheus writes them (its `marshalTimestamp`
/// keeps three decimals whenever the milliseconds are not zero).
struct PrometheusJSONTests {
    @Test(arguments: [
        (Int64(0), "0"), (1_000, "1"), (1_500, "1.500"), (1_050, "1.050"), (1_005, "1.005"), (-1_500, "-1.500"), (999, "0.999"),
        (1_767_311_985_565, "1767311985.565"), (Int64.max, "9223372036854775.807"),
    ])
    func timestamps(_ ms: Int64, _ text: String) {
        var json = PrometheusJSON()
        json.timestamp(ms)
        #expect(String(decoding: json.bytes, as: UTF8.self) == text)
    }

    @Test func aMatrixIsWrittenPointByPoint() {
        let labels = Labels(["__name__": "up", "job": "a\"b"])
        let series = QueryResult.matrix([RangeSeries(labels: labels, samples: [Sample(1_000, 1), Sample(16_000, 0.25), Sample(31_000, .nan)])])
        var json = PrometheusJSON()
        json.result(series)
        #expect(String(decoding: json.bytes, as: UTF8.self)
            == #"{"resultType":"matrix","result":[{"metric":{"__name__":"up","job":"a\"b"},"values":[[1,"1"],[16,"0.25"],[31,"NaN"]]}]}"#)
    }
}
