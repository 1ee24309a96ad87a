import NIOCore

/// One server reply (RFC 5321 §4.2): a three-digit code and the text of its lines.
struct SMTPReply: Sendable, Equatable {
    var code: Int
    /// The text after each line's code and separator; EHLO's extensions are lines 2 and on.
    var lines: [String]
    /// Whether more bytes had already arrived behind this reply. Nothing may follow
    /// STARTTLS's 220 before the handshake: such bytes were injected in plaintext.
    var isFollowedByData = false

    var text: String { lines.joined(separator: " ") }
}

/// Splits the byte stream into replies, joining a multi-line reply (`250-…` lines ended by
/// a `250 …` line) into one.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply

    /// What was received instead of a reply line.
    struct Malformed: Error {
        var received: String
    }

    /// Far above RFC 5321's 512 bytes, low enough that a hostile server cannot grow the buffer
    /// without bound.
    static let maximumLineLength = 16 * 1024

    private var code: Int?
    private var lines: [String] = []

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maximumLineLength {
                throw Malformed(received: "a reply line longer than \(Self.maximumLineLength) bytes")
            }
            return .needMoreData
        }
        let length = view.distance(from: view.startIndex, to: newline) + 1
        var line = Array(buffer.readBytes(length: length) ?? [])
        line.removeLast()
        if line.last == UInt8(ascii: "\r") { line.removeLast() }

        let separator = line.count > 3 ? line[3] : UInt8(ascii: " ")
        guard line.count >= 3, line.prefix(3).allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-"),
            let code = Int(String(decoding: line.prefix(3), as: UTF8.self)), self.code == nil || self.code == code
        else {
            throw Malformed(received: Self.printable(line))
        }
        self.code = code
        lines.append(String(decoding: line.dropFirst(4), as: UTF8.self))
        if separator == UInt8(ascii: "-") { return .continue }

        let reply = SMTPReply(code: code, lines: lines, isFollowedByData: buffer.readableBytes > 0)
        self.code = nil
        lines = []
        context.fireChannelRead(wrapInboundOut(reply))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }

    /// The line as an error message can show it: controls escaped, length capped.
    private static func printable(_ line: [UInt8]) -> String {
        let text = String(decoding: line.prefix(200), as: UTF8.self).unicodeScalars.map {
            $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0)
        }.joined()
        return "\"\(text)\"" + (line.count > 200 ? "…" : "")
    }
}
