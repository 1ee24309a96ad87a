import Foundation

/// The little of RFC 5322 address syntax the notifier needs: `Name <addr>` or a bare
/// address, in comma-separated lists, display names possibly quoted.
enum EmailAddress {
    /// The list's addresses, split at commas outside quotes and angle brackets, trimmed.
    static func split(_ list: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var inQuotes = false
        var inAngle = false
        var escaped = false
        for character in list {
            if escaped {
                escaped = false
            } else {
                switch character {
                case "\\" where inQuotes: escaped = true
                case "\"": inQuotes.toggle()
                case "<" where !inQuotes: inAngle = true
                case ">" where !inQuotes: inAngle = false
                case "," where !inQuotes && !inAngle:
                    parts.append(current)
                    current = ""
                    continue
                default: break
                }
            }
            current.append(character)
        }
        parts.append(current)
        return parts.map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
    }

    /// The `addr-spec` of `Name <addr>`, or the trimmed text when there are no angle brackets.
    static func addrSpec(_ address: String) -> String {
        let address = address.trimmingSpaces()
        guard address.hasSuffix(">"), let open = address.lastIndex(of: "<") else { return address }
        return String(address[address.index(after: open)..<address.index(before: address.endIndex)])
    }

    /// The address as SMTP's `MAIL FROM:<…>` and `RCPT TO:<…>` carry it, or nil when it
    /// could break out of the brackets or the command line: spaces, controls, `<`, `>` or
    /// non-ASCII (SMTPUTF8 is not spoken).
    static func envelopeAddress(_ address: String) -> String? {
        let spec = addrSpec(address)
        let valid = !spec.isEmpty && spec.utf8.allSatisfy {
            (33...126).contains($0) && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">")
        }
        return valid ? spec : nil
    }

    /// The domain of the address, for the Message-ID; nil if it has none usable there.
    static func domain(of address: String) -> String? {
        guard let spec = envelopeAddress(address), let at = spec.lastIndex(of: "@") else { return nil }
        let domain = spec[spec.index(after: at)...]
        return domain.isEmpty ? nil : String(domain)
    }

    /// `Name <addr>` with a non-ASCII display name as encoded-words, the address untouched.
    static func encodingDisplayName(_ address: String) -> String {
        guard address.hasSuffix(">"), let open = address.lastIndex(of: "<") else { return address }
        var name = address[..<open].trimmingSpaces()
        guard !MIMEEncoding.isASCII(name) else { return address }
        if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") {
            name = String(name.dropFirst().dropLast())
        }
        return MIMEEncoding.encodedWords(name).joined(separator: " ") + " " + address[open...]
    }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> String {
        trimmingCharacters(in: .whitespaces)
    }
}
