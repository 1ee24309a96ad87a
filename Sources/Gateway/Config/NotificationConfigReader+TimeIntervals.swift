import Alerting
import Foundation

/// `time_intervals:` (and its older name `mute_time_intervals:`), as Alertmanager 0.25 reads them:
///
/// ```yaml
/// time_intervals:
///   - name: offhours
///     time_intervals:
///       - times: [{start_time: "18:00", end_time: "24:00"}]
///         weekdays: ["monday:friday"]
///         location: Europe/Berlin
/// ```
extension NotificationConfigReader {
    func readTimeIntervals(_ m: ConfigMapping) throws(ConfigError) -> [String: [AlertTimeInterval]] {
        var out: [String: [AlertTimeInterval]] = [:]
        for key in ["time_intervals", "mute_time_intervals"] {
            for (index, node) in try m.sequence(key).enumerated() {
                let named = try ConfigMapping(node, source: m.source, path: m.keyPath("\(key)[\(index)]"))
                guard let name = try named.string("name"), !name.isEmpty else { throw named.error("name", "every time interval needs a name") }
                guard out[name] == nil else { throw named.error("name", "time interval \"\(name)\" is defined twice") }
                var intervals: [AlertTimeInterval] = []
                for (entryIndex, entryNode) in try named.sequence("time_intervals").enumerated() {
                    let entry = try ConfigMapping(entryNode, source: m.source, path: named.keyPath("time_intervals[\(entryIndex)]"))
                    intervals.append(try readTimeInterval(entry))
                }
                try named.finish()
                out[name] = intervals
            }
        }
        return out
    }

    private func readTimeInterval(_ m: ConfigMapping) throws(ConfigError) -> AlertTimeInterval {
        var interval = AlertTimeInterval()
        for (index, node) in try m.sequence("times").enumerated() {
            let time = try ConfigMapping(node, source: m.source, path: m.keyPath("times[\(index)]"))
            guard let start = try time.string("start_time") else { throw time.error("start_time", "a time range needs a start_time (HH:MM)") }
            guard let end = try time.string("end_time") else { throw time.error("end_time", "a time range needs an end_time (HH:MM)") }
            do throws(TimeIntervalError) {
                interval.times.append(try AlertTimeInterval.timeRange(start: start, end: end))
            } catch {
                throw time.error("start_time", "\(error)")
            }
            try time.finish()
        }
        interval.weekdays = try ranges(m, "weekdays", AlertTimeInterval.weekdayRange)
        interval.daysOfMonth = try ranges(m, "days_of_month", AlertTimeInterval.dayOfMonthRange)
        interval.months = try ranges(m, "months", AlertTimeInterval.monthRange)
        interval.years = try ranges(m, "years", AlertTimeInterval.yearRange)
        if let (name, fail) = try m.scalar("location") {
            do throws(TimeIntervalError) {
                interval.location = try AlertTimeInterval.location(name)
            } catch {
                throw fail("\(error)")
            }
        }
        try m.finish()
        return interval
    }

    private func ranges<Range>(
        _ m: ConfigMapping, _ key: String, _ parse: (String) throws(TimeIntervalError) -> Range
    ) throws(ConfigError) -> [Range] {
        var out: [Range] = []
        for (text, fail) in try Self.items(m, key) ?? [] {
            do throws(TimeIntervalError) {
                out.append(try parse(text))
            } catch {
                throw fail("\(error)")
            }
        }
        return out
    }

    /// A route's `mute_time_intervals` / `active_time_intervals`: names defined above.
    static func timeIntervalNames(_ m: ConfigMapping, _ key: String, defined: Set<String>, isRoot: Bool) throws(ConfigError) -> [String] {
        guard let items = try items(m, key), !items.isEmpty else { return [] }
        if isRoot { throw m.error(key, "the root route must not have \(key)") }
        for (name, fail) in items where !defined.contains(name) {
            throw fail("time interval \"\(name)\" is not defined under notifications.time_intervals")
        }
        return items.map(\.text)
    }
}
