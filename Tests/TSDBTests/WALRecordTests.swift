import Testing
@testable import TSDB

struct WALRecordTests {
    func decodeAll(_ bytes: [UInt8]) throws -> [WALRecord] {
        var records: [WALRecord] = []
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let length = Int(raw.loadUnaligned(fromByteOffset: offset + 1, as: UInt32.self).littleEndian)
                let payload = UnsafeRawBufferPointer(rebasing: raw[(offset + 9)..<(offset + 9 + length)])
                records.append(try WALRecord.decode(kind: raw[offset], payload: payload))
                offset += 9 + length
            }
        }
        return records
    }

    @Test func seriesAndSamplesRoundTrip() throws {
        var writer = ByteWriter()
        let series: [(ref: SeriesRef, labels: Labels)] = [
            (SeriesRef(1), Labels(["__name__": "up", "job": "ünï"])),
            (SeriesRef(2), Labels(["__name__": "x"])),
        ]
        let samples: [(ref: SeriesRef, timestamp: Int64, value: Double)] = [
            (SeriesRef(1), 1_700_000_000_000, 1), (SeriesRef(2), 1_700_000_000_000, .nan),
            (SeriesRef(1), -5, -0.0), (SeriesRef(2), .max, StaleMarker.value), (SeriesRef(1), .min, .infinity),
        ]
        WALRecord.encodeSeries(series, into: &writer)
        WALRecord.encodeSamples(samples, into: &writer)
        let decoded = try decodeAll(writer.bytes)
        #expect(decoded == [.series(series), .samples(samples)])
    }

    @Test func everyTruncationOfAPayloadIsAnErrorNotATrap() {
        var writer = ByteWriter()
        WALRecord.encodeSeries([(SeriesRef(7), Labels(["__name__": "metric", "a": "b"]))], into: &writer)
        let payload = Array(writer.bytes[9...])
        for cut in 0..<payload.count {
            let truncated = Array(payload[..<cut])
            #expect(throws: WALDecodeError.self) {
                try truncated.withUnsafeBytes { try WALRecord.decode(kind: 1, payload: $0) }
            }
        }
    }

    @Test func hostilePayloadsAreRefused() {
        let cases: [(UInt8, [UInt8])] = [
            (9, [0]),                                    // unknown record type
            (1, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]), // varint overflow
            (1, [0x80, 0x80, 0x80, 0x80, 0x10]),         // huge series count
            (2, [1, 2, 2]),                              // sample without its value
            (1, [1, 1, 1, 1, 2, 0xC3, 0x28, 0]),         // invalid UTF-8 label name
            (2, [0, 42]),                                // leftover bytes
        ]
        for (kind, bytes) in cases {
            #expect(throws: WALDecodeError.self) {
                try bytes.withUnsafeBytes { try WALRecord.decode(kind: kind, payload: $0) }
            }
        }
    }

    @Test func crc32cMatchesKnownVectors() {
        // RFC 3720 test vectors for CRC-32C.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum(Array(0..<32) as [UInt8]) == 0x46DD_794E)
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }
}
