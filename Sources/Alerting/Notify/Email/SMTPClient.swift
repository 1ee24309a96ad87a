public import NIOCore
import NIOPosix
import NIOSSL

/// Delivers ``EmailMessage``s to an SMTP server (RFC 5321), one connection per message, as
/// Alertmanager's email notifier does: STARTTLS whenever offered, AUTH PLAIN or LOGIN when
/// a username is set, every step under ``SMTPSettings/timeout``.
///
/// ```swift
/// let settings = SMTPSettings(host: "smtp.example.com", port: 587, username: "alerts", password: secret)
/// do {
///     try await SMTPClient().send(message, settings: settings)
/// } catch where !error.isPermanent {
///     // retry later
/// }
/// ```
public struct SMTPClient: Sendable {
    private let eventLoopGroup: any EventLoopGroup

    /// A client on NIO's shared event loops.
    public init() {
        self.init(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
    }

    public init(eventLoopGroup: any EventLoopGroup) {
        self.eventLoopGroup = eventLoopGroup
    }

    /// Sends `message` to its recipients through the server of `settings`. Returns once the
    /// server has accepted the message at the end of DATA.
    public func send(_ message: EmailMessage, settings: SMTPSettings) async throws(SMTPError) {
        guard let sender = EmailAddress.envelopeAddress(message.from) else {
            throw .invalidInput("sender address \(Self.quoted(message.from)) is not a plain ASCII address")
        }
        let recipients = try message.to.map { (address: String) throws(SMTPError) -> String in
            guard let recipient = EmailAddress.envelopeAddress(address) else {
                throw .invalidInput("recipient address \(Self.quoted(address)) is not a plain ASCII address")
            }
            return recipient
        }
        guard !recipients.isEmpty else { throw .invalidInput("no recipients") }
        // The hello name is sent verbatim on the EHLO line.
        guard !settings.helloName.isEmpty, settings.helloName.utf8.allSatisfy({ (33...126).contains($0) }) else {
            throw .invalidInput("hello name \(Self.quoted(settings.helloName)) is not a plain ASCII domain")
        }
        let data = ByteBuffer(bytes: SMTPSession.dataBlock(message.rendered()))
        let tls = settings.implicitTLS ? try SMTPTLSConfiguration(settings: settings) : nil

        let channel: NIOAsyncChannel<SMTPReply, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(TimeAmount(settings.timeout))
                .connect(host: settings.host, port: settings.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try tls?.install(on: channel)
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                        return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw Self.connectionError(error, settings: settings)
        }

        do {
            try await channel.executeThenClose { inbound, outbound in
                let session = SMTPSession(channel: channel.channel, inbound: inbound, outbound: outbound, settings: settings)
                try await session.deliver(data, from: sender, to: recipients, implicitTLS: tls != nil)
            }
        } catch let error as SMTPError {
            throw error
        } catch {
            throw .connectionLost(stage: "the SMTP session", reason: "\(error)")
        }
    }

    private static func connectionError(_ error: any Error, settings: SMTPSettings) -> SMTPError {
        switch error {
        case ChannelError.connectTimeout:
            return .timeout(stage: "connecting to \(settings.host):\(settings.port)")
        case let error as NIOConnectionError:
            let reason =
                if let dnsError = error.dnsAError ?? error.dnsAAAAError, error.connectionErrors.isEmpty {
                    "cannot resolve host: \(dnsError)"
                } else {
                    error.connectionErrors.map { "\($0.error)" }.joined(separator: "; ")
                }
            return .connectionFailed(host: settings.host, port: settings.port, reason: reason)
        case is NIOSSLError, is NIOSSLExtraError:
            return .tlsFailed(host: settings.host, reason: "\(error)")
        default:
            return .connectionFailed(host: settings.host, port: settings.port, reason: "\(error)")
        }
    }

    private static func quoted(_ text: String) -> String {
        "\"\(MIMEEncoding.singleLine(text))\""
    }
}
