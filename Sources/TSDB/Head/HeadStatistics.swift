/// Cardinality of the head, for `/api/v1/status/tsdb`: where the series come from.
public struct HeadStatistics: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var value: Int
    }

    public var numSeries: Int
    public var numLabelPairs: Int
    public var chunkCount: Int
    public var minTime: Int64?
    public var maxTime: Int64?
    /// Metric names with the most series.
    public var seriesCountByMetricName: [Entry]
    /// Label names with the most distinct values.
    public var labelValueCountByLabelName: [Entry]
    /// Label names whose values take the most bytes (sum of value lengths over series).
    public var memoryInBytesByLabelName: [Entry]
    /// `name=value` pairs carried by the most series.
    public var seriesCountByLabelValuePair: [Entry]
}

extension Postings {
    func statistics(top: Int) -> (pairs: Int, byMetric: [HeadStatistics.Entry], valueCounts: [HeadStatistics.Entry], bytes: [HeadStatistics.Entry], pairsBySeries: [HeadStatistics.Entry]) {
        var pairs = 0
        var valueCounts: [HeadStatistics.Entry] = []
        var bytes: [HeadStatistics.Entry] = []
        var pairCounts: [HeadStatistics.Entry] = []
        for (name, values) in byName {
            pairs += values.count
            valueCounts.append(.init(name: name, value: values.count))
            bytes.append(.init(name: name, value: values.reduce(0) { $0 + $1.key.value.utf8.count * $1.value.count }))
            for (value, refs) in values {
                pairCounts.append(.init(name: "\(name)=\(value.value)", value: refs.count))
            }
        }
        let byMetric = (byName[Labels.metricName] ?? [:]).map { HeadStatistics.Entry(name: $0.key.value, value: $0.value.count) }
        func topN(_ entries: [HeadStatistics.Entry]) -> [HeadStatistics.Entry] {
            Array(entries.sorted { $0.value != $1.value ? $0.value > $1.value : $0.name.bytesLess($1.name) }.prefix(top))
        }
        return (pairs, topN(byMetric), topN(valueCounts), topN(bytes), topN(pairCounts))
    }
}
