/// Go's `regexp.Expand`: `$1`, `${1}`, `$name`, `${name}` and `$$` in a template. A name
/// is the longest run of letters, digits and `_` (so `$1x` names a group "1x"); unknown
/// groups expand to nothing; a `$` not followed by a name is kept.
extension RE2Syntax {
    public static func expand(_ template: String, _ match: AnyRegexOutput) -> String {
        var out = ""
        var rest = Substring(template)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            if rest.first == "$" {
                out += "$"
                rest = rest.dropFirst()
                continue
            }
            guard let (name, remainder) = extractName(rest) else {
                out += "$"
                continue
            }
            rest = remainder
            if let number = groupNumber(name) {
                if number < match.count, let text = match[number].substring { out += text }
            } else if let group = match[String(name)], let text = group.substring {
                out += text
            }
        }
        out += rest
        return out
    }

    private static func extractName(_ text: Substring) -> (Substring, Substring)? {
        var rest = text
        let braced = rest.first == "{"
        if braced { rest = rest.dropFirst() }
        let end = rest.firstIndex { !($0.isLetter || $0.isNumber || $0 == "_") } ?? rest.endIndex
        let name = rest[..<end]
        guard !name.isEmpty else { return nil }
        rest = rest[end...]
        if braced {
            guard rest.first == "}" else { return nil }
            rest = rest.dropFirst()
        }
        return (name, rest)
    }

    /// The group number a name denotes: ASCII digits without a leading zero, at most nine of them.
    private static func groupNumber(_ name: Substring) -> Int? {
        guard name.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), name.utf8.count <= 9 else {
            return nil
        }
        if name.first == "0" && name.count > 1 { return nil }
        return Int(name)
    }
}
