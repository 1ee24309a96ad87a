import Foundation
import Testing
import TestSupport
@testable import Alerting

/// The client against a real SMTP server (aiosmtpd, see `testdata/smtp_sink.py`).
@Suite(.enabled(if: SMTPSink.isAvailable, "needs python3 with aiosmtpd"))
struct SMTPClientTests {
    let client = SMTPClient()
    let date = Date(timeIntervalSince1970: 1_700_000_000)

    func message(
        subject: String = "[FIRING:1] DiskFull", text: String = "Disk is full.\n", html: String? = nil,
        to: [String] = ["ops@example.com"], headers: [String: String] = [:]
    ) -> EmailMessage {
        EmailMessage(from: "Sextant <alerts@example.com>", to: to, subject: subject, text: text, html: html, headers: headers, date: date)
    }

    func settings(_ sink: SMTPSink, requireTLS: Bool = false, username: String? = nil, password: String? = nil) -> SMTPSettings {
        SMTPSettings(host: "127.0.0.1", port: sink.port, username: username, password: password, requireTLS: requireTLS, timeout: .seconds(10))
    }

    /// The error `body` throws, which must be an ``SMTPError``.
    func smtpError(_ body: () async throws -> Void) async -> SMTPError? {
        do {
            try await body()
            return nil
        } catch {
            return error as? SMTPError
        }
    }

    @Test func deliversTextAndHTMLWithHeaders() async throws {
        let sink = try await SMTPSink()
        let message = message(
            text: "Disk is full.\nSee the dashboard.\n", html: "<p>Disk is <b>full</b>.</p>\n",
            to: ["ops@example.com", "Dev Team <dev@example.com>"], headers: ["X-Sextant-Group": "{}:{alertname=\"DiskFull\"}"])
        try await client.send(message, settings: settings(sink))

        let received = try #require(try sink.received().first)
        #expect(received.mailFrom == "alerts@example.com")
        #expect(received.rcptTos == ["ops@example.com", "dev@example.com"])
        #expect(received.header("From") == "Sextant <alerts@example.com>")
        #expect(received.header("To") == "ops@example.com, Dev Team <dev@example.com>")
        #expect(received.header("Subject") == "[FIRING:1] DiskFull")
        #expect(received.header("Date") == "Tue, 14 Nov 2023 22:13:20 +0000")
        #expect(received.header("Message-ID") == message.messageID)
        #expect(received.header("MIME-Version") == "1.0")
        #expect(received.header("X-Sextant-Group") == "{}:{alertname=\"DiskFull\"}")
        #expect(received.contentType == "multipart/alternative")
        #expect(received.text == "Disk is full.\nSee the dashboard.\n")
        #expect(received.html == "<p>Disk is <b>full</b>.</p>\n")
        #expect(received.defects.isEmpty)
        #expect(received.bareLineBreaks == 0)
        #expect(received.tls == false)
    }

    @Test func textOnlyIsSinglePart() async throws {
        let sink = try await SMTPSink()
        try await client.send(message(text: "only text"), settings: settings(sink))
        let received = try #require(try sink.received().first)
        #expect(received.contentType == "text/plain")
        #expect(received.text == "only text\n")
        #expect(received.html == nil)
    }

    @Test func extraHeadersOverrideSubjectAndToButNotTheEnvelope() async throws {
        let sink = try await SMTPSink()
        let message = message(headers: ["subject": "Overridden", "To": "list@example.com", "Content-Type": "text/evil"])
        try await client.send(message, settings: settings(sink))
        let received = try #require(try sink.received().first)
        #expect(received.values("Subject") == ["Overridden"])
        #expect(received.values("To") == ["list@example.com"])
        #expect(received.rcptTos == ["ops@example.com"])
        #expect(received.values("Content-Type").count == 1)
        #expect(received.contentType == "text/plain")
    }

    @Test(arguments: ["PLAIN", "LOGIN"])
    func authenticatesOnLoopbackWithoutTLS(mechanism: String) async throws {
        let sink = try await SMTPSink(["--auth", "alerts:s3cret", "--auth-mechanisms", mechanism])
        try await client.send(message(), settings: settings(sink, username: "alerts", password: "s3cret"))
        let received = try #require(try sink.received().first)
        #expect(received.authUser == "alerts")
        #expect(received.authMechanism == mechanism)
    }

    @Test func wrongPasswordIsPermanent() async throws {
        let sink = try await SMTPSink(["--auth", "alerts:s3cret"])
        let error = try #require(await smtpError { try await client.send(message(), settings: settings(sink, username: "alerts", password: "wrong")) })
        guard case .rejected(let stage, let code, _) = error else { Issue.record("unexpected \(error)"); return }
        #expect(stage == "AUTH PLAIN")
        #expect(code == 535)
        #expect(error.isPermanent)
        #expect(!error.description.contains("wrong"))
        #expect(try sink.received().isEmpty)
    }

    @Test func usernameWithoutAUTHOfferedFails() async throws {
        let sink = try await SMTPSink()
        let error = await smtpError { try await client.send(message(), settings: settings(sink, username: "alerts", password: "x")) }
        #expect(error == .noSupportedAuthMechanism(offered: []))
        #expect(error?.isPermanent == true)
    }

    @Test func startTLSWithoutVerificationDeliversAndAuthenticates() async throws {
        let sink = try await SMTPSink(["--auth", "alerts:s3cret"], tls: .startTLS)
        var settings = settings(sink, requireTLS: true, username: "alerts", password: "s3cret")
        settings.insecureSkipVerify = true
        try await client.send(message(), settings: settings)
        let received = try #require(try sink.received().first)
        #expect(received.tls)
        #expect(received.authUser == "alerts")
    }

    @Test func startTLSVerifiesTheCertificate() async throws {
        let sink = try await SMTPSink(tls: .startTLS)
        var settings = settings(sink, requireTLS: true)
        settings.host = "localhost"
        let error = try #require(await smtpError { try await client.send(message(), settings: settings) })
        guard case .tlsFailed(let host, _) = error else { Issue.record("unexpected \(error)"); return }
        #expect(host == "localhost")
        #expect(error.isPermanent)
        #expect(try sink.received().isEmpty)
    }

    @Test func repliesInjectedBehindSTARTTLSAreRefused() async throws {
        let sink = try await SMTPSink(["--inject-after-starttls"], tls: .startTLS)
        var settings = settings(sink, requireTLS: true)
        settings.insecureSkipVerify = true
        let error = await smtpError { try await client.send(message(), settings: settings) }
        guard case .protocolViolation(let stage, _) = error else { Issue.record("unexpected \(String(describing: error))"); return }
        #expect(stage == "STARTTLS")
        #expect(error?.isPermanent == true)
    }

    @Test func requireTLSWithoutSTARTTLSFails() async throws {
        let sink = try await SMTPSink()
        let error = await smtpError { try await client.send(message(), settings: settings(sink, requireTLS: true)) }
        #expect(error == .tlsNotOffered(host: "127.0.0.1"))
        #expect(error?.isPermanent == true)
        #expect(error?.description.contains("STARTTLS") == true)
        #expect(try sink.received().isEmpty)
    }

    @Test func implicitTLS() async throws {
        let sink = try await SMTPSink(tls: .implicit)
        var settings = settings(sink, requireTLS: true)
        settings.implicitTLS = true
        settings.insecureSkipVerify = true
        try await client.send(message(), settings: settings)
        #expect(try sink.received().first?.tls == true)
    }

    @Test func fallsBackToHELO() async throws {
        let sink = try await SMTPSink(["--no-ehlo"])
        try await client.send(message(), settings: settings(sink))
        #expect(try sink.received().count == 1)
    }

    @Test func temporaryRejectionIsRetryable() async throws {
        let sink = try await SMTPSink(["--fail-first", "1"])
        let error = try #require(await smtpError { try await client.send(message(), settings: settings(sink)) })
        guard case .rejected(_, let code, let text) = error else { Issue.record("unexpected \(error)"); return }
        #expect(code == 451)
        #expect(text.contains("try again"))
        #expect(!error.isPermanent)
        try await client.send(message(), settings: settings(sink))
        #expect(try sink.received().count == 1)
    }

    @Test func rejectedRecipientNamesTheRecipient() async throws {
        let sink = try await SMTPSink()
        let permanent = await smtpError { try await client.send(message(to: ["ops@example.com", "nobody@reject.test"]), settings: settings(sink)) }
        #expect(permanent?.isPermanent == true)
        if case .rejected(let stage, let code, _) = permanent {
            #expect(stage == "RCPT TO:<nobody@reject.test>")
            #expect(code == 550)
        } else {
            Issue.record("unexpected \(String(describing: permanent))")
        }
        let temporary = await smtpError { try await client.send(message(to: ["ops@busy.test"]), settings: settings(sink)) }
        #expect(temporary?.isPermanent == false)
        #expect(try sink.received().isEmpty)
    }

    @Test func connectionRefusedIsTemporaryAndNamesTheServer() async throws {
        let settings = SMTPSettings(host: "127.0.0.1", port: 1, requireTLS: false, timeout: .seconds(5))
        let error = try #require(await smtpError { try await client.send(message(), settings: settings) })
        guard case .connectionFailed(let host, let port, _) = error else { Issue.record("unexpected \(error)"); return }
        #expect(host == "127.0.0.1" && port == 1)
        #expect(error.description.contains("127.0.0.1:1"))
        #expect(!error.isPermanent)
    }

    @Test func silentServerTimesOut() async throws {
        let sink = try await SMTPSink(["--silent"])
        var settings = settings(sink)
        settings.timeout = .milliseconds(300)
        let start = ContinuousClock.now
        let error = await smtpError { try await client.send(message(), settings: settings) }
        #expect(error == .timeout(stage: "greeting"))
        #expect(error?.isPermanent == false)
        // Far below a hang, far above the 300 ms timeout even on a loaded machine.
        #expect(ContinuousClock.now - start < .seconds(30))
    }

    @Test func headerInjectionIsImpossible() async throws {
        let sink = try await SMTPSink()
        let message = message(
            subject: "Disk full\r\nBcc: victim@example.com", headers: ["X-Note": "a\nX-Injected: yes", "Bad Name": "x", "X-Ok\r\nX-Evil": "y"])
        try await client.send(message, settings: settings(sink))
        let received = try #require(try sink.received().first)
        #expect(received.values("Subject") == ["Disk full Bcc: victim@example.com"])
        #expect(received.values("X-Note") == ["a X-Injected: yes"])
        #expect(received.values("Bcc").isEmpty)
        #expect(received.values("X-Injected").isEmpty)
        #expect(received.values("X-Evil").isEmpty)
        #expect(received.rcptTos == ["ops@example.com"])
    }

    @Test func addressesThatWouldInjectCommandsAreRefused() async throws {
        let sink = try await SMTPSink()
        for to in ["ops@example.com>\r\nRCPT TO:<victim@example.com", "a b@example.com", "ops@exämple.com"] {
            let error = await smtpError { try await client.send(message(to: [to]), settings: settings(sink)) }
            guard case .invalidInput = error else { Issue.record("\(to): unexpected \(String(describing: error))"); continue }
            #expect(error?.isPermanent == true)
        }
        let noRecipients = await smtpError { try await client.send(message(to: []), settings: settings(sink)) }
        #expect(noRecipients == .invalidInput("no recipients"))
        #expect(try sink.received().isEmpty)
    }

    @Test func dotLinesAreStuffedAndArriveIntact() async throws {
        let sink = try await SMTPSink()
        let text = "before\n.\n..\n.leading dot\n.\r\n\nafter\n"
        try await client.send(message(text: text, html: "<p>\n.\n</p>\n"), settings: settings(sink))
        let received = try #require(try sink.received().first)
        #expect(received.text == "before\n.\n..\n.leading dot\n.\n\nafter\n")
        #expect(received.html == "<p>\n.\n</p>\n")
    }

    @Test func longLineArrivesIntact() async throws {
        let sink = try await SMTPSink()
        let line = String((0..<100_000).map { (i: Int) -> Character in
            i % 97 == 0 ? "ü" : Character(UnicodeScalar(UInt8(33 + i % 90)))
        })
        try await client.send(message(subject: String(repeating: "x", count: 2000), text: line + "\n"), settings: settings(sink))
        let received = try #require(try sink.received().first)
        #expect(received.text == line + "\n")
        #expect(received.header("Subject") == String(repeating: "x", count: 2000))
        #expect(received.maxLineLength < 998)
        #expect(received.defects.isEmpty)
    }

    @Test func nonASCIIArrivesDecoded() async throws {
        let sink = try await SMTPSink()
        let subject = "Plattenplatz knapp ⚠️ auf 東京-01 — größer als 95 % " + String(repeating: "é", count: 80)
        let message = EmailMessage(
            from: "Sextant Überwachung <alerts@example.com>", to: ["Zoë <zoe@example.com>"], subject: subject,
            text: "Grüße 👋\n", html: "<p>Grüße 👋</p>", headers: ["X-Team": "Tëam"], date: date)
        try await client.send(message, settings: settings(sink))
        let received = try #require(try sink.received().first)
        #expect(received.header("Subject") == subject)
        #expect(received.header("From") == "Sextant Überwachung <alerts@example.com>")
        #expect(received.header("To") == "Zoë <zoe@example.com>")
        #expect(received.header("X-Team") == "Tëam")
        #expect(received.text == "Grüße 👋\n")
        #expect(received.html == "<p>Grüße 👋</p>")
        #expect(received.defects.isEmpty)
    }
}
