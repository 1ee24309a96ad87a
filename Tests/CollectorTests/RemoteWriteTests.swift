import TestSupport
import Testing
import TSDB

@testable import Collector

// MARK: - Helpers

/// Hand-built protobuf, so tests can send what no well-behaved encoder would.
private enum PB {
    static func varint(_ value: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        ProtobufWriter.appendVarint(value, to: &out)
        return out
    }

    static func key(_ field: UInt64, _ wireType: UInt8) -> [UInt8] { varint(field << 3 | UInt64(wireType)) }

    static func bytes(_ field: UInt64, _ payload: [UInt8]) -> [UInt8] {
        key(field, 2) + varint(UInt64(payload.count)) + payload
    }

    static func string(_ field: UInt64, _ text: String) -> [UInt8] { bytes(field, Array(text.utf8)) }

    static func fixed64(_ field: UInt64, _ value: UInt64) -> [UInt8] {
        key(field, 1) + withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    static func varintField(_ field: UInt64, _ value: UInt64) -> [UInt8] { key(field, 0) + varint(value) }

    static func label(_ name: String, _ value: String) -> [UInt8] {
        bytes(1, string(1, name) + string(2, value))
    }

    static func sample(_ value: Double, _ timestamp: Int64) -> [UInt8] {
        bytes(2, fixed64(1, value.bitPattern) + varintField(2, UInt64(bitPattern: timestamp)))
    }

    /// A `TimeSeries` entry of a `WriteRequest` from its already-encoded parts.
    static func series(_ parts: [UInt8]...) -> [UInt8] { bytes(1, parts.flatMap { $0 }) }

    static func histogram() -> [UInt8] {
        // count_int 3, sum 1.5, schema 0 (sint32), one positive span {offset 0, length 1},
        // packed positive_deltas [3], timestamp 1000.
        bytes(4, varintField(1, 3) + fixed64(3, 1.5.bitPattern) + varintField(4, 0)
            + bytes(11, varintField(1, 0) + varintField(2, 1)) + bytes(12, [6]) + varintField(15, 1000))
    }
}

private func labels(_ name: String, _ pairs: [String: String] = [:]) -> Labels {
    var all = pairs
    all[Labels.metricName] = name
    return Labels(all)
}

/// The decode of `protobuf`, or the fatal error it ends with.
private func outcome(_ protobuf: [UInt8], limits: RemoteWriteLimits = .default) -> Result<RemoteWriteRequest, RemoteWriteError> {
    Result { () throws(RemoteWriteError) in try RemoteWriteDecoder.decode(protobuf: protobuf, limits: limits) }
}

private func fatal(_ protobuf: [UInt8], limits: RemoteWriteLimits = .default) -> RemoteWriteError? {
    if case .failure(let error) = outcome(protobuf, limits: limits) { return error }
    return nil
}


/// Node-exporter-like series with every awkward value the format must carry exactly.
private func sampleRequest(seed: UInt64 = 42, series count: Int = 20, samples: Int = 5) -> [RemoteWriteSeries] {
    var random = SplitMix64(state: seed)
    let special: [Double] = [
        .nan, -.nan, StaleMarker.value, Double(bitPattern: 0x7FF8_0000_0000_0001), .infinity, -.infinity,
        -0.0, 0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 0.1, 1e-300,
    ]
    let modes = ["user", "system", "idle", "iowait", "ünïcödé", "a\"b}\nc{d=\"e\"", "x\\y"]
    return (0..<count).map { index in
        let labels = labels("node_cpu_seconds_total", [
            "cpu": String(index % 8),
            "instance": "host-\(index / 8).example.com:9100",
            "job": "node",
            "mode": modes[index % modes.count],
        ])
        let values = (0..<samples).map { k -> Sample in
            let timestamp = Int64.random(in: -1_000_000...2_000_000_000_000, using: &random)
            let value = k % 2 == 0 ? special[(index + k) % special.count] : Double.random(in: -1e9...1e9, using: &random)
            return Sample(timestamp, value)
        }
        return RemoteWriteSeries(labels: labels, samples: values)
    }
}

// MARK: - Golden bytes

@Suite struct RemoteWriteGoldenTests {
    /// `{__name__="up", job="x"}` with one sample 1.0 at 1000 ms, worked out by hand.
    static let golden: [UInt8] = [
        0x0A, 0x28,  // WriteRequest.timeseries, 40 bytes
        0x0A, 0x0E,  //   TimeSeries.labels, 14 bytes
        0x0A, 0x08, 0x5F, 0x5F, 0x6E, 0x61, 0x6D, 0x65, 0x5F, 0x5F,  // Label.name "__name__"
        0x12, 0x02, 0x75, 0x70,  //     Label.value "up"
        0x0A, 0x08,  //   TimeSeries.labels, 8 bytes
        0x0A, 0x03, 0x6A, 0x6F, 0x62,  // Label.name "job"
        0x12, 0x01, 0x78,  //     Label.value "x"
        0x12, 0x0C,  //   TimeSeries.samples, 12 bytes
        0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x3F,  // Sample.value 1.0 (fixed64, little-endian)
        0x10, 0xE8, 0x07,  //     Sample.timestamp 1000 (varint)
    ]

    static let goldenSeries = RemoteWriteSeries(labels: labels("up", ["job": "x"]), samples: [Sample(1000, 1.0)])

    @Test func encoderWritesTheGoldenBytes() {
        var protobuf: [UInt8] = []
        RemoteWriteEncoder.encodeProtobuf([Self.goldenSeries], into: &protobuf)
        #expect(protobuf == Self.golden)
    }

    @Test func decoderReadsAHandMadeSnappyBlock() throws {
        // Snappy block: varint length 42, then one literal of 42 bytes (tag (42-1) << 2).
        let body: [UInt8] = [0x2A, 0xA4] + Self.golden
        let request = try RemoteWriteDecoder.decode(body)
        #expect(request.series == [Self.goldenSeries])
        #expect(request.rejections.isEmpty)
    }

    @Test func encodeCompressesWithSnappy() throws {
        let body = RemoteWriteEncoder.encode([Self.goldenSeries])
        #expect(try Snappy.decompress(body, limit: 0) == Self.golden)
    }

    @Test func zeroValuedFieldsAreLeftOutAndReadBackAsZero() throws {
        var protobuf: [UInt8] = []
        RemoteWriteEncoder.encodeProtobuf([RemoteWriteSeries(labels: labels("z"), samples: [Sample(0, 0.0)])], into: &protobuf)
        // The sample is an empty message: key 0x12, length 0.
        #expect(protobuf.suffix(2) == [0x12, 0x00])
        #expect(try RemoteWriteDecoder.decode(protobuf: protobuf).series[0].samples == [Sample(0, 0.0)])
    }
}

// MARK: - Round trips

@Suite struct RemoteWriteRoundTripTests {
    @Test(arguments: [1, 7, 99] as [UInt64])
    func encodeThenDecodeGivesTheSameSeries(seed: UInt64) throws {
        let series = sampleRequest(seed: seed)
        let request = try RemoteWriteDecoder.decode(RemoteWriteEncoder.encode(series))
        #expect(request.series == series)
        #expect(request.rejections.isEmpty)
        #expect(request.sampleCount == 100)
    }

    @Test func specialValuesPassThroughBitForBit() throws {
        let values: [Double] = [
            .nan, StaleMarker.value, Double(bitPattern: 0x7FF8_0000_0000_0001), Double(bitPattern: 0xFFF0_0000_0000_0001),
            .infinity, -.infinity, -0.0, .leastNonzeroMagnitude, -.leastNormalMagnitude,
        ]
        let timestamps: [Int64] = [.min, .max, -1, 0, 1, 1 << 53, -(1 << 62)]
        var samples: [Sample] = []
        for (i, value) in values.enumerated() { samples.append(Sample(timestamps[i % timestamps.count], value)) }
        let series = [RemoteWriteSeries(labels: labels("edge"), samples: samples)]
        let decoded = try RemoteWriteDecoder.decode(RemoteWriteEncoder.encode(series)).series
        try #require(decoded.count == 1)
        #expect(decoded[0].samples.map(\.value.bitPattern) == values.map(\.bitPattern))
        #expect(decoded[0].samples.map(\.timestamp) == samples.map(\.timestamp))
        #expect(StaleMarker.isStale(decoded[0].samples[1].value))
    }

    @Test func injectionShapedLabelValuesAreKeptVerbatim() throws {
        let hostile = ["a\"b", "}\n{job=\"evil\"}", "line1\nline2", "back\\slash", "\u{0}nul", "=,"]
        let series = hostile.enumerated().map { i, value in
            RemoteWriteSeries(labels: labels("m", ["v": value, "i": String(i)]), samples: [Sample(1, 1)])
        }
        let decoded = try RemoteWriteDecoder.decode(RemoteWriteEncoder.encode(series)).series
        #expect(decoded.map { $0.labels["v"] } == hostile)
    }

    @Test func unsortedLabelsAreSorted() throws {
        let protobuf = PB.series(PB.label("zone", "a"), PB.label("job", "x"), PB.label("__name__", "up"), PB.sample(2, 5))
        let request = try RemoteWriteDecoder.decode(protobuf: protobuf)
        #expect(request.series == [RemoteWriteSeries(labels: labels("up", ["job": "x", "zone": "a"]), samples: [Sample(5, 2)])])
        #expect(request.series[0].labels.pairs.map(\.name) == ["__name__", "job", "zone"])
    }

    @Test func emptyValuesMeanNoLabel() throws {
        let protobuf = PB.series(PB.label("__name__", "up"), PB.label("job", ""), PB.sample(1, 1))
        #expect(try RemoteWriteDecoder.decode(protobuf: protobuf).series[0].labels == labels("up"))
    }

    @Test func emptyRequestHasNoSeries() throws {
        let request = try RemoteWriteDecoder.decode(Snappy.compress([]))
        #expect(request.series.isEmpty)
    }

    @Test func seriesWithoutSamplesAreSkippedQuietly() throws {
        let protobuf = PB.series(PB.label("__name__", "up")) + PB.series(PB.label("__name__", "b"), PB.sample(1, 1))
        let request = try RemoteWriteDecoder.decode(protobuf: protobuf)
        #expect(request.series.map { $0.labels.metricName } == ["b"])
        #expect(request.rejections.isEmpty)
    }

    @Test func unknownFieldsAreSkippedAtEveryLevel() throws {
        let unknown = PB.varintField(15, 300) + PB.fixed64(16, 7) + PB.key(17, 5) + [1, 2, 3, 4] + PB.string(18, "x")
            + PB.varintField(1_000_000, 1)
        let label = PB.bytes(1, PB.string(1, "__name__") + unknown + PB.string(2, "up"))
        let sample = PB.bytes(2, unknown + PB.fixed64(1, 2.5.bitPattern) + PB.varintField(2, 9))
        let exemplar = PB.bytes(3, PB.label("trace_id", "abc") + PB.fixed64(2, 1.0.bitPattern) + PB.varintField(3, 5))
        let protobuf = unknown + PB.series(unknown, label, exemplar, sample) + unknown
        let request = try RemoteWriteDecoder.decode(protobuf: protobuf)
        #expect(request.series == [RemoteWriteSeries(labels: labels("up"), samples: [Sample(9, 2.5)])])
    }

    @Test func laterValueOfAFieldWins() throws {
        let sample = PB.bytes(2, PB.varintField(2, 1) + PB.varintField(2, 2))
        let protobuf = PB.series(PB.label("__name__", "a"), sample)
        #expect(try RemoteWriteDecoder.decode(protobuf: protobuf).series[0].samples == [Sample(2, 0)])
    }

    @Test func metadataIsCheckedAndSkipped() throws {
        let metadata = PB.bytes(3, PB.varintField(1, 1) + PB.string(2, "up") + PB.string(4, "help text") + PB.string(5, "seconds"))
        let protobuf = metadata + PB.series(PB.label("__name__", "up"), PB.sample(1, 1)) + metadata
        let request = try RemoteWriteDecoder.decode(protobuf: protobuf)
        #expect(request.metadataCount == 2)
        #expect(request.series.count == 1)
        #expect(request.rejections.isEmpty)
    }

    @Test func pullDecoderHandsOutSeriesOneByOne() throws {
        let series = sampleRequest(series: 3, samples: 2)
        var decoder = try RemoteWriteDecoder(compressed: RemoteWriteEncoder.encode(series))
        var read: [RemoteWriteSeries] = []
        while let next = try decoder.next() { read.append(next) }
        #expect(read == series)
        let afterTheEnd = try decoder.next()
        #expect(afterTheEnd == nil)
        #expect(decoder.sampleCount == 6)
    }
}

// MARK: - Series refused on their own

@Suite struct RemoteWriteRejectionTests {
    private let good = PB.series(PB.label("__name__", "good"), PB.sample(1, 1))

    /// Decodes `bad` between two good series: both must survive, and the one rejection is returned.
    private func rejection(of bad: [UInt8]) throws -> RemoteWriteError {
        let request = try RemoteWriteDecoder.decode(protobuf: good + bad + good)
        #expect(request.series.count == 2)
        #expect(request.rejectedSeries == 1)
        try #require(request.rejections.count == 1)
        #expect(request.rejections[0].location == .series(1))
        #expect(!request.rejections[0].isFatal)
        return request.rejections[0]
    }

    @Test func invalidUTF8InAValue() throws {
        let bad = PB.series(PB.label("__name__", "m"), PB.bytes(1, PB.string(1, "job") + PB.bytes(2, [0x61, 0xC3, 0x28])), PB.sample(1, 1))
        let error = try rejection(of: bad)
        #expect(error.reason == .invalidUTF8(field: "value of label \"job\""))
        #expect(error.description == "series 1: value of label \"job\" is not valid UTF-8")
    }

    @Test(arguments: [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]] as [[UInt8]])
    func invalidUTF8InAName(bytes: [UInt8]) throws {
        let bad = PB.series(PB.label("__name__", "m"), PB.bytes(1, PB.bytes(1, bytes) + PB.string(2, "v")), PB.sample(1, 1))
        #expect(try rejection(of: bad).reason == .invalidUTF8(field: "Label.name"))
    }

    @Test func duplicateLabelNames() throws {
        let bad = PB.series(PB.label("__name__", "m"), PB.label("job", "a"), PB.label("job", "b"), PB.sample(1, 1))
        let error = try rejection(of: bad)
        #expect(error.reason == .invalidLabels(.duplicateName("job")))
        #expect(error.description.hasPrefix("series 1: "))
    }

    @Test func duplicateNamesAreFoundAfterSorting() throws {
        let bad = PB.series(PB.label("job", "a"), PB.label("__name__", "m"), PB.label("job", ""), PB.sample(1, 1))
        #expect(try rejection(of: bad).reason == .invalidLabels(.duplicateName("job")))
    }

    @Test func missingMetricName() throws {
        let error = try rejection(of: PB.series(PB.label("job", "a"), PB.sample(1, 1)))
        #expect(error.reason == .invalidLabels(.missingMetricName))
        #expect(error.labels == Labels(["job": "a"]))
    }

    @Test func emptyLabelSet() throws {
        #expect(try rejection(of: PB.series(PB.sample(1, 1))).reason == .invalidLabels(.empty))
    }

    @Test func invalidNames() throws {
        #expect(try rejection(of: PB.series(PB.label("__name__", "1up"), PB.sample(1, 1))).reason == .invalidLabels(.invalidMetricName("1up")))
        #expect(try rejection(of: PB.series(PB.label("__name__", "m"), PB.label("a-b", "x"), PB.sample(1, 1))).reason == .invalidLabels(.invalidName("a-b")))
        #expect(try rejection(of: PB.series(PB.label("__name__", "m"), PB.label("", "x"), PB.sample(1, 1))).reason == .invalidLabels(.invalidName("")))
    }

    @Test func injectionShapedValuesAreEscapedInErrors() throws {
        let bad = PB.series(PB.label("__name__", "m"), PB.label("x", "}\n{a=\"b\""), PB.label("x-y", "1"), PB.sample(1, 1))
        let error = try rejection(of: bad)
        #expect(!error.description.contains("\n"))
        #expect(error.description.contains(#"x="}\n{a=\"b\"""#))
    }

    @Test func nativeHistogramsAreRefusedNotStored() throws {
        let error = try rejection(of: PB.series(PB.label("__name__", "latency"), PB.histogram(), PB.histogram()))
        #expect(error.reason == .nativeHistogramsUnsupported(count: 2))
        #expect(error.labels == labels("latency"))
        #expect(error.description == "series 1 latency: native histograms are not supported (2 histogram samples refused)")
    }

    @Test func floatSamplesBesideHistogramsAreKept() throws {
        let mixed = PB.series(PB.label("__name__", "latency"), PB.histogram(), PB.sample(3, 4))
        let request = try RemoteWriteDecoder.decode(protobuf: mixed)
        #expect(request.series == [RemoteWriteSeries(labels: labels("latency"), samples: [Sample(4, 3)])])
        #expect(request.rejections.map(\.reason) == [.nativeHistogramsUnsupported(count: 1)])
        #expect(request.rejectedSeries == 0)
    }

    @Test func labelLimits() throws {
        let limits = RemoteWriteLimits(labels: LabelLimits(maxLabels: 2, maxNameLength: 8, maxValueLength: 4))
        func reason(_ protobuf: [UInt8]) throws -> RemoteWriteError.Reason? {
            try RemoteWriteDecoder.decode(protobuf: protobuf, limits: limits).rejections.first?.reason
        }
        #expect(try reason(PB.series(PB.label("__name__", "m"), PB.label("a", "1"), PB.label("b", "2"), PB.sample(1, 1)))
            == .invalidLabels(.tooManyLabels(count: 3, limit: 2)))
        #expect(try reason(PB.series(PB.label("__name__", "m"), PB.label("long_name", "1"), PB.sample(1, 1)))
            == .invalidLabels(.nameTooLong("long_name", limit: 8)))
        #expect(try reason(PB.series(PB.label("__name__", "m"), PB.label("a", "12345"), PB.sample(1, 1)))
            == .invalidLabels(.valueTooLong(name: "a", length: 5, limit: 4)))
    }

    @Test func invalidUTF8InMetadataIsReported() throws {
        let metadata = PB.bytes(3, PB.string(2, "up") + PB.bytes(4, [0xFE]))
        let request = try RemoteWriteDecoder.decode(protobuf: metadata + good)
        #expect(request.series.count == 1)
        #expect(request.rejections == [RemoteWriteError(.invalidUTF8(field: "MetricMetadata.help"), at: .metadata(0), offset: 8)])
    }

    @Test func reportedRejectionsAreCapped() throws {
        let bad = PB.series(PB.label("job", "a"), PB.sample(1, 1))
        let protobuf = (0..<150).flatMap { _ in bad }
        let request = try RemoteWriteDecoder.decode(protobuf: protobuf)
        #expect(request.rejectedSeries == 150)
        #expect(request.rejections.count == RemoteWriteDecoder.reportedRejectionLimit)
    }
}

// MARK: - Fatal errors

@Suite struct RemoteWriteFatalTests {
    private let good = PB.series(PB.label("__name__", "good"), PB.sample(1, 1))

    @Test func corruptSnappyIsRefused() {
        let bodies: [[UInt8]] = [
            [],
            [0x05, 0x00],  // claims 5 bytes, holds a 1-byte literal header without data
            [0xFF, 0x06, 0x00, 0x00] + Array("sNaPpY".utf8),  // the framed format's stream identifier
            Array("not snappy at all".utf8),
        ]
        for body in bodies {
            #expect(throws: RemoteWriteError(.corruptSnappy)) { try RemoteWriteDecoder.decode(body) }
        }
    }

    @Test func oversizedClaimIsRefusedBeforeAllocating() {
        // Header: varint 4 GiB - 1, the most a snappy block can claim; nothing behind it.
        let body = PB.varint(UInt64(UInt32.max)) + [0x00]
        #expect(throws: RemoteWriteError(.decompressedTooLarge(claimed: Int(UInt32.max), limit: 64 << 20))) {
            try RemoteWriteDecoder.decode(body)
        }
        // A claim of 4 GiB or more does not fit snappy's 32-bit length at all.
        #expect(throws: RemoteWriteError(.corruptSnappy)) { try RemoteWriteDecoder.decode(PB.varint(4 << 30) + [0x00]) }
        #expect(throws: RemoteWriteError(.corruptSnappy)) { try RemoteWriteDecoder.decode([UInt8](repeating: 0xFF, count: 10) + [0x01]) }
    }

    @Test func decompressedSizeLimitIsConfigurable() throws {
        let body = RemoteWriteEncoder.encode(sampleRequest())
        let size = try Snappy.decompress(body, limit: 0).count
        #expect(throws: RemoteWriteError(.decompressedTooLarge(claimed: size, limit: size - 1))) {
            try RemoteWriteDecoder.decode(body, limits: RemoteWriteLimits(maxDecompressedSize: size - 1))
        }
        #expect(try RemoteWriteDecoder.decode(body, limits: RemoteWriteLimits(maxDecompressedSize: size)).series.count == 20)
    }

    @Test func seriesAndSampleLimits() {
        let protobuf = good + good + good
        #expect(fatal(protobuf, limits: RemoteWriteLimits(maxSeries: 2)) == RemoteWriteError(.tooManySeries(limit: 2), at: .series(2)))
        #expect(fatal(protobuf, limits: RemoteWriteLimits(maxSamples: 2)) == RemoteWriteError(.tooManySamples(limit: 2), at: .series(2)))
        #expect(fatal(protobuf, limits: RemoteWriteLimits(maxSeries: 3, maxSamples: 3)) == nil)
    }

    @Test func hugeVarints() {
        // Eleven bytes of continuation: longer than any 64-bit varint.
        let tooLong = [UInt8](repeating: 0xFF, count: 10) + [0x01]
        #expect(fatal(tooLong)?.reason == .varintOverflow)
        // Ten bytes whose last carries bits above 2^64.
        #expect(fatal([UInt8](repeating: 0xFF, count: 9) + [0x02])?.reason == .varintOverflow)
        // A length of 2^63 - 1.
        let hugeLength = PB.key(1, 2) + PB.varint(UInt64(Int64.max)) + [0x00]
        #expect(fatal(hugeLength)?.reason == .lengthPastEnd(length: UInt64(Int64.max), remaining: 1))
        // The largest valid varint as a sample timestamp is fine: it is -1.
        let maxTimestamp = PB.series(PB.label("__name__", "m"), PB.bytes(2, PB.varintField(2, .max)))
        #expect(try! RemoteWriteDecoder.decode(protobuf: maxTimestamp).series[0].samples == [Sample(-1, 0)])
    }

    @Test func truncatedVarint() {
        let error = fatal(PB.series(PB.label("__name__", "m"), PB.bytes(2, PB.key(2, 0) + [0x80, 0x80])))
        #expect(error?.reason == .truncated(wireType: "varint"))
        #expect(error?.location == .series(0))
        #expect(error?.offset == 20)
    }

    @Test func truncatedFixed64() {
        let error = fatal(PB.series(PB.label("__name__", "m"), PB.bytes(2, PB.key(1, 1) + [0, 0, 0])))
        #expect(error?.reason == .truncated(wireType: "64-bit"))
    }

    @Test func wrongWireTypesForKnownFields() {
        let cases: [([UInt8], String)] = [
            (PB.varintField(1, 5), "WriteRequest.timeseries"),
            (PB.fixed64(3, 5), "WriteRequest.metadata"),
            (PB.bytes(1, PB.varintField(1, 1)), "TimeSeries.labels"),
            (PB.bytes(1, PB.fixed64(2, 1)), "TimeSeries.samples"),
            (PB.bytes(1, PB.varintField(4, 1)), "TimeSeries.histograms"),
            (PB.series(PB.bytes(1, PB.varintField(1, 1))), "Label.name"),
            (PB.series(PB.bytes(1, PB.fixed64(2, 1))), "Label.value"),
            (PB.series(PB.bytes(2, PB.varintField(1, 1))), "Sample.value"),
            (PB.series(PB.bytes(2, PB.fixed64(2, 1))), "Sample.timestamp"),
            (PB.bytes(3, PB.string(1, "counter")), "MetricMetadata.type"),
            (PB.bytes(3, PB.varintField(4, 1)), "MetricMetadata.help"),
        ]
        for (protobuf, field) in cases {
            guard case .unexpectedWireType(let got, _, _) = fatal(good + protobuf)?.reason else {
                Issue.record("no wire-type error for \(field)")
                continue
            }
            #expect(got == field)
        }
    }

    @Test func groupsAndUndefinedWireTypes() {
        #expect(fatal(PB.key(9, 3) + PB.key(9, 4))?.reason == .invalidWireType(3))
        #expect(fatal(PB.key(9, 6))?.reason == .invalidWireType(6))
        #expect(fatal(PB.key(9, 7))?.reason == .invalidWireType(7))
        #expect(fatal([0x00])?.reason == .invalidFieldNumber(0))
    }

    @Test func malformedSkippedMessagesAreFatalToo() {
        let badHistogram = PB.series(PB.label("__name__", "m"), PB.bytes(4, PB.key(1, 0)))
        #expect(fatal(badHistogram)?.reason == .truncated(wireType: "varint"))
        let badExemplar = PB.series(PB.label("__name__", "m"), PB.bytes(3, PB.key(1, 2) + [0x05]))
        #expect(fatal(badExemplar)?.reason == .lengthPastEnd(length: 5, remaining: 0))
    }

    @Test func wireErrorsWinOverLabelProblems() {
        // Labels would be refused (no __name__), but the series is also malformed.
        let bad = PB.series(PB.label("job", "a"), PB.bytes(2, PB.key(1, 1)))
        #expect(fatal(good + bad)?.isFatal == true)
    }

    @Test func aFatalErrorIsThrownAgain() throws {
        var decoder = try RemoteWriteDecoder(protobuf: good + [0x0A, 0x7F])
        #expect(try decoder.next() != nil)
        let first = #expect(throws: RemoteWriteError.self) { try decoder.next() }
        let second = #expect(throws: RemoteWriteError.self) { try decoder.next() }
        #expect(first == second)
        #expect(first?.description == "remote write body at byte 34: length 127 runs past the end of the enclosing message (0 bytes left)")
    }
}

// MARK: - Hostile input

@Suite struct RemoteWriteHostileInputTests {
    @Test func everyTruncationOfTheProtobufThrowsOrParsesAPrefix() throws {
        let series = sampleRequest(series: 6, samples: 3)
        var protobuf: [UInt8] = []
        var boundaries: [Int: Int] = [0: 0]
        for (i, entry) in series.enumerated() {
            RemoteWriteEncoder.encodeProtobuf([entry], into: &protobuf)
            boundaries[protobuf.count] = i + 1
        }
        for length in 0...protobuf.count {
            switch outcome(Array(protobuf.prefix(length))) {
            case .success(let request):
                // Only a cut between two series leaves a valid request.
                let complete = try #require(boundaries[length], "prefix of \(length) bytes parsed")
                #expect(request.series == Array(series.prefix(complete)))
            case .failure(let error):
                #expect(error.isFatal)
                #expect(boundaries[length] == nil)
            }
        }
    }

    @Test func everyTruncationOfTheSnappyBodyIsRefused() {
        let body = RemoteWriteEncoder.encode(sampleRequest(series: 4, samples: 3))
        for length in 0..<body.count {
            #expect(throws: RemoteWriteError(.corruptSnappy)) { try RemoteWriteDecoder.decode(Array(body.prefix(length))) }
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomBitFlipsNeverCrash(seed: UInt64) {
        var random = SplitMix64(state: seed)
        var protobuf: [UInt8] = []
        RemoteWriteEncoder.encodeProtobuf(sampleRequest(seed: seed, series: 8, samples: 4), into: &protobuf)
        let body = Snappy.compress(protobuf)
        var outcomes = (parsed: 0, refused: 0)
        for _ in 0..<1_500 {
            var flipped = protobuf
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                flipped[Int.random(in: 0..<flipped.count, using: &random)] ^= 1 << UInt8.random(in: 0..<8, using: &random)
            }
            switch outcome(flipped) {
            case .success: outcomes.parsed += 1
            case .failure: outcomes.refused += 1
            }
            var compressed = body
            compressed[Int.random(in: 0..<compressed.count, using: &random)] ^= 1 << UInt8.random(in: 0..<8, using: &random)
            _ = try? RemoteWriteDecoder.decode(compressed)
        }
        #expect(outcomes.parsed + outcomes.refused == 1_500)
    }

    @Test func randomBytesNeverCrash() {
        var random = SplitMix64(state: 2024)
        for _ in 0..<2_000 {
            let bytes = (0..<Int.random(in: 0..<64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            _ = outcome(bytes)
            _ = try? RemoteWriteDecoder.decode(bytes)
            _ = try? RemoteWriteDecoder.decode(Snappy.compress(bytes))
        }
    }
}
