public import Foundation

/// One entry of an Alertmanager `time_intervals` definition: times of day, weekdays, days
/// of the month, months and years, in a location. A field left empty matches any value;
/// an instant is inside when every given field matches it. Routes name these in
/// `mute_time_intervals` (no notifications while inside) and `active_time_intervals`
/// (notifications only while inside).
public struct AlertTimeInterval: Sendable, Equatable {
    /// Minutes of the day, start inclusive, end exclusive (`end_time: 24:00` is 1 440).
    public var times: [Range<Int>] = []
    /// 0 is Sunday, 6 Saturday.
    public var weekdays: [ClosedRange<Int>] = []
    /// 1…31, or −31…−1 counted back from the month's last day (−1).
    public var daysOfMonth: [DayRange] = []
    /// 1 is January.
    public var months: [ClosedRange<Int>] = []
    public var years: [ClosedRange<Int>] = []
    /// An IANA time zone (`Europe/Berlin`) or `Local`; UTC when not given.
    public var location: TimeZone = TimeZone(identifier: "UTC")!

    public init() {}

    /// Whether the instant (Unix milliseconds) is inside this interval.
    public func contains(_ milliseconds: Int64) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = location
        let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        let c = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute], from: date)
        guard let year = c.year, let month = c.month, let day = c.day, let weekday = c.weekday, let hour = c.hour, let minute = c.minute
        else { return false }
        if !times.isEmpty && !times.contains(where: { $0.contains(hour * 60 + minute) }) { return false }
        if !weekdays.isEmpty && !weekdays.contains(where: { $0.contains(weekday - 1) }) { return false }
        if !daysOfMonth.isEmpty {
            let daysInMonth = calendar.range(of: .day, in: .month, for: date)?.count ?? 31
            let matches = daysOfMonth.contains { range in
                // Negative days count back from the end of this month, as Alertmanager resolves them.
                let lower = range.start < 0 ? daysInMonth + range.start + 1 : range.start
                let upper = range.end < 0 ? daysInMonth + range.end + 1 : range.end
                return lower <= day && day <= min(upper, daysInMonth)
            }
            if !matches { return false }
        }
        if !months.isEmpty && !months.contains(where: { $0.contains(month) }) { return false }
        if !years.isEmpty && !years.contains(where: { $0.contains(year) }) { return false }
        return true
    }

    // MARK: Parsing the fields as Alertmanager writes them

    public static let weekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
    public static let monthNames = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
    ]

    /// `HH:MM` to `HH:MM`, 00:00 up to 24:00, start before end.
    public static func timeRange(start: String, end: String) throws(TimeIntervalError) -> Range<Int> {
        let from = try minuteOfDay(start), to = try minuteOfDay(end)
        guard from < to else { throw .invalid("start_time \(start) must be before end_time \(end)") }
        return from..<to
    }

    static func minuteOfDay(_ text: String) throws(TimeIntervalError) -> Int {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
              parts[0].allSatisfy(\.isASCII), parts[1].allSatisfy(\.isASCII)
        else { throw .invalid("\"\(text)\" is not a time of day (HH:MM)") }
        guard (0...24).contains(hour), (0...59).contains(minute), hour < 24 || minute == 0 else {
            throw .invalid("\"\(text)\" is outside 00:00…24:00")
        }
        return hour * 60 + minute
    }

    /// `monday`, `monday:friday` (names in any case).
    public static func weekdayRange(_ text: String) throws(TimeIntervalError) -> ClosedRange<Int> {
        try range(text, what: "weekday") { (name: String) throws(TimeIntervalError) -> Int in
            guard let index = weekdayNames.firstIndex(of: name.lowercased()) else {
                throw .invalid("\"\(name)\" is not a weekday (sunday … saturday)")
            }
            return index
        }
    }

    /// Days of the month, inclusive; negative days count back from the month's end, so
    /// `1:-1` (every day) is a range whose bounds are only ordered once a month is known.
    public struct DayRange: Sendable, Equatable {
        public var start: Int
        public var end: Int

        public init(_ start: Int, _ end: Int) {
            self.start = start
            self.end = end
        }
    }

    /// `1`, `1:5`, `-3:-1` (days counted back from the month's end), `1:-1`.
    public static func dayOfMonthRange(_ text: String) throws(TimeIntervalError) -> DayRange {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count) else { throw .invalid("\"\(text)\" is not a day or a range of days (1:5, -3:-1)") }
        var days: [Int] = []
        for part in parts {
            guard let day = Int(part), day != 0, (-31...31).contains(day) else {
                throw .invalid("\"\(part)\" is not a day of the month (1…31, or -31…-1 from the end)")
            }
            days.append(day)
        }
        let (lower, upper) = (days[0], days.last!)
        // Mixed signs (1:-1) are resolved per month; same signs must be in order.
        if (lower > 0) == (upper > 0), lower > upper {
            throw .invalid("\"\(text)\": the start of a range of days must not be after its end")
        }
        if lower < 0, upper > 0 { throw .invalid("\"\(text)\": a range cannot start counting from the end and end counting from the start") }
        return DayRange(lower, upper)
    }

    /// `january`, `1`, `january:march`, `4:6`.
    public static func monthRange(_ text: String) throws(TimeIntervalError) -> ClosedRange<Int> {
        try range(text, what: "month") { (name: String) throws(TimeIntervalError) -> Int in
            if let number = Int(name) {
                guard (1...12).contains(number) else { throw .invalid("\"\(name)\" is not a month (1…12)") }
                return number
            }
            guard let index = monthNames.firstIndex(of: name.lowercased()) else {
                throw .invalid("\"\(name)\" is not a month (january … december or 1…12)")
            }
            return index + 1
        }
    }

    /// `2024`, `2024:2026`.
    public static func yearRange(_ text: String) throws(TimeIntervalError) -> ClosedRange<Int> {
        try range(text, what: "year") { (name: String) throws(TimeIntervalError) -> Int in
            guard let year = Int(name), (1...9999).contains(year) else { throw .invalid("\"\(name)\" is not a year") }
            return year
        }
    }

    /// `Local`, `UTC` or an IANA name.
    public static func location(_ text: String) throws(TimeIntervalError) -> TimeZone {
        if text == "Local" { return TimeZone.current }
        guard let zone = TimeZone(identifier: text) else { throw .invalid("\"\(text)\" is not a known time zone (IANA names such as Europe/Berlin)") }
        return zone
    }

    private static func range(
        _ text: String, what: String, _ value: (String) throws(TimeIntervalError) -> Int
    ) throws(TimeIntervalError) -> ClosedRange<Int> {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count), !parts.contains(where: \.isEmpty) else {
            throw .invalid("\"\(text)\" is not a \(what) or a range of them (start:end)")
        }
        let lower = try value(parts[0]), upper = try value(parts.last!)
        guard lower <= upper else { throw .invalid("\"\(text)\": the start of a range must not be after its end") }
        return lower...upper
    }
}

public enum TimeIntervalError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let reason): reason
        }
    }
}
