/// Why an email was not delivered, with what the outbox needs to decide on a retry
/// (``isPermanent``) and what an operator needs to fix it (``description``).
public enum SMTPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No connection: refused, unreachable, or the host did not resolve.
    case connectionFailed(host: String, port: Int, reason: String)
    /// The connection broke or was closed by the server during `stage`.
    case connectionLost(stage: String, reason: String)
    /// `stage` did not finish within the settings' timeout.
    case timeout(stage: String)
    /// The server answered `stage` (`"RCPT TO:<ops@example.com>"`, `"AUTH PLAIN"`, …) with
    /// something other than success.
    case rejected(stage: String, code: Int, message: String)
    /// `requireTLS` is set and the server does not offer STARTTLS.
    case tlsNotOffered(host: String)
    /// The TLS handshake failed: an untrusted or mismatched certificate, or no common protocol.
    case tlsFailed(host: String, reason: String)
    /// A username is set but the server offers neither AUTH PLAIN nor AUTH LOGIN.
    case noSupportedAuthMechanism(offered: [String])
    /// A username is set and the session is not encrypted: credentials are sent in the clear
    /// only to a loopback host, as Alertmanager does.
    case authenticationRequiresTLS(host: String)
    /// The server sent something that is not an SMTP reply, or a reply it must not send.
    case protocolViolation(stage: String, received: String)
    /// The message or settings cannot be sent: an address or hello name that would break the
    /// SMTP command line, or no recipients.
    case invalidInput(String)

    /// Whether retrying the same message can never succeed: 5xx replies and failures of
    /// configuration, authentication and TLS. 4xx replies, timeouts and connection failures
    /// are temporary, so the outbox tries again.
    public var isPermanent: Bool {
        switch self {
        case .connectionFailed, .connectionLost, .timeout: false
        case .rejected(_, let code, _): !(400..<500).contains(code)
        case .tlsNotOffered, .tlsFailed, .noSupportedAuthMechanism, .authenticationRequiresTLS, .protocolViolation,
            .invalidInput:
            true
        }
    }

    public var description: String {
        switch self {
        case .connectionFailed(let host, let port, let reason):
            "cannot connect to SMTP server \(host):\(port): \(reason)"
        case .connectionLost(let stage, let reason):
            "SMTP connection lost during \(stage): \(reason)"
        case .timeout(let stage):
            "SMTP server did not complete \(stage) in time"
        case .rejected(let stage, let code, let message):
            "SMTP server rejected \(stage): \(code) \(message)"
        case .tlsNotOffered(let host):
            "require_tls is set but SMTP server \(host) does not advertise STARTTLS"
        case .tlsFailed(let host, let reason):
            "TLS with SMTP server \(host) failed: \(reason)"
        case .noSupportedAuthMechanism(let offered):
            offered.isEmpty
                ? "SMTP server does not offer AUTH, but a username is configured"
                : "SMTP server offers AUTH \(offered.joined(separator: " ")), none of PLAIN or LOGIN"
        case .authenticationRequiresTLS(let host):
            "refusing to send SMTP credentials to \(host) without TLS"
        case .protocolViolation(let stage, let received):
            "SMTP protocol violation during \(stage): \(received)"
        case .invalidInput(let reason):
            "cannot send email: \(reason)"
        }
    }
}
