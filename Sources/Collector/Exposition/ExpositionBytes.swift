/// Byte classes of the exposition grammar, and renderings of raw bytes for error messages.
enum ExpositionBytes {
    static let newline = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let hash = UInt8(ascii: "#")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let comma = UInt8(ascii: ",")
    static let equals = UInt8(ascii: "=")

    @inline(__always) static func isBlank(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    @inline(__always) static func isLetterOrUnderscore(_ byte: UInt8) -> Bool {
        (byte | 0x20) &- UInt8(ascii: "a") < 26 || byte == UInt8(ascii: "_")
    }

    /// `[a-zA-Z_:]`
    @inline(__always) static func isMetricNameStart(_ byte: UInt8) -> Bool {
        isLetterOrUnderscore(byte) || byte == UInt8(ascii: ":")
    }

    /// `[a-zA-Z0-9_:]`
    @inline(__always) static func isMetricNameByte(_ byte: UInt8) -> Bool {
        isMetricNameStart(byte) || isDigit(byte)
    }

    /// `[a-zA-Z_]`
    @inline(__always) static func isLabelNameStart(_ byte: UInt8) -> Bool { isLetterOrUnderscore(byte) }

    /// `[a-zA-Z0-9_]`
    @inline(__always) static func isLabelNameByte(_ byte: UInt8) -> Bool {
        isLetterOrUnderscore(byte) || isDigit(byte)
    }

    @inline(__always) static func lowercased(_ byte: UInt8) -> UInt8 {
        byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
    }

    /// Whether `bytes[start..<end]` spells `word`, ignoring ASCII case.
    static func matches(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, ignoringCase word: StaticString
    ) -> Bool {
        word.withUTF8Buffer { expected in
            guard end - start == expected.count else { return false }
            for k in 0..<expected.count where lowercased(bytes[start + k]) != expected[k] { return false }
            return true
        }
    }

    /// Whether `bytes[start...]` begins with `word`, exactly.
    static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ word: StaticString) -> Bool {
        word.withUTF8Buffer { expected in
            guard end - start >= expected.count else { return false }
            for k in 0..<expected.count where bytes[start + k] != expected[k] { return false }
            return true
        }
    }

    /// `'x'` for a printable character, `byte 0x0D` otherwise: what an error message shows.
    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        let name: String = switch byte {
        case UInt8(ascii: "\r"): " (carriage return; lines must end with \\n alone)"
        case 0: " (NUL)"
        default: ""
        }
        return "byte 0x\(byte < 0x10 ? "0" : "")\(hex)\(name)"
    }

    /// The bytes as a quoted, escaped string for an error message, cut at 64 bytes.
    static func quoted(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        let cut = min(end, start + 64)
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<cut]), as: UTF8.self)
        var out = "\""
        for scalar in text.unicodeScalars { out += scalar.escaped(asASCII: false) }
        out += cut < end ? "…\"" : "\""
        return out
    }
}
