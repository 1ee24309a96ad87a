import Foundation
import Testing
@testable import Alerting

struct EmailMessageTests {
    let date = Date(timeIntervalSince1970: 1_700_000_000)

    func message(subject: String = "Hi", text: String = "Hello\n", html: String? = nil, headers: [String: String] = [:]) -> EmailMessage {
        EmailMessage(
            from: "Sextant <alerts@example.com>", to: ["ops@example.com"], subject: subject, text: text, html: html,
            headers: headers, date: date, messageID: "<1@example.com>")
    }

    /// The header block's fields, unfolded, in order.
    func fields(_ rendered: String) -> [(name: String, value: String)] {
        let head = rendered.components(separatedBy: "\r\n\r\n")[0].replacingOccurrences(of: "\r\n ", with: " ")
        return head.components(separatedBy: "\r\n").map {
            let colon = $0.firstIndex(of: ":")!
            return (String($0[..<colon]), String($0[$0.index(after: colon)...].dropFirst()))
        }
    }

    /// The text of a header value made of RFC 2047 `B` encoded-words.
    func decodeWords(_ value: String) -> String {
        let bytes = value.split(separator: " ").flatMap { word -> [UInt8] in
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            #expect(word.count <= 75)
            return Array(Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))!)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func decodeQuotedPrintable(_ text: String) -> String {
        var bytes: [UInt8] = []
        let input = Array(text.replacingOccurrences(of: "=\r\n", with: "").utf8)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "=") {
                bytes.append(UInt8(String(decoding: input[index + 1...index + 2], as: UTF8.self), radix: 16)!)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func rendersSinglePartText() {
        let rendered = message(text: "Hello\nworld").rendered()
        #expect(rendered == """
            From: Sextant <alerts@example.com>\r
            To: ops@example.com\r
            Subject: Hi\r
            Date: Tue, 14 Nov 2023 22:13:20 +0000\r
            Message-ID: <1@example.com>\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=UTF-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            Hello\r
            world\r

            """)
    }

    @Test func rendersMultipartAlternative() {
        let rendered = message(text: "Hello", html: "<p>Hello</p>").rendered(boundary: "=_b")
        #expect(rendered.hasSuffix("""
            MIME-Version: 1.0\r
            Content-Type: multipart/alternative; boundary="=_b"\r
            \r
            --=_b\r
            Content-Type: text/plain; charset=UTF-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            Hello\r
            --=_b\r
            Content-Type: text/html; charset=UTF-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            <p>Hello</p>\r
            --=_b--\r

            """))
    }

    @Test func boundariesAreRandomAndCannotOccurInQuotedPrintable() {
        let first = message(html: "<p/>").rendered()
        let second = message(html: "<p/>").rendered()
        #expect(first != second)
        #expect(first.contains("boundary=\"=_sextant_"))
    }

    @Test func everyLineEndsInCRLFAndIsShort() {
        let long = String(repeating: "word ", count: 5000) + String(repeating: "x", count: 5000)
        let rendered = message(subject: long, text: long + "\n\r\r\n" + long, html: long).rendered()
        let lines = rendered.components(separatedBy: "\r\n")
        #expect(lines.last == "")
        #expect(!rendered.replacingOccurrences(of: "\r\n", with: "").contains { $0 == "\r" || $0 == "\n" })
        #expect(lines.allSatisfy { $0.utf8.count <= 78 + 75 })
        #expect(rendered.utf8.allSatisfy { $0 < 0x80 })
    }

    @Test func quotedPrintableEncodesWhatRelaysWouldChange() {
        #expect(MIMEEncoding.quotedPrintable("a=b") == "a=3Db")
        #expect(MIMEEncoding.quotedPrintable("trailing \nspace\t") == "trailing=20\r\nspace=09")
        #expect(MIMEEncoding.quotedPrintable("grüß") == "gr=C3=BC=C3=9F")
        #expect(MIMEEncoding.quotedPrintable(".\n..") == ".\r\n..")
        #expect(MIMEEncoding.quotedPrintable("a\r\nb\rc\nd") == "a\r\nb\r\nc\r\nd")
    }

    @Test(arguments: [0, 1, 74, 75, 76, 77, 200, 100_000])
    func quotedPrintableLinesStayShortAndRoundTrip(length: Int) {
        let text = String((0..<length).map { i in i % 7 == 0 ? "é" : i % 5 == 0 ? "=" : "a" })
        let encoded = MIMEEncoding.quotedPrintable(text)
        #expect(encoded.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 76 })
        #expect(decodeQuotedPrintable(encoded) == text)
    }

    @Test func nonASCIISubjectIsEncodedWords() throws {
        let subject = "Plattenplatz ⚠️ 東京 " + String(repeating: "ü", count: 60)
        let value = try #require(fields(message(subject: subject).rendered()).first { $0.name == "Subject" }?.value)
        #expect(value.utf8.allSatisfy { $0 < 0x80 })
        #expect(decodeWords(value) == subject)
    }

    @Test func textThatLooksEncodedIsEncoded() throws {
        let value = try #require(fields(message(subject: "=?UTF-8?B?aGk=?=").rendered()).first { $0.name == "Subject" }?.value)
        #expect(decodeWords(value) == "=?UTF-8?B?aGk=?=")
    }

    @Test func onlyDisplayNamesOfAddressesAreEncoded() throws {
        var message = message()
        message.from = "Überwachung <alerts@example.com>"
        message.to = ["\"Doe, Zoë\" <zoe@example.com>", "ops@example.com"]
        let fields = fields(message.rendered())
        let from = try #require(fields.first { $0.name == "From" }?.value)
        #expect(from.hasSuffix(" <alerts@example.com>"))
        #expect(decodeWords(String(from.dropLast(" <alerts@example.com>".count))) == "Überwachung")
        let to = try #require(fields.first { $0.name == "To" }?.value)
        #expect(to.hasSuffix(" <zoe@example.com>, ops@example.com"))
    }

    @Test func lineBreaksInHeaderValuesCannotStartAField() {
        let rendered = message(subject: "a\r\nBcc: x@example.com\n\r\nb", headers: ["X-A": "1\r\n\r\nbody"]).rendered()
        let fields = fields(rendered)
        #expect(fields.map(\.name) == ["From", "To", "Subject", "Date", "Message-ID", "X-A", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"])
        #expect(fields.first { $0.name == "Subject" }?.value == "a Bcc: x@example.com b")
        #expect(fields.first { $0.name == "X-A" }?.value == "1 body")
    }

    @Test func extraHeadersReplaceDerivedOnesButNotStructure() {
        let fields = fields(message(headers: [
            "SUBJECT": "Replaced", "from": "Other <o@example.com>", "Content-Transfer-Encoding": "8bit",
            "MIME-Version": "2", "Not:Valid": "x", "": "y", "X-Extra": "z",
        ]).rendered())
        #expect(fields.map(\.name) == ["From", "To", "Subject", "Date", "Message-ID", "X-Extra", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"])
        #expect(fields.first { $0.name == "Subject" }?.value == "Replaced")
        #expect(fields.first { $0.name == "From" }?.value == "Other <o@example.com>")
        #expect(fields.first { $0.name == "MIME-Version" }?.value == "1.0")
        #expect(fields.first { $0.name == "Content-Transfer-Encoding" }?.value == "quoted-printable")
    }

    @Test func longHeadersFoldAtSpaces() throws {
        let subject = (1...40).map { "word\($0)" }.joined(separator: " ")
        let rendered = message(subject: subject).rendered()
        let head = rendered.components(separatedBy: "\r\n\r\n")[0]
        #expect(head.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
        #expect(fields(rendered).first { $0.name == "Subject" }?.value == subject)
    }

    @Test(arguments: [
        (0.0, "Thu, 01 Jan 1970 00:00:00 +0000"),
        (1_700_000_000.0, "Tue, 14 Nov 2023 22:13:20 +0000"),
        (951_782_400.0, "Tue, 29 Feb 2000 00:00:00 +0000"),
        (-1.5, "Wed, 31 Dec 1969 23:59:58 +0000"),
        (4_102_444_799.0, "Thu, 31 Dec 2099 23:59:59 +0000"),
    ])
    func dateIsRFC5322(seconds: Double, expected: String) {
        #expect(EmailMessage.rfc5322Date(Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test func generatedMessageIDUsesTheSendersDomain() {
        let a = EmailMessage(from: "Sextant <alerts@example.com>", to: [], subject: "", text: "", date: date)
        let b = EmailMessage(from: "Sextant <alerts@example.com>", to: [], subject: "", text: "", date: date)
        #expect(a.messageID.hasPrefix("<") && a.messageID.hasSuffix("@example.com>"))
        #expect(a.messageID != b.messageID)
    }

    @Test func addressListsSplitOutsideQuotesAndBrackets() {
        #expect(EmailMessage.addresses(in: "\"Doe, Jo\" <jo@x>, ops@x ,,<a,b@x>") == ["\"Doe, Jo\" <jo@x>", "ops@x", "<a,b@x>"])
        #expect(EmailAddress.envelopeAddress("Name <a@b>") == "a@b")
        #expect(EmailAddress.envelopeAddress(" a@b ") == "a@b")
        #expect(EmailAddress.envelopeAddress("a@b>\r\nRCPT TO:<c@d") == nil)
    }

    @Test func dataIsDotStuffedAndTerminated() {
        let data = SMTPSession.dataBlock(".a\r\nb\r\n.\r\n..\r\nc")
        #expect(String(decoding: data, as: UTF8.self) == "..a\r\nb\r\n..\r\n...\r\nc\r\n.\r\n")
    }

    @Test(arguments: [("localhost", true), ("127.0.0.1", true), ("127.1.2.3", true), ("::1", true), ("10.0.0.1", false), ("smtp.example.com", false), ("127.example.com", false)])
    func credentialsInTheClearOnlyToLoopback(host: String, isLoopback: Bool) {
        #expect(SMTPSession.isLoopback(host) == isLoopback)
    }
}
