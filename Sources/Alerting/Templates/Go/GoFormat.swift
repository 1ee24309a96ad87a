/// Go's `fmt.Sprint`, `fmt.Sprintln` and `fmt.Sprintf` over template values, with Go's
/// verbs, flags, widths, precisions, argument indexes and its in-band error notes
/// (`%!d(string=x)`, `%!s(MISSING)`, `%!(EXTRA int=1)`, `%!(NOVERB)`, `%!(BADWIDTH)`).
///
/// Not reproduced: `%p` (pointers print as `&{…}` rather than addresses) and `%#v`'s Go
/// syntax for structs (printed as `%v`).
struct GoFormat {
    private var out: [UInt8] = []

    // Flags of the verb being formatted (Go's `fmt.fmtFlags`, `wid`, `prec`).
    private var plus = false
    private var minus = false
    private var sharp = false
    private var space = false
    private var zero = false
    private var plusV = false
    private var sharpV = false
    private var width = 0
    private var widthPresent = false
    private var precision = 0
    private var precisionPresent = false

    private static let tooLarge = 1_000_000
    /// Formatting stops once the output is this long; template execution refuses longer
    /// strings anyway, and this keeps a format full of huge widths from taking gigabytes.
    static let outputLimit = TemplateExecutor.maxOutput

    static func sprint(_ args: [TemplateValue]) -> String {
        var f = GoFormat()
        var previousString = false
        for (index, arg) in args.enumerated() {
            let isString = arg.isStringKind
            if index > 0 && !isString && !previousString { f.out.append(UInt8(ascii: " ")) }
            f.printArg(arg, verb: "v")
            previousString = isString
        }
        return f.result
    }

    static func sprintln(_ args: [TemplateValue]) -> String {
        var f = GoFormat()
        for (index, arg) in args.enumerated() {
            if index > 0 { f.out.append(UInt8(ascii: " ")) }
            f.printArg(arg, verb: "v")
        }
        f.out.append(UInt8(ascii: "\n"))
        return f.result
    }

    /// The `%v` text of one value.
    static func string(_ value: TemplateValue) -> String {
        var f = GoFormat()
        f.printArg(value, verb: "v")
        return f.result
    }

    static func sprintf(_ format: String, _ args: [TemplateValue]) -> String {
        var f = GoFormat()
        f.printf(Array(format.utf8), args)
        return f.result
    }

    private var result: String { String(decoding: out, as: UTF8.self) }

    private mutating func clearFlags() {
        plus = false; minus = false; sharp = false; space = false; zero = false
        plusV = false; sharpV = false
        width = 0; widthPresent = false; precision = 0; precisionPresent = false
    }

    // MARK: - Printf

    private mutating func printf(_ format: [UInt8], _ args: [TemplateValue]) {
        let end = format.count
        var argNum = 0
        var afterIndex = false
        var reordered = false
        var goodArgNum = true
        var i = 0

        func parseNumber(_ start: Int) -> (Int, Bool, Int) {
            if start >= end { return (0, false, end) }
            var number = 0
            var isNumber = false
            var index = start
            while index < end, format[index] >= UInt8(ascii: "0"), format[index] <= UInt8(ascii: "9") {
                if number > Self.tooLarge { return (0, false, end) }
                number = number * 10 + Int(format[index] - UInt8(ascii: "0"))
                isNumber = true
                index += 1
            }
            return (number, isNumber, index)
        }

        func argNumber(_ argNum: Int, _ i: Int) -> (Int, Int, Bool) {
            guard i < end, format[i] == UInt8(ascii: "[") else { return (argNum, i, false) }
            reordered = true
            // parseArgNumber: "[n]" with n ≥ 1.
            if end - i >= 3 {
                var close = i + 1
                while close < end, format[close] != UInt8(ascii: "]") { close += 1 }
                if close < end {
                    let (number, ok, next) = parseNumber(i + 1)
                    if ok && next == close {
                        let index = number - 1
                        if index >= 0 && index < args.count { return (index, close + 1, true) }
                        goodArgNum = false
                        return (argNum, close + 1, true)
                    }
                    goodArgNum = false
                    return (argNum, close + 1, false)
                }
            }
            goodArgNum = false
            return (argNum, i + 1, false)
        }

        func intFromArg(_ argNum: Int) -> (Int, Bool, Int) {
            guard argNum < args.count else { return (0, false, argNum) }
            var number = 0
            var isInt = false
            switch args[argNum] {
            case .int(let n): number = n; isInt = true
            case .byte(let b): number = Int(b); isInt = true
            default: break
            }
            if number > Self.tooLarge || number < -Self.tooLarge { return (0, false, argNum + 1) }
            return (number, isInt, argNum + 1)
        }

        while i < end && out.count <= Self.outputLimit {
            goodArgNum = true
            let literalStart = i
            while i < end && format[i] != UInt8(ascii: "%") { i += 1 }
            if i > literalStart { out += format[literalStart..<i] }
            if i >= end { break }
            i += 1
            clearFlags()
            flags: while i < end {
                switch format[i] {
                case UInt8(ascii: "#"): sharp = true
                case UInt8(ascii: "0"): zero = !minus
                case UInt8(ascii: "+"): plus = true
                case UInt8(ascii: "-"): minus = true; zero = false
                case UInt8(ascii: " "): space = true
                default: break flags
                }
                i += 1
            }
            (argNum, i, afterIndex) = argNumber(argNum, i)
            if i < end && format[i] == UInt8(ascii: "*") {
                i += 1
                (width, widthPresent, argNum) = intFromArg(argNum)
                if !widthPresent { out += Array("%!(BADWIDTH)".utf8) }
                if width < 0 {
                    width = -width
                    minus = true
                    zero = false
                }
                afterIndex = false
            } else {
                (width, widthPresent, i) = parseNumber(i)
                if afterIndex && widthPresent { goodArgNum = false }
            }
            if i + 1 < end && format[i] == UInt8(ascii: ".") {
                i += 1
                if afterIndex { goodArgNum = false }
                (argNum, i, afterIndex) = argNumber(argNum, i)
                if i < end && format[i] == UInt8(ascii: "*") {
                    i += 1
                    (precision, precisionPresent, argNum) = intFromArg(argNum)
                    if precision < 0 {
                        precision = 0
                        precisionPresent = false
                    }
                    if !precisionPresent { out += Array("%!(BADPREC)".utf8) }
                    afterIndex = false
                } else {
                    (precision, precisionPresent, i) = parseNumber(i)
                    if !precisionPresent {
                        precision = 0
                        precisionPresent = true
                    }
                }
            }
            if !afterIndex { (argNum, i, afterIndex) = argNumber(argNum, i) }
            if i >= end {
                out += Array("%!(NOVERB)".utf8)
                break
            }
            let (verb, size) = Self.decodeRune(format, at: i)
            i += size
            if verb == "%" {
                out.append(UInt8(ascii: "%"))
            } else if !goodArgNum {
                out += Array("%!".utf8)
                appendScalar(verb)
                out += Array("(BADINDEX)".utf8)
            } else if argNum >= args.count {
                out += Array("%!".utf8)
                appendScalar(verb)
                out += Array("(MISSING)".utf8)
            } else {
                if verb == "v" {
                    sharpV = sharp
                    sharp = false
                    plusV = plus
                    plus = false
                }
                printArg(args[argNum], verb: verb)
                argNum += 1
            }
        }
        if !reordered && argNum < args.count {
            clearFlags()
            out += Array("%!(EXTRA ".utf8)
            for (index, arg) in args[argNum...].enumerated() {
                if index > 0 { out += Array(", ".utf8) }
                if case .invalid = arg {
                    out += Array("<nil>".utf8)
                } else {
                    out += Array(arg.typeName.utf8)
                    out.append(UInt8(ascii: "="))
                    printArg(arg, verb: "v")
                }
            }
            out.append(UInt8(ascii: ")"))
        }
    }

    private static func decodeRune(_ bytes: [UInt8], at index: Int) -> (Unicode.Scalar, Int) {
        let first = bytes[index]
        if first < 0x80 { return (Unicode.Scalar(first), 1) }
        var length = 1
        while index + length < bytes.count, length < 4, bytes[index + length] & 0xC0 == 0x80 { length += 1 }
        let scalar = String(decoding: bytes[index..<index + length], as: UTF8.self).unicodeScalars.first ?? "\u{FFFD}"
        return (scalar, length)
    }

    private mutating func appendScalar(_ scalar: Unicode.Scalar) {
        out += Array(String(scalar).utf8)
    }

    // MARK: - Values

    private mutating func printArg(_ arg: TemplateValue, verb: Unicode.Scalar) {
        if case .invalid = arg {
            switch verb {
            case "T", "v": padString("<nil>")
            default: badVerb(verb, arg)
            }
            return
        }
        switch verb {
        case "T":
            formatString(arg.typeName)
            return
        case "p":
            badVerb(verb, arg)
            return
        default:
            break
        }
        printValue(arg, verb: verb, depth: 0)
    }

    private mutating func printValue(_ value: TemplateValue, verb: Unicode.Scalar, depth: Int) {
        switch value {
        case .invalid:
            if depth == 0 {
                out += Array("<invalid reflect.Value>".utf8)
            } else if verb == "v" {
                out += Array("<nil>".utf8)
            } else {
                badVerb(verb, value)
            }
        case .bool(let b):
            if verb == "t" || verb == "v" { padString(b ? "true" : "false") } else { badVerb(verb, value) }
        case .int(let n):
            printInteger(UInt64(bitPattern: Int64(n)), signed: true, verb: verb, value: value)
        case .byte(let b):
            printInteger(UInt64(b), signed: false, verb: verb, value: value)
        case .float(let f):
            switch verb {
            case "v": formatFloat(f, verb: UInt8(ascii: "g"), defaultPrecision: -1)
            case "b", "g", "G", "x", "X": formatFloat(f, verb: UInt8(verb.value), defaultPrecision: -1)
            case "f", "e", "E": formatFloat(f, verb: UInt8(verb.value), defaultPrecision: 6)
            case "F": formatFloat(f, verb: UInt8(ascii: "f"), defaultPrecision: 6)
            default: badVerb(verb, value)
            }
        case .string(let s), .html(let s):
            switch verb {
            case "v": if sharpV { formatQuoted(s) } else { formatString(s) }
            case "s": formatString(s)
            case "x": formatHex(Array(s.utf8), upper: false)
            case "X": formatHex(Array(s.utf8), upper: true)
            case "q": formatQuoted(s)
            default: badVerb(verb, value)
            }
        case .stringMap(let map), .kv(let map):
            out += Array("map[".utf8)
            for (index, key) in map.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: " ")) }
                printValue(.string(key), verb: verb, depth: depth + 1)
                out.append(UInt8(ascii: ":"))
                printValue(.string(map[key]!), verb: verb, depth: depth + 1)
            }
            out.append(UInt8(ascii: "]"))
        case .anyMap(let map):
            out += Array("map[".utf8)
            for (index, key) in map.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: " ")) }
                printValue(.string(key), verb: verb, depth: depth + 1)
                out.append(UInt8(ascii: ":"))
                printValue(map[key]!, verb: verb, depth: depth + 1)
            }
            out.append(UInt8(ascii: "]"))
        case .record(let record):
            out.append(UInt8(ascii: "{"))
            for (index, field) in record.fields.enumerated() {
                if index > 0 { out.append(UInt8(ascii: " ")) }
                if plusV {
                    out += Array(field.name.utf8)
                    out.append(UInt8(ascii: ":"))
                }
                printValue(field.value, verb: verb, depth: depth + 1)
            }
            out.append(UInt8(ascii: "}"))
        case .slice(let slice):
            out.append(UInt8(ascii: "["))
            for (index, element) in slice.elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: " ")) }
                printValue(element, verb: verb, depth: depth + 1)
            }
            out.append(UInt8(ascii: "]"))
        case .time(let instant):
            // time.Time is a Stringer: fmt prints String() for the string verbs.
            switch verb {
            case "v", "s", "x", "X", "q": printValue(.string(instant.description), verb: verb, depth: depth)
            default: badVerb(verb, value)
            }
        case .queryResult(let samples):
            out.append(UInt8(ascii: "["))
            for (index, sample) in samples.enumerated() {
                if index > 0 { out.append(UInt8(ascii: " ")) }
                printValue(.sample(sample), verb: verb, depth: depth + 1)
            }
            out.append(UInt8(ascii: "]"))
        case .sample(let sample):
            guard let sample else {
                if verb == "v" { padString("<nil>") } else { badVerb(verb, value) }
                return
            }
            out.append(UInt8(ascii: "&"))
            printValue(.record(sample.record), verb: verb, depth: depth + 1)
        }
    }

    private mutating func badVerb(_ verb: Unicode.Scalar, _ value: TemplateValue) {
        out += Array("%!".utf8)
        appendScalar(verb)
        out.append(UInt8(ascii: "("))
        if case .invalid = value {
            out += Array("<nil>".utf8)
        } else {
            out += Array(value.typeName.utf8)
            out.append(UInt8(ascii: "="))
            printValue(value, verb: "v", depth: 0)
        }
        out.append(UInt8(ascii: ")"))
    }

    // MARK: - Padding

    private mutating func writePadding(_ count: Int) {
        guard count > 0 else { return }
        out += [UInt8](repeating: zero ? UInt8(ascii: "0") : UInt8(ascii: " "), count: count)
    }

    private mutating func pad(_ bytes: [UInt8]) {
        guard widthPresent && width != 0 else {
            out += bytes
            return
        }
        let runes = bytes.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
        if minus {
            out += bytes
            writePadding(width - runes)
        } else {
            writePadding(width - runes)
            out += bytes
        }
    }

    private mutating func padString(_ string: String) {
        pad(Array(string.utf8))
    }

    // MARK: - Strings

    private func truncated(_ string: String) -> String {
        guard precisionPresent else { return string }
        var count = 0
        var index = string.unicodeScalars.startIndex
        while index < string.unicodeScalars.endIndex {
            if count == precision { return String(string.unicodeScalars[..<index]) }
            count += 1
            string.unicodeScalars.formIndex(after: &index)
        }
        return string
    }

    private mutating func formatString(_ string: String) {
        padString(truncated(string))
    }

    private mutating func formatQuoted(_ string: String) {
        let s = truncated(string)
        if sharp && GoQuote.canBackquote(s) {
            padString("`" + s + "`")
        } else {
            padString(GoQuote.quote(s, asciiOnly: plus))
        }
    }

    private mutating func formatHex(_ bytes: [UInt8], upper: Bool) {
        let digits = Array((upper ? "0123456789ABCDEFX" : "0123456789abcdefx").utf8)
        var length = bytes.count
        if precisionPresent && precision < length { length = precision }
        var encodedWidth = 2 * length
        if encodedWidth > 0 {
            if space {
                if sharp { encodedWidth *= 2 }
                encodedWidth += length - 1
            } else if sharp {
                encodedWidth += 2
            }
        } else {
            if widthPresent { writePadding(width) }
            return
        }
        if widthPresent && width > encodedWidth && !minus { writePadding(width - encodedWidth) }
        if sharp { out += [UInt8(ascii: "0"), digits[16]] }
        for index in 0..<length {
            if space && index > 0 {
                out.append(UInt8(ascii: " "))
                if sharp { out += [UInt8(ascii: "0"), digits[16]] }
            }
            let c = bytes[index]
            out += [digits[Int(c >> 4)], digits[Int(c & 0xF)]]
        }
        if widthPresent && width > encodedWidth && minus { writePadding(width - encodedWidth) }
    }

    // MARK: - Integers

    private mutating func printInteger(_ value: UInt64, signed: Bool, verb: Unicode.Scalar, value original: TemplateValue) {
        switch verb {
        case "v":
            if sharpV && !signed {
                formatInteger(value, base: 16, signed: false, verb: "x", upper: false, forceSharp: true)
            } else {
                formatInteger(value, base: 10, signed: signed, verb: verb, upper: false)
            }
        case "d": formatInteger(value, base: 10, signed: signed, verb: verb, upper: false)
        case "b": formatInteger(value, base: 2, signed: signed, verb: verb, upper: false)
        case "o", "O": formatInteger(value, base: 8, signed: signed, verb: verb, upper: false)
        case "x": formatInteger(value, base: 16, signed: signed, verb: verb, upper: false)
        case "X": formatInteger(value, base: 16, signed: signed, verb: verb, upper: true)
        case "c":
            let scalar = value <= 0x10FFFF ? Unicode.Scalar(UInt32(value)) ?? "\u{FFFD}" : "\u{FFFD}"
            padString(String(scalar))
        case "q":
            let rune = value <= 0x10FFFF ? UInt32(value) : 0xFFFD
            padString(GoQuote.quoteRune(rune, asciiOnly: plus))
        case "U":
            formatUnicode(value)
        default:
            badVerb(verb, original)
        }
    }

    private mutating func formatInteger(
        _ value: UInt64, base: UInt64, signed: Bool, verb: Unicode.Scalar, upper: Bool, forceSharp: Bool = false
    ) {
        var u = value
        let negative = signed && Int64(bitPattern: u) < 0
        if negative { u = 0 &- u }
        var leadingZeros = 0
        if precisionPresent {
            leadingZeros = precision
            if precision == 0 && u == 0 {
                let oldZero = zero
                zero = false
                writePadding(width)
                zero = oldZero
                return
            }
        } else if zero && widthPresent {
            leadingZeros = width
            if negative || plus || space { leadingZeros -= 1 }
        }
        let digitChars = Array((upper ? "0123456789ABCDEFX" : "0123456789abcdefx").utf8)
        var digits: [UInt8] = []
        repeat {
            digits.append(digitChars[Int(u % base)])
            u /= base
        } while u > 0
        while digits.count < leadingZeros { digits.append(UInt8(ascii: "0")) }
        if sharp || forceSharp {
            switch base {
            case 2: digits += [UInt8(ascii: "b"), UInt8(ascii: "0")]
            case 8: if digits.last != UInt8(ascii: "0") { digits.append(UInt8(ascii: "0")) }
            case 16: digits += [digitChars[16], UInt8(ascii: "0")]
            default: break
            }
        }
        if verb == "O" { digits += [UInt8(ascii: "o"), UInt8(ascii: "0")] }
        if negative {
            digits.append(UInt8(ascii: "-"))
        } else if plus {
            digits.append(UInt8(ascii: "+"))
        } else if space {
            digits.append(UInt8(ascii: " "))
        }
        let oldZero = zero
        zero = false
        pad(digits.reversed())
        zero = oldZero
    }

    private mutating func formatUnicode(_ value: UInt64) {
        var hex = Array(String(value, radix: 16, uppercase: true).utf8)
        let minimum = precisionPresent && precision > 4 ? precision : 4
        if hex.count < minimum { hex = [UInt8](repeating: UInt8(ascii: "0"), count: minimum - hex.count) + hex }
        var text = Array("U+".utf8) + hex
        if sharp, value <= 0x10FFFF, let scalar = Unicode.Scalar(UInt32(value)), GoQuote.isPrint(scalar) {
            text += Array(" '".utf8) + Array(String(scalar).utf8) + [UInt8(ascii: "'")]
        }
        let oldZero = zero
        zero = false
        pad(text)
        zero = oldZero
    }

    // MARK: - Floats

    private mutating func formatFloat(_ value: Double, verb: UInt8, defaultPrecision: Int) {
        let prec = precisionPresent ? precision : defaultPrecision
        var num = Array(GoFloat.format(value, verb, precision: prec).utf8)
        if num.first == UInt8(ascii: "-") || num.first == UInt8(ascii: "+") {
            // keep the sign from strconv
        } else {
            num.insert(UInt8(ascii: "+"), at: 0)
        }
        if space && num[0] == UInt8(ascii: "+") && !plus { num[0] = UInt8(ascii: " ") }
        if num.count > 1 && (num[1] == UInt8(ascii: "I") || num[1] == UInt8(ascii: "N")) {
            let oldZero = zero
            zero = false
            if num[1] == UInt8(ascii: "N") && !space && !plus { num.removeFirst() }
            pad(num)
            zero = oldZero
            return
        }
        if sharp && verb != UInt8(ascii: "b") {
            var digits = 0
            if verb == UInt8(ascii: "v") || verb == UInt8(ascii: "g") || verb == UInt8(ascii: "G") || verb == UInt8(ascii: "x") {
                digits = prec == -1 ? 6 : prec
            }
            var tail: [UInt8] = []
            var hasDecimalPoint = false
            var sawNonzeroDigit = false
            var index = 1
            scan: while index < num.count {
                switch num[index] {
                case UInt8(ascii: "."):
                    hasDecimalPoint = true
                case UInt8(ascii: "p"), UInt8(ascii: "P"):
                    tail = Array(num[index...])
                    num.removeSubrange(index...)
                    break scan
                case UInt8(ascii: "e") where verb != UInt8(ascii: "x") && verb != UInt8(ascii: "X"),
                    UInt8(ascii: "E") where verb != UInt8(ascii: "x") && verb != UInt8(ascii: "X"):
                    tail = Array(num[index...])
                    num.removeSubrange(index...)
                    break scan
                default:
                    if num[index] != UInt8(ascii: "0") { sawNonzeroDigit = true }
                    if sawNonzeroDigit { digits -= 1 }
                }
                index += 1
            }
            if !hasDecimalPoint {
                if num.count == 2 && num[1] == UInt8(ascii: "0") { digits -= 1 }
                num.append(UInt8(ascii: "."))
            }
            while digits > 0 {
                num.append(UInt8(ascii: "0"))
                digits -= 1
            }
            num += tail
        }
        if plus || num[0] != UInt8(ascii: "+") {
            if zero && widthPresent && width > num.count {
                out.append(num[0])
                writePadding(width - num.count)
                out += num[1...]
                return
            }
            pad(num)
            return
        }
        pad(Array(num[1...]))
    }
}

extension TemplateValue {
    /// Whether Go's `reflect.Kind` of the value is `String`, which `fmt.Sprint` does not
    /// separate with spaces.
    var isStringKind: Bool {
        switch self {
        case .string, .html: true
        default: false
        }
    }
}
