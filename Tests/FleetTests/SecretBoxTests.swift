import Fleet
import Foundation
import Testing

struct SecretBoxTests {
    let directory = NSTemporaryDirectory() + "secrets-\(UUID().uuidString)"

    init() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    @Test func sealsAndOpensAndTheKeyFileIsPrivate() throws {
        let box = try SecretBox.load(environment: [:], keyFile: directory + "/secret.key")
        let sealed = try box.seal(Data("hunter2".utf8))
        #expect(!String(decoding: sealed, as: UTF8.self).contains("hunter2"))
        #expect(try box.open(sealed) == Data("hunter2".utf8))
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/secret.key")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        // The same file gives the same key.
        let again = try SecretBox.load(environment: [:], keyFile: directory + "/secret.key")
        #expect(try again.open(sealed) == Data("hunter2".utf8))
    }

    @Test func aWrongKeyIsAClearErrorNotGarbage() throws {
        let catalog = try Catalog(path: directory + "/catalog.sqlite")
        let right = try SecretBox(key: Data(repeating: 1, count: 32))
        try catalog.verify(right)
        try catalog.verify(right)
        let wrong = try SecretBox.load(environment: ["SEXTANT_SECRET_KEY": String(repeating: "02", count: 32)], keyFile: directory + "/unused")
        #expect(throws: SecretError.wrongKey) { try catalog.verify(wrong) }
        #expect(throws: SecretError.wrongKey) { try wrong.open(try right.seal(Data("x".utf8))) }
    }

    @Test func malformedKeysAreRefused() throws {
        #expect(throws: SecretError.self) { try SecretBox.load(environment: ["SEXTANT_SECRET_KEY": "short"], keyFile: directory + "/k") }
        try "not a key".write(toFile: directory + "/bad.key", atomically: true, encoding: .utf8)
        #expect(throws: SecretError.self) { try SecretBox.load(environment: [:], keyFile: directory + "/bad.key") }
        #expect(throws: SecretError.self) { try SecretBox(key: Data(count: 16)) }
        let box = try SecretBox(key: Data(repeating: 7, count: 32))
        #expect(throws: SecretError.wrongKey) { try box.open(Data([1, 2, 3])) }
    }
}
