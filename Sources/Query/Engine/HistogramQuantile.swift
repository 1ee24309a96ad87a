import TSDB

/// `histogram_quantile(q, buckets)` over classic histograms: series with an `le` label are
/// grouped by their other labels (the metric name included, so two histograms never mix)
/// and each group's quantile is interpolated within the bucket it falls in.
struct HistogramQuantileOperator: StepOperator {
    /// Per input series: its group, or nil without a parsable `le`.
    private var groupOf: [Int?] = []
    private var upperBound: [Double] = []
    private var groupIDs: [Int] = []
    private var buckets: [[Bucket]] = []
    private var touched: [Int] = []

    struct Bucket {
        var upperBound: Double
        var count: Double
    }

    mutating func prepare(_ inputs: [Matrix], _ output: inout OutputTable) throws(QueryError) {
        var groups: [Labels: Int] = [:]
        for series in inputs[1] {
            guard let le = series.labels["le"], let bound = GoFloat.parse(le) else {
                groupOf.append(nil)
                upperBound.append(.nan)
                continue
            }
            let signature = series.labels.removing(["le"])
            let group: Int
            if let existing = groups[signature] {
                group = existing
            } else {
                group = groupIDs.count
                groups[signature] = group
                groupIDs.append(output.id(for: signature.droppingMetricName()))
                buckets.append([])
            }
            groupOf.append(group)
            upperBound.append(bound)
        }
    }

    mutating func step(_ t: Int64, _ args: [[StepElement]], _ output: inout OutputTable) throws(QueryError) {
        let q = args[0].first?.value ?? .nan
        for group in touched { buckets[group].removeAll(keepingCapacity: true) }
        touched.removeAll(keepingCapacity: true)
        for element in args[1] {
            guard let group = groupOf[element.series] else { continue }
            if buckets[group].isEmpty { touched.append(group) }
            buckets[group].append(Bucket(upperBound: upperBound[element.series], count: element.value))
        }
        for group in touched {
            output.emit(groupIDs[group], Self.bucketQuantile(q, &buckets[group]))
        }
    }

    /// The quantile `q` of cumulative `buckets` (sorted here by upper bound), assuming
    /// observations spread evenly within a bucket and a lower bound of 0 for the first
    /// bucket when its upper bound is positive; the highest finite bound when `q` falls in
    /// the `+Inf` bucket. NaN without a `+Inf` bucket, with fewer than two buckets or no
    /// observations; ∓Inf for `q` outside [0, 1].
    static func bucketQuantile(_ q: Double, _ buckets: inout [Bucket]) -> Double {
        if q.isNaN { return .nan }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        buckets.sort { $0.upperBound < $1.upperBound }
        guard let last = buckets.last, last.upperBound == .infinity else { return .nan }
        coalesce(&buckets)
        ensureMonotonic(&buckets)
        guard buckets.count >= 2 else { return .nan }
        let observations = buckets[buckets.count - 1].count
        guard observations != 0 else { return .nan }
        var rank = q * observations
        // The first bucket (the +Inf one excluded) whose count reaches the rank.
        var b = buckets.count - 1
        var low = 0
        var high = buckets.count - 1
        while low < high {
            let mid = (low + high) / 2
            if buckets[mid].count >= rank { high = mid } else { low = mid + 1 }
        }
        b = low
        if b == buckets.count - 1 { return buckets[buckets.count - 2].upperBound }
        if b == 0 && buckets[0].upperBound <= 0 { return buckets[0].upperBound }
        var bucketStart = 0.0
        let bucketEnd = buckets[b].upperBound
        var count = buckets[b].count
        if b > 0 {
            bucketStart = buckets[b - 1].upperBound
            count -= buckets[b - 1].count
            rank -= buckets[b - 1].count
        }
        return bucketStart + (bucketEnd - bucketStart) * (rank / count)
    }

    /// Merges buckets with the same upper bound (they come from series that differ only
    /// in how `le` is spelled, `1` and `1.0`).
    static func coalesce(_ buckets: inout [Bucket]) {
        var merged: [Bucket] = []
        merged.reserveCapacity(buckets.count)
        for bucket in buckets {
            if let last = merged.last, last.upperBound == bucket.upperBound {
                merged[merged.count - 1].count += bucket.count
            } else {
                merged.append(bucket)
            }
        }
        buckets = merged
    }

    /// Raises any count lower than the one before it: buckets scraped at slightly
    /// different moments can make a cumulative histogram dip.
    static func ensureMonotonic(_ buckets: inout [Bucket]) {
        var max = buckets[0].count
        for i in 1..<buckets.count {
            if buckets[i].count > max {
                max = buckets[i].count
            } else if buckets[i].count < max {
                buckets[i].count = max
            }
        }
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for label values: decimal and hexadecimal floats,
/// `Inf`/`Infinity`/`NaN` in any case with an optional sign; nil for anything else (digit
/// separators included) or a value out of range (Go reports `ErrRange`).
enum GoFloat {
    static func parse(_ text: String) -> Double? {
        var body = Substring(text)
        var negative = false
        if let sign = body.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        switch body.lowercased() {
        case "inf", "infinity": return negative ? -.infinity : .infinity
        case "nan": return .nan
        default: break
        }
        guard !body.isEmpty, body.first != "+", body.first != "-", !body.contains("_") else { return nil }
        let lower = body.lowercased()
        if lower.hasPrefix("0x") {
            // Go requires a `p` exponent on hexadecimal mantissas.
            guard lower.contains("p") else { return nil }
        } else {
            let allowed = Set("0123456789.e+-")
            guard lower.allSatisfy({ allowed.contains($0) }), lower.contains(where: \.isNumber) else { return nil }
        }
        guard let value = Double(String(body)) else { return nil }
        if value.isInfinite { return nil }
        return negative ? -value : value
    }
}
