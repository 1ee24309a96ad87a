/// A Go `time.Time` in UTC, as Alertmanager's templates see `StartsAt` and `EndsAt`: it
/// prints as `2026-12-05 10:30:23.123 +0000 UTC` and formats with Go's reference-time
/// layouts (`.Format "2006-01-02T15:04:05Z07:00"`).
///
/// Times come from RFC 3339 text in UTC, so there is no other location to keep; `Local`
/// is UTC too, which is what a server running in UTC prints.
struct GoInstant: Sendable, Hashable, CustomStringConvertible {
    /// Seconds since 1970-01-01 UTC; Go's zero time (year 1) is far below zero.
    var seconds: Int64
    /// 0 ..< 1_000_000_000.
    var nanoseconds: Int64

    /// Go's zero `time.Time`, `0001-01-01 00:00:00 +0000 UTC`: an alert's `EndsAt` while it fires.
    static let zero = GoInstant(seconds: -62_135_596_800, nanoseconds: 0)

    init(seconds: Int64, nanoseconds: Int64) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    init(milliseconds: Int64) {
        seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        nanoseconds = (milliseconds - seconds * 1000) * 1_000_000
    }

    /// `2026-12-05T10:30:23.123Z` or with a numeric offset, as `time.RFC3339Nano` parses
    /// it; nil for anything else.
    init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= b.count else { return nil }
            var value: Int64 = 0
            for byte in b[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] | 0x20 == UInt8(ascii: "t"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        var index = 19
        var nanos: Int64 = 0
        if b[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < b.count, b[index] >= UInt8(ascii: "0"), b[index] <= UInt8(ascii: "9") {
                if digits < 9 { nanos = nanos * 10 + Int64(b[index] - UInt8(ascii: "0")) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 9) { nanos *= 10 }
        }
        var offset: Int64 = 0
        if index < b.count, b[index] | 0x20 == UInt8(ascii: "z") {
            index += 1
        } else if index + 6 == b.count, b[index] == UInt8(ascii: "+") || b[index] == UInt8(ascii: "-"), b[index + 3] == UInt8(ascii: ":"),
                  let hours = number(index + 1..<index + 3), let minutes = number(index + 4..<index + 6)
        {
            offset = (hours * 3600 + minutes * 60) * (b[index] == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        } else {
            return nil
        }
        guard index == b.count else { return nil }
        let days = GoTime.days(year: year, month: month, day: day)
        self.init(seconds: days * 86_400 + hour * 3600 + minute * 60 + second - offset, nanoseconds: nanos)
    }

    var isZero: Bool { self == .zero }

    /// `time.Time.String()`.
    var description: String { format("2006-01-02 15:04:05.999999999 -0700 MST") }

    var unixMilliseconds: Int64 { seconds &* 1000 &+ nanoseconds / 1_000_000 }

    // MARK: - Calendar

    struct Fields {
        var year: Int64, month: Int64, day: Int64, yearDay: Int64, weekday: Int64
        var hour: Int64, minute: Int64, second: Int64
    }

    var fields: Fields {
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = GoTime.civil(fromDays: days)
        let yearDay = days - GoTime.days(year: year, month: 1, day: 1) + 1
        // 1970-01-01 was a Thursday (4).
        let weekday = ((days % 7) + 7 + 4) % 7
        return Fields(
            year: year, month: month, day: day, yearDay: yearDay, weekday: weekday,
            hour: secondOfDay / 3600, minute: secondOfDay / 60 % 60, second: secondOfDay % 60)
    }

    // MARK: - Layouts

    private static let longMonths = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ]
    private static let longDays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    /// `time.Time.Format`: the parts of `layout` that spell Go's reference time
    /// `Mon Jan 2 15:04:05 MST 2006` are replaced by this time's; the rest is copied.
    func format(_ layout: String) -> String {
        let f = fields
        var out = ""
        var rest = Substring(layout)
        while !rest.isEmpty {
            guard let (prefix, chunk, suffix) = Self.nextChunk(rest) else {
                out += rest
                break
            }
            out += prefix
            rest = suffix
            switch chunk {
            case .year: out += GoTime.pad(((f.year % 100) + 100) % 100, 2)
            case .longYear: out += GoTime.pad(f.year, 4)
            case .month: out += Self.longMonths[Int(f.month - 1)].prefix(3)
            case .longMonth: out += Self.longMonths[Int(f.month - 1)]
            case .numMonth: out += String(f.month)
            case .zeroMonth: out += GoTime.pad(f.month, 2)
            case .weekDay: out += Self.longDays[Int(f.weekday)].prefix(3)
            case .longWeekDay: out += Self.longDays[Int(f.weekday)]
            case .day: out += String(f.day)
            case .underDay: out += (f.day < 10 ? " " : "") + String(f.day)
            case .zeroDay: out += GoTime.pad(f.day, 2)
            case .underYearDay: out += String(repeating: " ", count: 3 - String(f.yearDay).count) + String(f.yearDay)
            case .zeroYearDay: out += GoTime.pad(f.yearDay, 3)
            case .hour: out += GoTime.pad(f.hour, 2)
            case .hour12: out += String(f.hour % 12 == 0 ? 12 : f.hour % 12)
            case .zeroHour12: out += GoTime.pad(f.hour % 12 == 0 ? 12 : f.hour % 12, 2)
            case .minute: out += String(f.minute)
            case .zeroMinute: out += GoTime.pad(f.minute, 2)
            case .second: out += String(f.second)
            case .zeroSecond: out += GoTime.pad(f.second, 2)
            case .pm: out += f.hour >= 12 ? "PM" : "AM"
            case .lowerPM: out += f.hour >= 12 ? "pm" : "am"
            case .zone(let iso, let text): out += iso ? "Z" : text
            case .zoneName: out += "UTC"
            case .fraction(let separator, let digits, let trim):
                var buffer = Array(GoTime.pad(nanoseconds, 9))
                var n = min(digits, 9)
                if trim {
                    while n > 0 && buffer[n - 1] == "0" { n -= 1 }
                    if n == 0 { continue }
                }
                buffer.removeSubrange(n...)
                out.append(separator)
                out += String(buffer)
            }
        }
        return out
    }

    private enum Chunk {
        case year, longYear, month, longMonth, numMonth, zeroMonth, weekDay, longWeekDay
        case day, underDay, zeroDay, underYearDay, zeroYearDay
        case hour, hour12, zeroHour12, minute, zeroMinute, second, zeroSecond, pm, lowerPM
        /// A numeric zone; `iso` ones (`Z07:00`) print `Z` for UTC, the others `text`.
        case zone(iso: Bool, text: String)
        case zoneName
        case fraction(separator: Character, digits: Int, trim: Bool)
    }

    /// Go's `nextStdChunk`: the text before the first layout element, the element, and what follows.
    private static func nextChunk(_ layout: Substring) -> (Substring, Chunk, Substring)? {
        let b = Array(layout.utf8)
        func has(_ i: Int, _ word: String) -> Bool {
            let w = Array(word.utf8)
            return i + w.count <= b.count && Array(b[i..<i + w.count]) == w
        }
        func cut(_ i: Int, _ length: Int, _ chunk: Chunk) -> (Substring, Chunk, Substring) {
            let start = layout.utf8.index(layout.startIndex, offsetBy: i)
            let end = layout.utf8.index(start, offsetBy: length)
            return (layout[..<start], chunk, layout[end...])
        }
        func isDigit(_ i: Int) -> Bool { i < b.count && b[i] >= UInt8(ascii: "0") && b[i] <= UInt8(ascii: "9") }
        let zones: [(String, Chunk)] = [
            ("070000", .zone(iso: false, text: "+000000")), ("07:00:00", .zone(iso: false, text: "+00:00:00")),
            ("0700", .zone(iso: false, text: "+0000")), ("07:00", .zone(iso: false, text: "+00:00")), ("07", .zone(iso: false, text: "+00")),
        ]
        for i in b.indices {
            switch b[i] {
            case UInt8(ascii: "J"):
                if has(i, "January") { return cut(i, 7, .longMonth) }
                if has(i, "Jan") { return cut(i, 3, .month) }
            case UInt8(ascii: "M"):
                if has(i, "Monday") { return cut(i, 6, .longWeekDay) }
                if has(i, "Mon") { return cut(i, 3, .weekDay) }
                if has(i, "MST") { return cut(i, 3, .zoneName) }
            case UInt8(ascii: "0"):
                if has(i, "002") { return cut(i, 3, .zeroYearDay) }
                if i + 1 < b.count, b[i + 1] >= UInt8(ascii: "1"), b[i + 1] <= UInt8(ascii: "6") {
                    let chunks: [Chunk] = [.zeroMonth, .zeroDay, .zeroHour12, .zeroMinute, .zeroSecond, .year]
                    return cut(i, 2, chunks[Int(b[i + 1] - UInt8(ascii: "1"))])
                }
            case UInt8(ascii: "1"):
                if has(i, "15") { return cut(i, 2, .hour) }
                return cut(i, 1, .numMonth)
            case UInt8(ascii: "2"):
                if has(i, "2006") { return cut(i, 4, .longYear) }
                return cut(i, 1, .day)
            case UInt8(ascii: "_"):
                if has(i, "_2") {
                    // `_2006` is a literal `_` then the year.
                    if has(i, "_2006") { return cut(i + 1, 4, .longYear) }
                    return cut(i, 2, .underDay)
                }
                if has(i, "__2") { return cut(i, 3, .underYearDay) }
            case UInt8(ascii: "3"): return cut(i, 1, .hour12)
            case UInt8(ascii: "4"): return cut(i, 1, .minute)
            case UInt8(ascii: "5"): return cut(i, 1, .second)
            case UInt8(ascii: "P"):
                if has(i, "PM") { return cut(i, 2, .pm) }
            case UInt8(ascii: "p"):
                if has(i, "pm") { return cut(i, 2, .lowerPM) }
            case UInt8(ascii: "-"), UInt8(ascii: "Z"):
                let iso = b[i] == UInt8(ascii: "Z")
                for (word, chunk) in zones where has(i + 1, word) {
                    guard case .zone(_, let text) = chunk else { continue }
                    return cut(i, 1 + word.utf8.count, .zone(iso: iso, text: text))
                }
            case UInt8(ascii: "."), UInt8(ascii: ","):
                if i + 1 < b.count, b[i + 1] == UInt8(ascii: "0") || b[i + 1] == UInt8(ascii: "9") {
                    var j = i + 1
                    while j < b.count && b[j] == b[i + 1] { j += 1 }
                    if !isDigit(j) {
                        return cut(i, j - i, .fraction(separator: Character(Unicode.Scalar(b[i])), digits: j - i - 1, trim: b[i + 1] == UInt8(ascii: "9")))
                    }
                }
            default:
                break
            }
        }
        return nil
    }
}
