import Crypto
public import Foundation

/// Seals secrets (provider credentials, notification URLs and passwords) with AES-256-GCM
/// before they reach the catalog. The key comes from `SEXTANT_SECRET_KEY` (32 bytes as 64
/// hex digits or base64) or from a key file created with mode 0600 on first start.
///
/// ```swift
/// let box = try SecretBox.load(environment: ProcessInfo.processInfo.environment, keyFile: "./data/secret.key")
/// let sealed = try box.seal(Data("hunter2".utf8))
/// let plain = try box.open(sealed)
/// ```
public struct SecretBox: Sendable {
    /// The raw key; `SymmetricKey` is not `Sendable`, so one is made per use.
    private let keyBytes: Data

    public init(key: Data) throws(SecretError) {
        guard key.count == 32 else { throw .badKey("the key must be 32 bytes, found \(key.count)") }
        keyBytes = key
    }

    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// The environment's key when set, else the key file, created when missing.
    public static func load(environment: [String: String], keyFile: String) throws(SecretError) -> SecretBox {
        if let text = environment["SEXTANT_SECRET_KEY"] {
            guard let key = decode(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw .badKey("SEXTANT_SECRET_KEY must be 32 bytes as 64 hex digits or base64")
            }
            return try SecretBox(key: key)
        }
        let manager = FileManager.default
        if manager.fileExists(atPath: keyFile) {
            guard let data = manager.contents(atPath: keyFile) else { throw .keyFile(path: keyFile, reason: "cannot be read") }
            guard let key = decode(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw .keyFile(path: keyFile, reason: "does not hold 32 bytes as 64 hex digits or base64")
            }
            return try SecretBox(key: key)
        }
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let hex = key.map { String(format: "%02x", $0) }.joined()
        // Created with 0600 from the start, so the key is never readable by others.
        guard manager.createFile(atPath: keyFile, contents: Data((hex + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw .keyFile(path: keyFile, reason: "cannot be created")
        }
        return try SecretBox(key: key)
    }

    static func decode(_ text: String) -> Data? {
        if text.utf8.count == 64, text.utf8.allSatisfy({ $0 < 128 && (Character(UnicodeScalar($0)).isHexDigit) }) {
            var bytes = Data()
            var index = text.startIndex
            while index < text.endIndex {
                let next = text.index(index, offsetBy: 2)
                guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
                bytes.append(byte)
                index = next
            }
            return bytes
        }
        if let data = Data(base64Encoded: text), data.count == 32 { return data }
        return nil
    }

    /// Nonce, ciphertext and tag in one blob.
    public func seal(_ plaintext: Data) throws(SecretError) -> Data {
        do {
            guard let combined = try AES.GCM.seal(plaintext, using: key).combined else { throw SecretError.sealFailed }
            return combined
        } catch {
            throw .sealFailed
        }
    }

    public func open(_ sealed: Data) throws(SecretError) -> Data {
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key)
        } catch {
            throw .wrongKey
        }
    }
}

public enum SecretError: Error, Sendable, Equatable, CustomStringConvertible {
    case badKey(String)
    case keyFile(path: String, reason: String)
    case sealFailed
    /// The data was sealed under another key, or was altered.
    case wrongKey

    public var description: String {
        switch self {
        case .badKey(let reason): "invalid secret key: \(reason)"
        case .keyFile(let path, let reason): "secret key file \(path) \(reason)"
        case .sealFailed: "sealing a secret failed"
        case .wrongKey: "the secret key does not open the catalog's secrets: it is not the key they were sealed with (check SEXTANT_SECRET_KEY or the key file)"
        }
    }
}
