/// The methods of Go's `time.Time` that notification templates use. Every time here is
/// UTC, so `Local` and `UTC` return it unchanged.
extension TemplateMethods {
    static let time: [String: [String: TemplateMethod]] = [
        "time.Time": [
            "Format": TemplateMethod([.string]) { receiver, args in .string(instant(receiver).format(args[0].stringValue)) },
            "String": TemplateMethod { receiver, _ in .string(instant(receiver).description) },
            "Unix": TemplateMethod { receiver, _ in .int(Int(instant(receiver).seconds)) },
            "UnixMilli": TemplateMethod { receiver, _ in .int(Int(instant(receiver).unixMilliseconds)) },
            "UTC": TemplateMethod { receiver, _ in receiver },
            "Local": TemplateMethod { receiver, _ in receiver },
            "IsZero": TemplateMethod { receiver, _ in .bool(instant(receiver).isZero) },
            "Year": TemplateMethod { receiver, _ in .int(Int(instant(receiver).fields.year)) },
            "YearDay": TemplateMethod { receiver, _ in .int(Int(instant(receiver).fields.yearDay)) },
            "Day": TemplateMethod { receiver, _ in .int(Int(instant(receiver).fields.day)) },
            "Hour": TemplateMethod { receiver, _ in .int(Int(instant(receiver).fields.hour)) },
            "Minute": TemplateMethod { receiver, _ in .int(Int(instant(receiver).fields.minute)) },
            "Second": TemplateMethod { receiver, _ in .int(Int(instant(receiver).fields.second)) },
            "Nanosecond": TemplateMethod { receiver, _ in .int(Int(instant(receiver).nanoseconds)) },
        ],
    ]

    private static func instant(_ value: TemplateValue) -> GoInstant {
        if case .time(let instant) = value { return instant }
        return .zero
    }
}
