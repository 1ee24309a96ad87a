import Dispatch
public import Foundation

/// A real SMTP server for tests: `smtp_sink.py` (aiosmtpd) in a child
/// process, listening on a free port of 127.0.0.1 and recording what it accepts.
public final class SMTPSink: @unchecked Sendable {
    // @unchecked: every property is a `let` set in `init`; `Process` is only terminated.

    /// What the sink recorded for one accepted message (see smtp_sink.py).
    public struct Received: Decodable, Sendable {
        public var mailFrom: String
        public var rcptTos: [String]
        public var authUser: String?
        public var authMechanism: String?
        public var tls: Bool
        public var headers: [[String]]
        public var contentType: String
        public var text: String?
        public var html: String?
        public var defects: [String]
        public var maxLineLength: Int
        public var bareLineBreaks: Int

        /// Every value of the header `name`, decoded.
        public func values(_ name: String) -> [String] {
            headers.filter { $0[0].lowercased() == name.lowercased() }.map { $0[1] }
        }

        public func header(_ name: String) -> String? { values(name).first }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Whether python3 with aiosmtpd is installed; the tests are skipped without them.
    public static let isAvailable: Bool = {
        guard let status = try? run("/usr/bin/env", ["python3", "-c", "import aiosmtpd"]) else { return false }
        return status == 0
    }()

    static let script = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "smtp_sink.py")

    public let port: Int
    public let directory: URL
    private let process: Process
    private let stdin: Pipe

    public enum TLS: Sendable {
        /// Offer and require STARTTLS.
        case startTLS
        /// TLS from the first byte.
        case implicit
    }

    /// Starts the sink with `arguments` (beyond `--port 0 --dir …`) and waits until it listens.
    ///
    /// - Parameter tls: with a fresh self-signed certificate.
    public init(_ arguments: [String] = [], tls: TLS? = nil) async throws {
        directory = FileManager.default.temporaryDirectory.appending(path: "smtp-sink-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var arguments = arguments
        switch tls {
        case .startTLS: arguments += try ["--starttls"] + Self.makeCertificate(in: directory)
        case .implicit: arguments += try ["--implicit-tls"] + Self.makeCertificate(in: directory)
        case nil: break
        }
        process = Process()
        process.executableURL = URL(filePath: "/usr/bin/env")
        process.arguments = ["python3", Self.script.path, "--port", "0", "--dir", directory.path] + arguments
        let stdout = Pipe()
        stdin = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let handle = stdout.fileHandleForReading
        let line = await withCheckedContinuation { continuation in
            // Blocking reads belong on a thread of their own, not on the cooperative pool.
            DispatchQueue.global().async {
                var data = Data()
                while !data.contains(UInt8(ascii: "\n")) {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    data.append(chunk)
                }
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }
        }
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw Failure(description: "smtp_sink.py \(arguments) did not start: \(line)")
        }
        self.port = port
    }

    deinit {
        // Closing stdin ends the sink even when a blocked signal mask keeps SIGTERM out.
        try? stdin.fileHandleForWriting.close()
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The messages accepted so far, oldest first.
    public func received() throws -> [Received] {
        let file = directory.appending(path: "messages.jsonl")
        guard FileManager.default.fileExists(atPath: file.path) else { return [] }
        return try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(Received.self, from: Data($0.utf8))
        }
    }

    /// A self-signed certificate for CN=localhost and 127.0.0.1 and its key, in `directory`.
    private static func makeCertificate(in directory: URL) throws -> [String] {
        let certificate = directory.appending(path: "cert.pem").path
        let key = directory.appending(path: "key.pem").path
        let status = try run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "2",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", certificate,
        ])
        guard status == 0 else { throw Failure(description: "openssl exited with \(status)") }
        return [certificate, key]
    }

    @discardableResult
    private static func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(filePath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
