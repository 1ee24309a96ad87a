import Foundation

/// The encodings that keep a message 7-bit clean with lines far below SMTP's 998-byte limit:
/// quoted-printable bodies (RFC 2045 §6.7), encoded-word header text (RFC 2047) and header
/// folding (RFC 5322 §2.2.3).
enum MIMEEncoding {
    /// Fields whose values are address lists: only their display names may be encoded, as an
    /// encoded-word around an address would hide the address from every mail system.
    private static let addressFields: Set<String> = ["from", "to", "cc", "bcc", "reply-to", "sender"]

    /// Folding can only break at spaces; a longer unbroken run is encoded so it can be split.
    private static let longestUnencodedWord = 900

    /// RFC 5322's `field-name`: printable ASCII except `:`. Capped well below a line's length.
    static func isFieldName(_ name: String) -> Bool {
        (1...76).contains(name.utf8.count) && name.utf8.allSatisfy { (33...126).contains($0) && $0 != UInt8(ascii: ":") }
    }

    /// `Name: value` followed by CRLF: the value on one logical line (see ``singleLine(_:)``),
    /// encoded where it is not plain ASCII, folded at spaces to lines of about 78 characters.
    static func field(_ name: String, _ value: String) -> String {
        let value = encoded(singleLine(value), isAddressList: addressFields.contains(name.lowercased()))
        var out = name + ":"
        var lineLength = out.utf8.count
        for (index, word) in value.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            // Never fold before an empty word: a folded line of only whitespace is not allowed.
            if index > 0, !word.isEmpty, lineLength + 1 + word.utf8.count > 78 {
                out += "\r\n"
                lineLength = 0
            }
            out += " " + word
            lineLength += 1 + word.utf8.count
        }
        return out + "\r\n"
    }

    /// The value with every run of CR, LF and other control characters turned into one space.
    /// A line break in a value would end the field and let the rest inject fields of its own.
    static func singleLine(_ value: String) -> String {
        var out = String.UnicodeScalarView()
        var afterControl = false
        for scalar in value.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                if !afterControl { out.append(" ") }
                afterControl = true
            } else {
                out.append(scalar)
                afterControl = false
            }
        }
        return String(out).trimmingCharacters(in: .whitespaces)
    }

    private static func encoded(_ value: String, isAddressList: Bool) -> String {
        if isAddressList {
            let list = EmailAddress.split(value).map(EmailAddress.encodingDisplayName).joined(separator: ", ")
            if isASCII(list), !hasLongWord(list) { return list }
            // A non-ASCII or absurdly long address has no valid form in a 7-bit header; the
            // whole value encoded at least keeps the message deliverable and readable.
            return encodedWords(value).joined(separator: " ")
        }
        // `=?` in plain text would be decoded as an encoded-word by the reader: encode it too.
        let needsEncoding = !isASCII(value) || value.contains("=?") || hasLongWord(value)
        return needsEncoding ? encodedWords(value).joined(separator: " ") : value
    }

    static func isASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 < 0x80 }
    }

    private static func hasLongWord(_ text: String) -> Bool {
        text.split(separator: " ").contains { $0.utf8.count > longestUnencodedWord }
    }

    /// RFC 2047 `B` encoded-words of at most 75 characters (45 bytes of UTF-8 each), split
    /// between Unicode scalars so that each word decodes on its own. Readers drop the space
    /// between adjacent encoded-words, so the text's own spaces travel inside them.
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty {
            words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
        }
        return words
    }

    /// Quoted-printable UTF-8 with CRLF line breaks and lines of at most 76 characters. Line
    /// breaks of the input (LF, CR or CRLF) become CRLF; all else round-trips byte for byte.
    /// A leading "." is left alone: SMTP's dot-stuffing protects it in transit.
    static func quotedPrintable(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 4)
        var lineLength = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == .cr || byte == .lf {
                out += [.cr, .lf]
                lineLength = 0
                index += byte == .cr && index + 1 < bytes.count && bytes[index + 1] == .lf ? 2 : 1
                continue
            }
            let atLineEnd = index + 1 == bytes.count || bytes[index + 1] == .cr || bytes[index + 1] == .lf
            let isBlank = byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
            // Whitespace at a line's end would be stripped by relays, so it is encoded there.
            let literal = ((33...126).contains(byte) && byte != UInt8(ascii: "=")) || (isBlank && !atLineEnd)
            let width = literal ? 1 : 3
            if lineLength + width > 75 {
                out += [UInt8(ascii: "="), .cr, .lf]  // soft line break: "=" makes the line 76
                lineLength = 0
            }
            if literal {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "="), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
            }
            lineLength += width
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)
}

extension UInt8 {
    fileprivate static let cr = UInt8(ascii: "\r")
    fileprivate static let lf = UInt8(ascii: "\n")
}
