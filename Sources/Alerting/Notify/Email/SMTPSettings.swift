/// Where and how ``SMTPClient`` delivers: Alertmanager's `smarthost`, `hello`, `auth_*`,
/// `require_tls` and `tls_config.insecure_skip_verify`.
public struct SMTPSettings: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// The name sent with EHLO/HELO.
    public var helloName: String
    /// When set (non-empty), the client authenticates with AUTH PLAIN or LOGIN.
    public var username: String?
    public var password: String?
    /// PLAIN's authorization identity; usually empty.
    public var identity: String?
    /// Fail with ``SMTPError/tlsNotOffered(host:)`` instead of sending in the clear when the
    /// server does not offer STARTTLS. STARTTLS is used whenever offered, whatever this says.
    public var requireTLS: Bool
    /// Accept any server certificate. The server name is still sent for SNI.
    public var insecureSkipVerify: Bool
    /// TLS from the first byte ("SMTPS") instead of STARTTLS; by default only on port 465.
    public var implicitTLS: Bool
    /// The limit for connecting and for each step of the conversation, not for the whole.
    public var timeout: Duration

    public init(
        host: String, port: Int, helloName: String = "localhost",
        username: String? = nil, password: String? = nil, identity: String? = nil,
        requireTLS: Bool = true, insecureSkipVerify: Bool = false, implicitTLS: Bool? = nil,
        timeout: Duration = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.helloName = helloName
        self.username = username
        self.password = password
        self.identity = identity
        self.requireTLS = requireTLS
        self.insecureSkipVerify = insecureSkipVerify
        self.implicitTLS = implicitTLS ?? (port == 465)
        self.timeout = timeout
    }

    /// Without the password, so settings can be logged.
    public var description: String {
        var out = "smtp://\(username.map { "\($0)@" } ?? "")\(host):\(port)"
        if implicitTLS { out += " implicit-tls" } else if requireTLS { out += " require-tls" }
        if insecureSkipVerify { out += " insecure-skip-verify" }
        return out
    }
}
