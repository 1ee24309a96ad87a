/// Go's `strings`, `net/url`, `net` and `text/template` string helpers that Prometheus's
/// template functions are made of.
enum GoStrings {
    /// `strings.ToUpper`, mapping each character on its own as Go's simple case mapping does.
    static func toUpper(_ s: String) -> String {
        map(s) { $0.properties.uppercaseMapping }
    }

    /// `strings.ToLower`.
    static func toLower(_ s: String) -> String {
        map(s) { $0.properties.lowercaseMapping }
    }

    /// `strings.Title`: the first letter of every word in title case.
    static func title(_ s: String) -> String {
        var previous: Unicode.Scalar = " "
        var out = String.UnicodeScalarView()
        for scalar in s.unicodeScalars {
            if isSeparator(previous) {
                out.append(simple(scalar, scalar.properties.titlecaseMapping))
            } else {
                out.append(scalar)
            }
            previous = scalar
        }
        return String(out)
    }

    private static func map(_ s: String, _ mapping: (Unicode.Scalar) -> String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in s.unicodeScalars { out.append(simple(scalar, mapping(scalar))) }
        return String(out)
    }

    /// A one-character mapping, or the character itself where only a longer mapping exists.
    private static func simple(_ scalar: Unicode.Scalar, _ mapped: String) -> Unicode.Scalar {
        let scalars = mapped.unicodeScalars
        return scalars.count == 1 ? scalars.first! : scalar
    }

    private static func isSeparator(_ r: Unicode.Scalar) -> Bool {
        if r.isASCII {
            let v = r.value
            if (v >= 0x30 && v <= 0x39) || (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A) || v == 0x5F { return false }
            return true
        }
        if GoQuote.isLetter(r) || GoQuote.isDigit(r) { return false }
        return r.properties.isWhitespace
    }

    /// `url.QueryEscape`.
    static func queryEscape(_ s: String) -> String {
        var out: [UInt8] = []
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: " "):
                out.append(UInt8(ascii: "+"))
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `template.HTMLEscapeString`.
    static func htmlEscape(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\0": out += "\u{FFFD}"
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `template.JSEscapeString`.
    static func jsEscape(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\"": out += "\\\""
            case "<": out += "\\u003C"
            case ">": out += "\\u003E"
            case "&": out += "\\u0026"
            case "=": out += "\\u003D"
            default:
                if scalar.value < 0x20 {
                    out += "\\u00" + String(scalar.value, radix: 16, uppercase: true).leftPadded(2)
                } else if scalar.value >= 0x80 && !GoQuote.isPrint(scalar) {
                    out += "\\u" + String(scalar.value, radix: 16, uppercase: true).leftPadded(4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Prometheus's `stripPort`: the host of `host:port` (brackets removed from IPv6), or
    /// the input where `net.SplitHostPort` refuses it.
    static func stripPort(_ hostPort: String) -> String {
        let bytes = Array(hostPort.utf8)
        guard let i = bytes.lastIndex(of: UInt8(ascii: ":")) else { return hostPort }
        var j = 0
        var k = 0
        let host: ArraySlice<UInt8>
        if bytes.first == UInt8(ascii: "[") {
            guard let end = bytes.firstIndex(of: UInt8(ascii: "]")), end + 1 == i else { return hostPort }
            host = bytes[1..<end]
            j = 1
            k = end + 1
        } else {
            host = bytes[..<i]
            if host.contains(UInt8(ascii: ":")) { return hostPort }
        }
        if bytes[j...].contains(UInt8(ascii: "[")) || bytes[k...].contains(UInt8(ascii: "]")) { return hostPort }
        return String(decoding: host, as: UTF8.self)
    }

    /// The decoded path of a URL, as `url.Parse(u).Path`.
    static func urlPath(_ url: String) -> String {
        var rest = Substring(url)
        if let cut = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<cut] }
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") {
            rest = rest[rest.index(colon, offsetBy: 3)...]
            guard let slash = rest.firstIndex(of: "/") else { return "" }
            rest = rest[slash...]
        }
        var out: [UInt8] = []
        let bytes = Array(rest.utf8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
               let value = UInt8(String(decoding: bytes[index + 1...index + 2], as: UTF8.self), radix: 16)
            {
                out.append(value)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
