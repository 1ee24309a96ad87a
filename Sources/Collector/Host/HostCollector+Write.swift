public import TSDB

extension HostCollector {
    /// Collects at `timestamp` and appends every sample to `appender`, with `extraLabels`
    /// (typically `instance` and `job`) added to each series. The batch is left for the
    /// caller to commit or roll back.
    ///
    /// On a name clash the collector's own label wins: `device`, `cpu` and the rest are
    /// the series' identity and must keep node-exporter's meaning. A sample the appender
    /// refuses is reported in ``HostWriteResult/refused``; the others still go in.
    public mutating func write(
        into appender: inout some Appender & ~Copyable,
        at timestamp: Int64,
        extraLabels: [Label] = []
    ) -> HostWriteResult {
        let snapshot = collect(at: timestamp)
        var result = HostWriteResult(errors: snapshot.errors)

        if seriesCache.extraLabels != extraLabels {
            seriesCache = HostSeriesCache(extraLabels: extraLabels)
        }
        // Rebuilt each time so devices and mounts that went away do not pin their entries.
        var next = [Labels: HostSeriesCache.Entry](minimumCapacity: snapshot.samples.count)
        for sample in snapshot.samples {
            var entry = seriesCache.entries[sample.labels]
                ?? HostSeriesCache.Entry(labels: Self.merge(sample.labels, extraLabels), ref: .unknown)
            do throws(AppendError) {
                entry.ref = try appender.append(entry.ref, entry.labels, timestamp, sample.value)
                result.appended += 1
            } catch {
                result.refused.append(error)
            }
            next[sample.labels] = entry
        }
        seriesCache.entries = next
        return result
    }

    /// `own` plus each extra label whose name `own` (or an earlier extra) does not have.
    static func merge(_ own: Labels, _ extra: [Label]) -> Labels {
        if extra.isEmpty { return own }
        var pairs = own.pairs
        pairs.reserveCapacity(pairs.count + extra.count)
        for label in extra where !label.value.isEmpty && !pairs.contains(where: { $0.name == label.name }) {
            pairs.append(label)
        }
        return Labels(pairs)
    }
}

/// The final label set and store ref of each series the collector wrote last time, keyed
/// by the collector's own labels; valid only for the extra labels it was built with.
struct HostSeriesCache: Sendable {
    struct Entry: Sendable {
        var labels: Labels
        var ref: SeriesRef
    }

    var extraLabels: [Label] = []
    var entries: [Labels: Entry] = [:]
}
