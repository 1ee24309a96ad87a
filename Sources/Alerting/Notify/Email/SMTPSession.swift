import Foundation
import NIOCore
import NIOSSL
import Synchronization

/// One SMTP conversation on a connected channel, in RFC 5321's order: greeting, EHLO,
/// STARTTLS and EHLO again, AUTH, MAIL, RCPT, DATA, QUIT. Every step runs under the
/// settings' timeout. Used by one task only.
final class SMTPSession {
    private let channel: any Channel
    private var replies: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let settings: SMTPSettings
    /// EHLO's extension keywords, upper-cased, with their parameters.
    private var extensions: [String: String] = [:]
    private var isTLS = false
    /// The handshake's own error, when STARTTLS failed.
    private let tlsErrors = TLSErrorRecorder()

    init(channel: any Channel, inbound: NIOAsyncChannelInboundStream<SMTPReply>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, settings: SMTPSettings) {
        self.channel = channel
        self.replies = inbound.makeAsyncIterator()
        self.outbound = outbound
        self.settings = settings
    }

    /// Delivers `data` (already dot-stuffed and terminated, see ``dataBlock(_:)``).
    ///
    /// - Parameter implicitTLS: whether TLS was installed before connecting.
    func deliver(_ data: ByteBuffer, from sender: String, to recipients: [String], implicitTLS: Bool) async throws(SMTPError) {
        isTLS = implicitTLS
        let greeting = try await step("greeting") { try await nextReply("greeting") }
        guard greeting.code == 220 else {
            throw .rejected(stage: "greeting", code: greeting.code, message: greeting.text)
        }
        try await hello()
        if !isTLS, extensions["STARTTLS"] != nil {
            try await startTLS()
            try await hello()
        } else if !isTLS, settings.requireTLS {
            throw .tlsNotOffered(host: settings.host)
        }
        if let username = settings.username, !username.isEmpty {
            try await authenticate(username: username)
        }
        try await command("MAIL FROM:<\(sender)>", expecting: [250])
        for recipient in recipients {
            try await command("RCPT TO:<\(recipient)>", expecting: [250, 251])
        }
        try await command("DATA", expecting: [354])
        let accepted = try await step("end of DATA") {
            try await outbound.write(data)
            return try await nextReply("end of DATA")
        }
        guard accepted.code == 250 else {
            throw .rejected(stage: "end of DATA", code: accepted.code, message: accepted.text)
        }
        // Delivered: a failed QUIT must not turn into a retry that delivers a duplicate.
        _ = try? await command("QUIT", expecting: [221])
    }

    /// EHLO, or HELO when the server refuses EHLO (RFC 5321 §3.2); HELO offers no extensions.
    private func hello() async throws(SMTPError) {
        let reply = try await step("EHLO") {
            try await outbound.write(ByteBuffer(string: "EHLO \(settings.helloName)\r\n"))
            return try await nextReply("EHLO")
        }
        switch reply.code {
        case 250:
            extensions = Self.extensions(of: reply)
        case 500..<600:
            try await command("HELO \(settings.helloName)", expecting: [250])
            extensions = [:]
        default:
            throw .rejected(stage: "EHLO", code: reply.code, message: reply.text)
        }
    }

    private static func extensions(of reply: SMTPReply) -> [String: String] {
        var extensions: [String: String] = [:]
        for line in reply.lines.dropFirst() {
            // `AUTH=LOGIN` is an old spelling of `AUTH LOGIN` some servers still send.
            let parts = line.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "=" })
            guard let keyword = parts.first?.uppercased() else { continue }
            let parameters = parts.count > 1 ? String(parts[1]) : ""
            extensions[keyword] = extensions[keyword].map { $0 + " " + parameters } ?? parameters
        }
        return extensions
    }

    private func startTLS() async throws(SMTPError) {
        let reply = try await command("STARTTLS", expecting: [220])
        // Bytes behind the 220 came in plaintext and would be read as if they came through
        // TLS (the STARTTLS injection of CVE-2011-0411, from the client's side).
        guard !reply.isFollowedByData else {
            throw .protocolViolation(stage: "STARTTLS", received: "data pipelined behind the 220 reply")
        }
        let tls = try SMTPTLSConfiguration(settings: settings)
        let channel = self.channel
        // The handshake runs under the next step, EHLO, whose write waits for it.
        try await step("STARTTLS") {
            let recorder = tlsErrors
            try await channel.eventLoop.submit { try tls.install(on: channel, recording: recorder) }.get()
        }
        isTLS = true
    }

    private func authenticate(username: String) async throws(SMTPError) {
        // Alertmanager's rule: credentials travel in the clear only to this machine.
        guard isTLS || Self.isLoopback(settings.host) else {
            throw .authenticationRequiresTLS(host: settings.host)
        }
        let offered = (extensions["AUTH"] ?? "").split(separator: " ").map { $0.uppercased() }
        let password = settings.password ?? ""
        if offered.contains("PLAIN") {
            let token = Self.base64((settings.identity ?? "") + "\0" + username + "\0" + password)
            try await command("AUTH PLAIN \(token)", stage: "AUTH PLAIN", expecting: [235])
        } else if offered.contains("LOGIN") {
            try await command("AUTH LOGIN", expecting: [334])
            try await command(Self.base64(username), stage: "AUTH LOGIN username", expecting: [334])
            try await command(Self.base64(password), stage: "AUTH LOGIN password", expecting: [235])
        } else {
            throw .noSupportedAuthMechanism(offered: offered)
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        if host.lowercased() == "localhost" { return true }
        guard let address = try? SocketAddress(ipAddress: host, port: 0), let ip = address.ipAddress else { return false }
        return address.protocol == .inet ? ip.hasPrefix("127.") : ip == "::1"
    }

    private static func base64(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
    }

    /// Sends `line`, reads the reply and checks its code. `stage` names the step in errors;
    /// it defaults to the line, so it must be given when the line carries a secret.
    @discardableResult
    private func command(_ line: String, stage: String? = nil, expecting codes: Set<Int>) async throws(SMTPError) -> SMTPReply {
        let stage = stage ?? line
        let reply = try await step(stage) {
            do {
                try await outbound.write(ByteBuffer(string: line + "\r\n"))
            } catch {
                // A failed TLS handshake closes the channel before this write; its error
                // waits in the inbound stream and says more than "I/O on closed channel".
                _ = try await nextReply(stage)
                throw error
            }
            return try await nextReply(stage)
        }
        guard codes.contains(reply.code) else {
            throw .rejected(stage: stage, code: reply.code, message: reply.text)
        }
        return reply
    }

    private func nextReply(_ stage: String) async throws -> SMTPReply {
        guard let reply = try await replies.next() else {
            throw SMTPError.connectionLost(stage: stage, reason: "the server closed the connection")
        }
        return reply
    }

    /// Runs `body` with the channel closed after the timeout, which ends any read or write
    /// it waits on; errors come out as ``SMTPError``s naming `stage`.
    private func step<T>(_ stage: String, _ body: () async throws -> T) async throws(SMTPError) -> T {
        let timedOut = TimeoutFlag()
        let channel = self.channel
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(settings.timeout)) {
            timedOut.fire()
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            return try await body()
        } catch {
            if timedOut.hasFired { throw .timeout(stage: stage) }
            throw classify(error, stage: stage)
        }
    }

    private func classify(_ error: any Error, stage: String) -> SMTPError {
        // A failed handshake closes the channel; what the caller sees first may be only
        // "I/O on closed channel", so the handshake's own error wins.
        if let tlsError = tlsErrors.first { return .tlsFailed(host: settings.host, reason: "\(tlsError)") }
        return switch error {
        case let error as SMTPError: error
        case let error as SMTPReplyDecoder.Malformed: .protocolViolation(stage: stage, received: error.received)
        case is NIOSSLError, is NIOSSLExtraError: .tlsFailed(host: settings.host, reason: "\(error)")
        default: .connectionLost(stage: stage, reason: "\(error)")
        }
    }

    /// The message as DATA carries it: a "." doubled at the start of every line (RFC 5321
    /// §4.5.2), so no line of the message can end it, then the ending CRLF "." CRLF.
    static func dataBlock(_ message: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(message.utf8.count + 64)
        var atLineStart = true
        for byte in message.utf8 {
            if atLineStart, byte == UInt8(ascii: ".") { bytes.append(byte) }
            bytes.append(byte)
            atLineStart = byte == UInt8(ascii: "\n")
        }
        if !bytes.isEmpty, !message.hasSuffix("\r\n") { bytes += Array("\r\n".utf8) }
        bytes += Array(".\r\n".utf8)
        return bytes
    }
}

/// Set by the timer on the event loop, read by the task: hence atomic.
/// Keeps the first TLS error the pipeline reports, then passes it on.
final class TLSErrorRecorder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    private let recorded = Mutex<(any Error)?>(nil)

    var first: (any Error)? { recorded.withLock { $0 } }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError {
            recorded.withLock { if $0 == nil { $0 = error } }
        }
        context.fireErrorCaught(error)
    }
}

private final class TimeoutFlag: Sendable {
    private let fired = Atomic(false)

    func fire() { fired.store(true, ordering: .relaxed) }
    var hasFired: Bool { fired.load(ordering: .relaxed) }
}
