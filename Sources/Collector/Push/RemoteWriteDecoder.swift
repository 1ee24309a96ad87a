import TSDB

/// Reads a Prometheus remote write 1.0 request — a snappy block holding a protobuf
/// `prometheus.WriteRequest` — one series at a time.
///
/// ```swift
/// var decoder = try RemoteWriteDecoder(compressed: body, limits: limits)
/// var app = store.appender()
/// var refused = 0
/// do {
///     while let series = try decoder.next() {
///         var ref = SeriesRef.unknown
///         for sample in series.samples {
///             do { ref = try app.append(ref, series.labels, sample.timestamp, sample.value) }
///             catch { refused += 1 }   // out of order, too old…: counted, the rest goes on
///         }
///     }
/// } catch {
///     app.rollback()   // a malformed body stores nothing
///     throw error
/// }
/// try app.commit()
/// if let first = decoder.rejections.first { /* 400 with `first`, after storing the rest */ }
/// ```
///
/// A pull decoder rather than a `[RemoteWriteSeries]` result, so ingestion never holds a
/// second copy of the request: each series is built, appended and dropped. A fatal error
/// (``RemoteWriteError/isFatal``) can come after earlier series were returned; the
/// appender's batch makes the request all-or-nothing, as above. ``decode(_:limits:)``
/// returns everything at once for tests and small bodies.
///
/// The protobuf decoder is written by hand rather than generated: it reads label names
/// and values straight from the decompressed bytes into the `Labels` the store takes,
/// with no intermediate `WriteRequest`/`TimeSeries`/`Label` message objects, which keeps
/// decoding well above a million samples a second on one core; and it needs no protoc
/// plugin or generated-code step in the build. The messages it reads (field numbers as in
/// Prometheus's `prompb/remote.proto` and `types.proto`):
///
/// ```
/// WriteRequest   { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
/// TimeSeries     { repeated Label labels = 1; repeated Sample samples = 2;
///                  repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
/// Label          { string name = 1; string value = 2; }
/// Sample         { double value = 1; int64 timestamp = 2; }
/// MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
/// ```
///
/// Decoding is strict. Wire-format faults — truncated varints or fixed values, lengths
/// past the end of their message, varints beyond 64 bits, wire types 3, 4, 6 and 7, a
/// known field with the wrong wire type — fail the request. Unknown fields are skipped
/// after checking they are well formed; exemplars and histograms are walked the same
/// way. No field this decoder interprets is a repeated scalar, so packed encoding only
/// appears inside skipped messages, where it is an ordinary length-delimited field.
/// Proto3 rules hold: a missing field is its zero value, and a singular field given
/// twice takes the last value.
///
/// A series is refused on its own when its labels break the store's rules (see
/// `Labels.validated(limits:)`: empty set, no `__name__`, invalid or duplicate names,
/// too many or too long), a name or value is not UTF-8, or it carries native
/// histograms. Labels need not arrive sorted (Prometheus sorts them, other senders may
/// not); they are sorted here. A label with an empty value means "no such label", as in
/// Prometheus, and is dropped after the duplicate check. A series with no float samples
/// is skipped without complaint.
public struct RemoteWriteDecoder: Sendable {
    /// How many non-fatal errors ``rejections`` keeps; ``rejectedSeries`` counts every
    /// refused series.
    public static let reportedRejectionLimit = 100

    public let limits: RemoteWriteLimits

    /// Series refused on their own so far, and metadata entries with invalid strings;
    /// the first ``reportedRejectionLimit``.
    public private(set) var rejections: [RemoteWriteError] = []
    /// Series refused on their own so far.
    public private(set) var rejectedSeries = 0
    /// `metadata` entries read so far (checked, then dropped: Sextant keeps metadata from
    /// scrapes only).
    public private(set) var metadataCount = 0
    /// Float samples returned so far.
    public private(set) var sampleCount = 0

    /// The decompressed `WriteRequest`.
    private let bytes: [UInt8]
    private var offset = 0
    private var seriesIndex = 0
    private var failure: RemoteWriteError?
    /// Per-series scratch, kept to reuse its storage.
    private var scratch = SeriesScratch()

    /// Decompresses a snappy-compressed `WriteRequest`, refusing a body whose header
    /// claims more than ``RemoteWriteLimits/maxDecompressedSize`` before allocating.
    public init(compressed body: [UInt8], limits: RemoteWriteLimits = .default) throws(RemoteWriteError) {
        let bytes: [UInt8]
        do {
            bytes = try Snappy.decompress(body, limit: limits.maxDecompressedSize)
        } catch {
            switch error {
            case .corrupt: throw RemoteWriteError(.corruptSnappy)
            case .tooLarge(let claimed, let limit): throw RemoteWriteError(.decompressedTooLarge(claimed: claimed, limit: limit))
            }
        }
        self.init(bytes: bytes, limits: limits)
    }

    /// Reads an uncompressed `WriteRequest` (for transports that decompress on their own).
    public init(protobuf: [UInt8], limits: RemoteWriteLimits = .default) throws(RemoteWriteError) {
        if limits.maxDecompressedSize > 0 && protobuf.count > limits.maxDecompressedSize {
            throw RemoteWriteError(.decompressedTooLarge(claimed: protobuf.count, limit: limits.maxDecompressedSize))
        }
        self.init(bytes: protobuf, limits: limits)
    }

    private init(bytes: [UInt8], limits: RemoteWriteLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    /// The next series that can be stored, or `nil` at the end of the request. Series
    /// refused on their own are added to ``rejections`` and skipped; a fatal error is
    /// thrown, and thrown again by every later call.
    public mutating func next() throws(RemoteWriteError) -> RemoteWriteSeries? {
        if let failure { throw failure }
        // A local copy (a retain, not a copy of the bytes) so `self` can be mutated while
        // the buffer is borrowed.
        let bytes = self.bytes
        do {
            return try bytes.withUnsafeBufferPointer { (buffer) throws(RemoteWriteError) -> RemoteWriteSeries? in
                try self.readSeries(buffer)
            }
        } catch {
            failure = error
            throw error
        }
    }

    /// Decodes a whole snappy-compressed request.
    public static func decode(_ body: [UInt8], limits: RemoteWriteLimits = .default) throws(RemoteWriteError) -> RemoteWriteRequest {
        var decoder = try RemoteWriteDecoder(compressed: body, limits: limits)
        return try decoder.decodeAll()
    }

    /// Decodes a whole uncompressed request.
    public static func decode(protobuf: [UInt8], limits: RemoteWriteLimits = .default) throws(RemoteWriteError) -> RemoteWriteRequest {
        var decoder = try RemoteWriteDecoder(protobuf: protobuf, limits: limits)
        return try decoder.decodeAll()
    }

    private mutating func decodeAll() throws(RemoteWriteError) -> RemoteWriteRequest {
        var series: [RemoteWriteSeries] = []
        while let next = try next() { series.append(next) }
        return RemoteWriteRequest(
            series: series, rejections: rejections, rejectedSeries: rejectedSeries, metadataCount: metadataCount)
    }

    // MARK: WriteRequest

    private mutating func readSeries(_ buffer: UnsafeBufferPointer<UInt8>) throws(RemoteWriteError) -> RemoteWriteSeries? {
        var reader = ProtobufReader(buffer, from: offset)
        while !reader.isAtEnd {
            let field: UInt64
            let payload: Range<Int>
            do throws(ProtobufError) {
                let keyOffset = reader.offset
                let key = try reader.readKey()
                field = key.field
                guard field == 1 || field == 3 else {
                    try reader.skip(key.wireType)
                    continue
                }
                try ProtobufReader.expect(
                    key.wireType, .lengthDelimited,
                    field: field == 1 ? "WriteRequest.timeseries" : "WriteRequest.metadata", keyOffset: keyOffset)
                payload = try reader.readLengthDelimited()
            } catch {
                throw RemoteWriteError(error, at: .body)
            }
            offset = reader.offset
            if field == 3 {
                try readMetadata(buffer, payload)
                continue
            }
            let index = seriesIndex
            seriesIndex += 1
            if limits.maxSeries > 0 && seriesIndex > limits.maxSeries {
                throw RemoteWriteError(.tooManySeries(limit: limits.maxSeries), at: .series(index))
            }
            if let series = try readTimeSeries(buffer, payload, index: index) { return series }
        }
        offset = reader.offset
        return nil
    }

    private mutating func reject(_ error: RemoteWriteError) {
        if rejections.count < Self.reportedRejectionLimit { rejections.append(error) }
    }

    // MARK: TimeSeries

    /// Positions of one series' parts in the buffer, gathered before anything is built.
    struct SeriesScratch: Sendable {
        var labels: [LabelSpan] = []
        var samples: [Range<Int>] = []
    }

    struct LabelSpan: Sendable {
        var name: Range<Int>
        var value: Range<Int>
    }

    private static let timeSeriesFields = ["TimeSeries.labels", "TimeSeries.samples", "TimeSeries.exemplars", "TimeSeries.histograms"]

    /// The series at `payload`, or `nil` when it is refused or has no float samples.
    private mutating func readTimeSeries(
        _ buffer: UnsafeBufferPointer<UInt8>, _ payload: Range<Int>, index: Int
    ) throws(RemoteWriteError) -> RemoteWriteSeries? {
        scratch.labels.removeAll(keepingCapacity: true)
        scratch.samples.removeAll(keepingCapacity: true)
        var histograms = 0
        do throws(ProtobufError) {
            // Pass 1: find every part and check the framing of all of them, so a malformed
            // series fails the request even when its labels would have been refused.
            var reader = ProtobufReader(buffer, payload)
            while !reader.isAtEnd {
                let keyOffset = reader.offset
                let (field, wireType) = try reader.readKey()
                guard field >= 1 && field <= 4 else {
                    try reader.skip(wireType)
                    continue
                }
                try ProtobufReader.expect(wireType, .lengthDelimited, field: Self.timeSeriesFields[Int(field) - 1], keyOffset: keyOffset)
                let part = try reader.readLengthDelimited()
                switch field {
                case 1: scratch.labels.append(try Self.readLabel(buffer, part))
                case 2: scratch.samples.append(part)
                case 3: try ProtobufReader.validateMessage(buffer, part)
                default:
                    histograms += 1
                    try ProtobufReader.validateMessage(buffer, part)
                }
            }
        } catch {
            throw RemoteWriteError(error, at: .series(index))
        }

        sampleCount += scratch.samples.count
        if limits.maxSamples > 0 && sampleCount > limits.maxSamples {
            throw RemoteWriteError(.tooManySamples(limit: limits.maxSamples), at: .series(index))
        }
        // Pass 2: samples, straight into an array of the right size.
        let samples: [Sample]
        do throws(ProtobufError) {
            samples = try Self.readSamples(buffer, scratch.samples)
        } catch {
            throw RemoteWriteError(error, at: .series(index))
        }

        let labels: Labels
        do throws(LabelFailure) {
            labels = try Self.buildLabels(buffer, &scratch.labels, limits: limits.labels)
        } catch {
            sampleCount -= samples.count
            rejectedSeries += 1
            reject(RemoteWriteError(error.reason, at: .series(index), labels: error.labels))
            return nil
        }
        if histograms > 0 {
            // Float samples of the same series are still stored; the histograms are not.
            if samples.isEmpty { rejectedSeries += 1 }
            reject(RemoteWriteError(.nativeHistogramsUnsupported(count: histograms), at: .series(index), labels: labels))
        }
        if samples.isEmpty { return nil }
        return RemoteWriteSeries(labels: labels, samples: samples)
    }

    private static func readLabel(_ buffer: UnsafeBufferPointer<UInt8>, _ payload: Range<Int>) throws(ProtobufError) -> LabelSpan {
        let empty = payload.lowerBound..<payload.lowerBound
        var span = LabelSpan(name: empty, value: empty)
        var reader = ProtobufReader(buffer, payload)
        while !reader.isAtEnd {
            let keyOffset = reader.offset
            let (field, wireType) = try reader.readKey()
            guard field == 1 || field == 2 else {
                try reader.skip(wireType)
                continue
            }
            try ProtobufReader.expect(wireType, .lengthDelimited, field: field == 1 ? "Label.name" : "Label.value", keyOffset: keyOffset)
            let string = try reader.readLengthDelimited()
            if field == 1 { span.name = string } else { span.value = string }
        }
        return span
    }

    private static func readSamples(_ buffer: UnsafeBufferPointer<UInt8>, _ parts: [Range<Int>]) throws(ProtobufError) -> [Sample] {
        if parts.isEmpty { return [] }
        var failure: ProtobufError?
        let samples = [Sample](unsafeUninitializedCapacity: parts.count) { output, count in
            do throws(ProtobufError) {
                for part in parts {
                    output.initializeElement(at: count, to: try readSample(buffer, part))
                    count += 1
                }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return samples
    }

    @inline(__always)
    private static func readSample(_ buffer: UnsafeBufferPointer<UInt8>, _ part: Range<Int>) throws(ProtobufError) -> Sample {
        var value: UInt64 = 0
        var timestamp: UInt64 = 0
        var reader = ProtobufReader(buffer, part)
        while !reader.isAtEnd {
            let keyOffset = reader.offset
            let (field, wireType) = try reader.readKey()
            switch field {
            case 1:
                try ProtobufReader.expect(wireType, .fixed64, field: "Sample.value", keyOffset: keyOffset)
                value = try reader.readFixed64()
            case 2:
                try ProtobufReader.expect(wireType, .varint, field: "Sample.timestamp", keyOffset: keyOffset)
                timestamp = try reader.readVarint()
            default:
                try reader.skip(wireType)
            }
        }
        return Sample(Int64(bitPattern: timestamp), Double(bitPattern: value))
    }

    // MARK: Labels

    struct LabelFailure: Error {
        var reason: RemoteWriteError.Reason
        var labels: Labels?
    }

    /// Sorted, checked `Labels` from the spans of one series; sorts `spans` in place.
    private static func buildLabels(
        _ buffer: UnsafeBufferPointer<UInt8>, _ spans: inout [LabelSpan], limits: LabelLimits
    ) throws(LabelFailure) -> Labels {
        if spans.isEmpty { throw LabelFailure(reason: .invalidLabels(.empty)) }
        if spans.count > limits.maxLabels {
            throw LabelFailure(reason: .invalidLabels(.tooManyLabels(count: spans.count, limit: limits.maxLabels)))
        }
        var sorted = true
        for i in spans.indices {
            let span = spans[i]
            if span.name.count > limits.maxNameLength {
                throw LabelFailure(reason: .invalidLabels(.nameTooLong(lossyString(buffer, span.name), limit: limits.maxNameLength)))
            }
            if span.value.count > limits.maxValueLength {
                throw LabelFailure(reason: .invalidLabels(.valueTooLong(
                    name: lossyString(buffer, span.name), length: span.value.count, limit: limits.maxValueLength)))
            }
            if i > 0 && compare(buffer, spans[i - 1].name, span.name) >= 0 { sorted = false }
        }
        if !sorted {
            spans.sort { compare(buffer, $0.name, $1.name) < 0 }
        }
        var pairs: [Label] = []
        pairs.reserveCapacity(spans.count)
        var previousName: Range<Int>?
        for span in spans {
            if let previousName, compare(buffer, previousName, span.name) == 0 {
                throw LabelFailure(reason: .invalidLabels(.duplicateName(lossyString(buffer, span.name))))
            }
            previousName = span.name
            guard let name = string(buffer, span.name) else {
                throw LabelFailure(reason: .invalidUTF8(field: "Label.name"))
            }
            guard let value = string(buffer, span.value) else {
                throw LabelFailure(reason: .invalidUTF8(field: "value of label \"\(name)\""))
            }
            if !value.isEmpty { pairs.append(Label(name, value)) }
        }
        let labels = Labels(sorted: pairs)
        do {
            return try labels.validated(limits: limits)
        } catch {
            throw LabelFailure(reason: .invalidLabels(error), labels: labels)
        }
    }

    @inline(__always)
    private static func string(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String? {
        // Not `String(validating:as:)`: it is generic and unspecialized here, and looking up
        // its metadata on every call cost a fifth of the decoding time.
        if UTF8Validation.firstInvalidOffset(buffer, range.lowerBound, range.upperBound) != nil { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)
    }

    /// For error messages only: invalid bytes become U+FFFD.
    private static func lossyString(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: buffer[range.prefix(256)]), as: UTF8.self)
    }

    /// Byte-wise order of two names: the order of `Labels` for the ASCII names it accepts.
    @inline(__always)
    private static func compare(_ buffer: UnsafeBufferPointer<UInt8>, _ a: Range<Int>, _ b: Range<Int>) -> Int {
        let common = min(a.count, b.count)
        var i = 0
        while i < common {
            let x = buffer[a.lowerBound + i]
            let y = buffer[b.lowerBound + i]
            if x != y { return x < y ? -1 : 1 }
            i += 1
        }
        return a.count - b.count
    }

    // MARK: MetricMetadata

    /// Checks a metadata entry's framing, wire types and strings, then drops it.
    private mutating func readMetadata(_ buffer: UnsafeBufferPointer<UInt8>, _ payload: Range<Int>) throws(RemoteWriteError) {
        let index = metadataCount
        metadataCount += 1
        var reader = ProtobufReader(buffer, payload)
        do throws(ProtobufError) {
            while !reader.isAtEnd {
                let keyOffset = reader.offset
                let (field, wireType) = try reader.readKey()
                let name: String
                switch field {
                case 1:
                    try ProtobufReader.expect(wireType, .varint, field: "MetricMetadata.type", keyOffset: keyOffset)
                    _ = try reader.readVarint()
                    continue
                case 2: name = "MetricMetadata.metric_family_name"
                case 4: name = "MetricMetadata.help"
                case 5: name = "MetricMetadata.unit"
                default:
                    try reader.skip(wireType)
                    continue
                }
                try ProtobufReader.expect(wireType, .lengthDelimited, field: name, keyOffset: keyOffset)
                let string = try reader.readLengthDelimited()
                if UTF8Validation.firstInvalidOffset(buffer, string.lowerBound, string.upperBound) != nil {
                    reject(RemoteWriteError(.invalidUTF8(field: name), at: .metadata(index), offset: string.lowerBound))
                }
            }
        } catch {
            throw RemoteWriteError(error, at: .metadata(index))
        }
    }
}
