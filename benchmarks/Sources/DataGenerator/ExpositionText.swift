import TSDB

/// One scrape of one target as the target itself would serve it: Prometheus text 0.0.4 or
/// OpenMetrics 1.0, with `# HELP` and `# TYPE` lines, series grouped by family, no
/// timestamps, and without the `job` and `instance` labels (the scraper adds those).
///
/// ```swift
/// var generator = NodeExporterGenerator(GeneratorOptions(targets: 1, seriesPerTarget: 1_000))
/// var values: [Double] = []
/// generator.scrape(target: 0, into: &values)
/// let body = ExpositionText.scrape(generator.series(of: 0), values, openMetrics: true)
/// ```
///
/// Types are inferred from names, as the generator does not record them: a name with a
/// `_bucket` sibling is a histogram (`_bucket`, `_count`, `_sum`), `_total` a counter,
/// anything else a gauge.
public enum ExpositionText {
    public static func scrape(_ series: [GeneratedSeries], _ values: [Double], openMetrics: Bool) -> [UInt8] {
        let names = series.map { $0.labels.metricName ?? "" }
        let histograms = Set(names.compactMap { $0.hasSuffix("_bucket") ? String($0.dropLast(7)) : nil })
        func family(_ name: String) -> (name: String, type: String) {
            for suffix in ["_bucket", "_count", "_sum"] where name.hasSuffix(suffix) {
                let base = String(name.dropLast(suffix.count))
                if histograms.contains(base) { return (base, "histogram") }
            }
            if name.hasSuffix("_total") { return (openMetrics ? String(name.dropLast(6)) : name, "counter") }
            return (name, "gauge")
        }
        // Families in order of first appearance, each family's series in generator order.
        var order: [String] = []
        var members: [String: (type: String, indices: [Int])] = [:]
        for (i, name) in names.enumerated() {
            let (familyName, type) = family(name)
            if members[familyName] == nil { order.append(familyName) }
            members[familyName, default: (type, [])].indices.append(i)
        }
        var out: [UInt8] = []
        out.reserveCapacity(series.count * 96)
        for familyName in order {
            let (type, indices) = members[familyName]!
            out.append(contentsOf: "# HELP \(familyName) Generated node-exporter-like \(type) \(familyName).\n".utf8)
            out.append(contentsOf: "# TYPE \(familyName) \(type)\n".utf8)
            for i in indices {
                out.append(contentsOf: names[i].utf8)
                var first = true
                for label in series[i].labels where label.name != "__name__" && label.name != "job" && label.name != "instance" {
                    out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
                    first = false
                    out.append(contentsOf: label.name.utf8)
                    out.append(contentsOf: "=\"".utf8)
                    out.append(contentsOf: label.value.utf8)
                    out.append(UInt8(ascii: "\""))
                }
                if !first { out.append(UInt8(ascii: "}")) }
                out.append(UInt8(ascii: " "))
                series[i].format.write(values[i], into: &out)
                out.append(UInt8(ascii: "\n"))
            }
        }
        if openMetrics { out.append(contentsOf: "# EOF\n".utf8) }
        return out
    }
}
