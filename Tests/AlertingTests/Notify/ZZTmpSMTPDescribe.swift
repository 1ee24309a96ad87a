import Foundation
import Testing
@testable import Alerting

struct ZZTmpSMTPDescribe {
    @Test func describe() async throws {
        let client = SMTPClient()
        let m = EmailMessage(from: "a@example.com", to: ["b@example.com"], subject: "s", text: "t", date: Date())
        let (c, k) = try SMTPSink.certificate()
        let tlsSink = try await SMTPSink(["--starttls", c, k])
        let plain = try await SMTPSink()
        let silent = try await SMTPSink(["--silent"])
        let cases: [SMTPSettings] = [
            SMTPSettings(host: "localhost", port: tlsSink.port, timeout: .seconds(5)),
            SMTPSettings(host: "127.0.0.1", port: tlsSink.port, timeout: .seconds(5)),
            SMTPSettings(host: "127.0.0.1", port: 1, timeout: .seconds(5)),
            SMTPSettings(host: "no-such-host.invalid", port: 25, timeout: .seconds(5)),
            SMTPSettings(host: "127.0.0.1", port: plain.port, timeout: .seconds(5)),
            SMTPSettings(host: "127.0.0.1", port: plain.port, implicitTLS: true, timeout: .seconds(5)),
            SMTPSettings(host: "127.0.0.1", port: silent.port, requireTLS: false, timeout: .milliseconds(200)),
            SMTPSettings(host: "10.255.255.1", port: 25, timeout: .milliseconds(300)),
        ]
        for s in cases {
            do { try await client.send(m, settings: s); print("DESCRIBE \(s): ok") }
            catch { print("DESCRIBE \(s): \(error) permanent=\(error.isPermanent)") }
        }
    }
}
