import Dispatch
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `http_receiver.py` as a child process: a real HTTP endpoint on loopback that
/// records what it is sent and answers with scripted statuses.
// @unchecked: the process and pipe are set in init and only read afterwards.
public final class HTTPReceiverProcess: @unchecked Sendable {
    let process = Process()
    public let log: String
    public let port: Int

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("http_receiver.py").path
    }

    public static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") }

    public struct Request: Decodable, Sendable {
        public var path: String
        public var status: Int
        public var at: Double
        public var body: String

        public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
    }

    public init(port: Int = 0, script: [String: [String]] = [:], log: String? = nil) async throws {
        self.log = log ?? NSTemporaryDirectory() + "receiver-\(UUID().uuidString).jsonl"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Self.script, "--port", "\(port)", "--log", self.log]
            + script.flatMap { ["--script", "\($0.key)=\($0.value.joined(separator: ","))"] }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The port line is read off the cooperative pool: a blocking read there starves
        // every other test's tasks while python starts.
        let handle = out.fileHandleForReading
        let line = await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            DispatchQueue.global().async {
                var line = Data()
                while let byte = try? handle.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
                    line.append(byte)
                }
                continuation.resume(returning: String(decoding: line, as: UTF8.self))
            }
        }
        guard let port = Int(line) else {
            kill(process.processIdentifier, SIGKILL)
            throw ReceiverError.didNotStart
        }
        self.port = port
    }

    public enum ReceiverError: Error { case didNotStart }

    public var url: String { "http://127.0.0.1:\(port)" }

    public func requests(_ path: String? = nil) -> [Request] {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
            .filter { path == nil || $0.path == path }
    }

    /// Sets the scraped value and/or the scripted statuses of paths.
    public func control(value: Double? = nil, script: [String: [String]] = [:]) async throws {
        var command: [String: Any] = [:]
        if let value { command["value"] = value }
        if !script.isEmpty { command["script"] = script }
        var request = URLRequest(url: URL(string: url + "/_control")!)
        request.httpMethod = "POST"
        request.httpBody = try JSONSerialization.data(withJSONObject: command)
        _ = try await URLSession.shared.data(for: request)
    }

    /// SIGKILL: a test process may hand its children an ignored SIGTERM (signal
    /// dispositions are inherited), and then `terminate()` would wait forever.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: log)
    }
}
