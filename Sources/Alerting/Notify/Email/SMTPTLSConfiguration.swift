import NIOCore
import NIOSSL

/// The TLS client side of an SMTP connection, for STARTTLS and implicit TLS alike: the
/// system's trust roots unless `insecureSkipVerify`, the host as SNI name and for
/// certificate verification.
struct SMTPTLSConfiguration: Sendable {
    private let context: NIOSSLContext
    private let serverHostname: String?

    /// Made before the TLS step, so a configuration that cannot load fails as a TLS error.
    init(settings: SMTPSettings) throws(SMTPError) {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if settings.insecureSkipVerify { configuration.certificateVerification = .none }
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw .tlsFailed(host: settings.host, reason: "\(error)")
        }
        // SNI carries host names only; for an IP address the certificate is checked against it.
        serverHostname = (try? SocketAddress(ipAddress: settings.host, port: 0)) == nil ? settings.host : nil
    }

    /// Starts TLS on `channel` by putting a TLS handler at the front of its pipeline. Call on
    /// the channel's event loop. Writes wait for the handshake; a failed handshake surfaces as
    /// an `NIOSSLError` on the next read.
    func install(on channel: any Channel, recording errors: TLSErrorRecorder? = nil) throws {
        let handler = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
        try channel.pipeline.syncOperations.addHandler(handler, position: .first)
        if let errors {
            try channel.pipeline.syncOperations.addHandler(errors, position: .after(handler))
        }
    }
}
