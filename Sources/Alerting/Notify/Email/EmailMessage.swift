public import Foundation

/// One email as the notifier sends it: the envelope (`from`, `to`) plus headers and bodies,
/// rendered by ``rendered()`` into a 7-bit RFC 5322 message that SMTP carries unchanged.
///
/// ```swift
/// let message = EmailMessage(
///     from: "Sextant <alerts@example.com>", to: ["ops@example.com"],
///     subject: "[FIRING:1] DiskFull", text: "…", html: "<p>…</p>", date: now)
/// try await SMTPClient().send(message, settings: settings)
/// ```
public struct EmailMessage: Sendable, Equatable {
    /// The sender, `alerts@example.com` or `Sextant <alerts@example.com>`; its address is the
    /// envelope's `MAIL FROM`.
    public var from: String
    /// One recipient per element, each optionally with a display name; each address gets a
    /// `RCPT TO`. ``addresses(in:)`` splits a configured comma-separated list.
    public var to: [String]
    public var subject: String
    /// The `text/plain` body.
    public var text: String
    /// With an HTML body the message is `multipart/alternative`, text first, so clients that
    /// can show HTML prefer it.
    public var html: String?
    /// Extra header fields, as Alertmanager's `headers:`. `From`, `To` and `Subject` (any
    /// case) replace the fields derived above in the message, not in the envelope;
    /// `MIME-Version`, `Content-Type` and `Content-Transfer-Encoding` are ignored because
    /// the body's structure depends on them. Names that are not valid field names are dropped.
    public var headers: [String: String]
    public var date: Date
    /// `<unique@domain>`; kept with the message so that a retried delivery carries the same
    /// id and receivers can tell it is a duplicate.
    public var messageID: String

    /// - Parameter messageID: generated from random bits and the sender's domain when nil.
    public init(
        from: String, to: [String], subject: String, text: String, html: String? = nil,
        headers: [String: String] = [:], date: Date, messageID: String? = nil
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.headers = headers
        self.date = date
        self.messageID = messageID ?? Self.makeMessageID(domain: EmailAddress.domain(of: from))
    }

    /// The addresses of a comma-separated list such as Alertmanager's `to:`, commas inside
    /// quoted display names or angle brackets kept: `"Doe, Jo" <jo@x>, ops@x` is two.
    public static func addresses(in list: String) -> [String] {
        EmailAddress.split(list)
    }

    /// The message as SMTP's DATA carries it, before dot-stuffing: ASCII only, CRLF line
    /// endings, no line over 998 bytes, headers unable to inject further headers.
    public func rendered() -> String {
        rendered(boundary: Self.makeBoundary())
    }

    /// The fields a caller cannot replace: the MIME structure rendered below depends on them.
    private static let structuralFields: Set<String> = ["mime-version", "content-type", "content-transfer-encoding"]

    /// Rendering with a chosen boundary, so tests can compare whole messages.
    func rendered(boundary: String) -> String {
        var fields: [(name: String, value: String)] = [
            ("From", from), ("To", to.joined(separator: ", ")), ("Subject", subject),
            ("Date", Self.rfc5322Date(date)), ("Message-ID", messageID),
        ]
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            let key = name.lowercased()
            guard MIMEEncoding.isFieldName(name), !Self.structuralFields.contains(key) else { continue }
            if let index = fields.firstIndex(where: { $0.name.lowercased() == key }) {
                fields[index].value = value
            } else {
                fields.append((name, value))
            }
        }
        var out = fields.map { MIMEEncoding.field($0.name, $0.value) }.joined()
        out += "MIME-Version: 1.0\r\n"
        guard let html else {
            out += Self.textPart("text/plain", text)
            return out.hasSuffix("\r\n") ? out : out + "\r\n"
        }
        // A boundary is a delimiter only after CRLF, and the CRLF before it belongs to it,
        // not to the part: hence "\r\n--" rather than a part ending in a line break.
        out += "Content-Type: multipart/alternative; boundary=\"\(boundary)\"\r\n\r\n"
        out += "--\(boundary)\r\n" + Self.textPart("text/plain", text)
        out += "\r\n--\(boundary)\r\n" + Self.textPart("text/html", html)
        out += "\r\n--\(boundary)--\r\n"
        return out
    }

    private static func textPart(_ type: String, _ body: String) -> String {
        "Content-Type: \(type); charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            + MIMEEncoding.quotedPrintable(body)
    }

    /// `=_` followed by hex: quoted-printable output never contains `=_` (an `=` there is
    /// always followed by hex digits or a line break), so no body can contain the boundary.
    private static func makeBoundary() -> String {
        "=_sextant_" + randomHex()
    }

    private static func makeMessageID(domain: String?) -> String {
        "<\(randomHex())@\(domain ?? "sextant.localhost")>"
    }

    private static func randomHex() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}
