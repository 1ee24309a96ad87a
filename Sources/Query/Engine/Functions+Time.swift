import TSDB

extension Functions {
    /// The evaluation time, sample times and calendar fields (all in UTC).
    static let timeFunctions: [String: FunctionImplementation] = [
        "time": .clock { t in Double(t) / 1000 },
        "timestamp": .timestamp,
        "year": .date(.year),
        "month": .date(.month),
        "day_of_month": .date(.dayOfMonth),
        "day_of_week": .date(.dayOfWeek),
        "day_of_year": .date(.dayOfYear),
        "days_in_month": .date(.daysInMonth),
        "hour": .date(.hour),
        "minute": .date(.minute),
    ]
}

/// A field of a UTC date, read as Go's `time` package reads it from Unix seconds.
enum CalendarField: Sendable {
    case year, month, dayOfMonth, dayOfWeek, dayOfYear, daysInMonth, hour, minute

    func value(_ date: GoDate) -> Double {
        switch self {
        case .year: Double(date.year)
        case .month: Double(date.month)
        case .dayOfMonth: Double(date.day)
        case .dayOfWeek: Double(date.weekday)
        case .dayOfYear: Double(date.yearDay)
        case .daysInMonth: Double(date.daysInMonth)
        case .hour: Double(date.hour)
        case .minute: Double(date.minute)
        }
    }
}

/// The calendar fields of `time.Unix(seconds, 0).UTC()`, computed with Go's algorithm
/// (days since an absolute zero year, in unsigned arithmetic) so that even absurd inputs
/// give Go's answers.
struct GoDate {
    let year: Int64
    let month: Int
    let day: Int
    let yearDay: Int
    let weekday: Int
    let hour: Int
    let minute: Int

    private static let secondsPerDay: UInt64 = 86_400
    private static let absoluteZeroYear: Int64 = -292_277_022_399
    private static let unixToAbsolute: Int64 = 62_135_596_800 &+ 9_223_371_966_579_724_800
    private static let daysPer400Years: UInt64 = 365 * 400 + 97
    private static let daysPer100Years: UInt64 = 365 * 100 + 24
    private static let daysPer4Years: UInt64 = 365 * 4 + 1
    private static let daysBefore: [Int] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365]

    init(unixSeconds: Int64) {
        let abs = UInt64(bitPattern: unixSeconds &+ Self.unixToAbsolute)
        var d = abs / Self.secondsPerDay
        var n = d / Self.daysPer400Years
        var y = 400 &* n
        d -= Self.daysPer400Years &* n
        n = d / Self.daysPer100Years
        n -= n >> 2
        y &+= 100 &* n
        d -= Self.daysPer100Years &* n
        n = d / Self.daysPer4Years
        y &+= 4 &* n
        d -= Self.daysPer4Years &* n
        n = d / 365
        n -= n >> 2
        y &+= n
        d -= 365 &* n
        year = Int64(bitPattern: y) &+ Self.absoluteZeroYear
        yearDay = Int(d) + 1

        var dayOfYear = Int(d)
        var month = 0
        var day = 0
        var done = false
        if Self.isLeap(year) {
            if dayOfYear > 31 + 29 - 1 {
                dayOfYear -= 1
            } else if dayOfYear == 31 + 29 - 1 {
                month = 2
                day = 29
                done = true
            }
        }
        if !done {
            var m = dayOfYear / 31
            let end = Self.daysBefore[m + 1]
            let begin: Int
            if dayOfYear >= end {
                m += 1
                begin = end
            } else {
                begin = Self.daysBefore[m]
            }
            month = m + 1
            day = dayOfYear - begin + 1
        }
        self.month = month
        self.day = day
        // Go counts weekdays from an absolute zero that fell on a Monday.
        weekday = Int((abs &+ Self.secondsPerDay) % (7 * Self.secondsPerDay) / Self.secondsPerDay)
        hour = Int(abs % Self.secondsPerDay) / 3600
        minute = Int(abs % 3600) / 60
    }

    var daysInMonth: Int {
        if month == 2 { return Self.isLeap(year) ? 29 : 28 }
        return Self.daysBefore[month] - Self.daysBefore[month - 1]
    }

    static func isLeap(_ year: Int64) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }
}

/// Go's `int64(f)` on amd64: truncation, and the minimum for NaN and out-of-range values.
func goInt64(_ value: Double) -> Int64 {
    guard value > -9_223_372_036_854_775_808.0, value < 9_223_372_036_854_775_808.0 else { return .min }
    return Int64(value)
}

/// A calendar field of each element's value read as Unix seconds, names dropped; without
/// an argument, of the evaluation time.
struct DateOperator: StepOperator {
    let field: CalendarField
    let hasArgument: Bool
    private var ids: [Int] = []
    private var empty = 0

    init(field: CalendarField, hasArgument: Bool) {
        self.field = field
        self.hasArgument = hasArgument
    }

    mutating func prepare(_ inputs: [Matrix], _ output: inout OutputTable) throws(QueryError) {
        if hasArgument {
            ids = inputs[0].map { output.id(for: $0.labels.droppingMetricName()) }
        } else {
            empty = output.id(for: .empty)
        }
    }

    mutating func step(_ t: Int64, _ args: [[StepElement]], _ output: inout OutputTable) throws(QueryError) {
        guard hasArgument else {
            output.emit(empty, field.value(GoDate(unixSeconds: t / 1000)))
            return
        }
        for element in args[0] {
            output.emit(ids[element.series], field.value(GoDate(unixSeconds: goInt64(element.value))))
        }
    }
}
