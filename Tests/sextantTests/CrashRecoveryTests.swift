import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TSDB

/// Acknowledged samples survive `kill -9`: a child `sextant serve` takes remote-write
/// batches, is killed without warning mid-ingest, and every batch it answered 204 to is
/// in the store when it comes back.
struct CrashRecoveryTests {
    /// A remote-write body built by hand (protobuf + snappy literal), so the test does not
    /// depend on the code under test to encode it.
    static func remoteWriteBody(batch: Int, series: Int) -> [UInt8] {
        var message: [UInt8] = []
        func varint(_ v: UInt64, into out: inout [UInt8]) {
            var v = v
            while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
            out.append(UInt8(v))
        }
        func field(_ number: UInt64, _ bytes: [UInt8], into out: inout [UInt8]) {
            varint(number << 3 | 2, into: &out)
            varint(UInt64(bytes.count), into: &out)
            out += bytes
        }
        for s in 0..<series {
            var ts: [UInt8] = []
            for (name, value) in [("__name__", "crash_test"), ("series", String(s))] {
                var label: [UInt8] = []
                field(1, Array(name.utf8), into: &label)
                field(2, Array(value.utf8), into: &label)
                field(1, label, into: &ts)
            }
            var sample: [UInt8] = [0x09]
            withUnsafeBytes(of: Double(batch).bitPattern.littleEndian) { sample += $0 }
            sample.append(0x10)
            varint(UInt64(batch) * 1000, into: &sample)
            field(2, sample, into: &ts)
            field(1, ts, into: &message)
        }
        // Snappy block: uncompressed length, then literal chunks of at most 60 bytes.
        var out: [UInt8] = []
        varint(UInt64(message.count), into: &out)
        var offset = 0
        while offset < message.count {
            let n = min(60, message.count - offset)
            out.append(UInt8((n - 1) << 2))
            out += message[offset..<offset + n]
            offset += n
        }
        return out
    }

    @Test func everyAcknowledgedBatchSurvivesKill9() async throws {
        let child = try ServeProcessTests.Child(arguments: ["serve", "--listen", "127.0.0.1:0", "--data-dir", "data"])
        let address = try await child.address()
        var acknowledged = 0
        // Send batches for two seconds and at least ten of them (a loaded machine may take
        // longer), then kill without warning.
        let deadline = ContinuousClock.now + .seconds(2)
        let limit = ContinuousClock.now + .seconds(60)
        var batch = 1
        while (ContinuousClock.now < deadline || acknowledged < 10) && ContinuousClock.now < limit {
            var request = URLRequest(url: URL(string: "http://\(address)/api/v1/write")!)
            request.httpMethod = "POST"
            request.setValue("snappy", forHTTPHeaderField: "Content-Encoding")
            request.setValue("application/x-protobuf", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(Self.remoteWriteBody(batch: batch, series: 50))
            let (_, response) = try await URLSession.shared.data(for: request)
            guard (response as? HTTPURLResponse)?.statusCode == 204 else { break }
            acknowledged = batch
            batch += 1
        }
        kill(child.process.processIdentifier, SIGKILL)
        _ = try await child.waitForExit()
        #expect(acknowledged > 5, "the server acknowledged too little to test anything:\n\(child.log)")

        let store = try Store(options: StoreOptions(path: child.directory + "/data"))
        let series = try store.querier().select([.equal("__name__", "crash_test")], mint: 0, maxt: .max, hints: .init())
        #expect(series.count == 50)
        for s in series {
            var cursor = s.samples
            let samples = cursor.collect()
            let expected = (1...acknowledged).map { Sample(Int64($0) * 1000, Double($0)) }
            #expect(Array(samples.prefix(acknowledged)) == expected, "series \(s.labels)")
        }
        try store.close()
    }
}
