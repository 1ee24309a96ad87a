public import TSDB

/// Why a remote-write body, or one series in it, was refused: the reason, where in the
/// request it was found, and the series' labels when they were decoded.
///
/// Errors come in two weights (``isFatal``). A body that is not valid snappy or not a
/// well-formed `WriteRequest`, or that breaks a request-wide limit, fails as a whole. A
/// well-formed series that cannot be stored — bad labels, invalid UTF-8, native
/// histograms — is refused alone and the rest of the request is still decoded, as
/// Prometheus's own receiver skips such series and answers 400 after storing the rest.
public struct RemoteWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The body is not a snappy block (remote write 1.0 uses the block format, not
        /// the framed one).
        case corruptSnappy
        /// The snappy header claims more bytes than ``RemoteWriteLimits/maxDecompressedSize``;
        /// refused before any allocation.
        case decompressedTooLarge(claimed: Int, limit: Int)
        /// The data ends inside a value of this wire type (`"varint"`, `"64-bit"`, …).
        case truncated(wireType: String)
        /// A varint longer than ten bytes or wider than 64 bits.
        case varintOverflow
        /// A length prefix that runs past the end of the enclosing message.
        case lengthPastEnd(length: UInt64, remaining: Int)
        /// Wire type 6 or 7, or a deprecated group (3, 4).
        case invalidWireType(UInt8)
        /// Field number 0 or above 2^29 - 1.
        case invalidFieldNumber(UInt64)
        /// A known field (`"Sample.timestamp"`) encoded with the wrong wire type.
        case unexpectedWireType(field: String, wireType: String, expected: String)
        case tooManySeries(limit: Int)
        case tooManySamples(limit: Int)
        /// A string field (`"Label.value"`, `"MetricMetadata.help"`) that is not UTF-8.
        case invalidUTF8(field: String)
        /// The label set breaks a rule of series identity (see `TSDB.LabelError`).
        case invalidLabels(LabelError)
        /// The series carries native histogram samples, which Sextant does not store.
        case nativeHistogramsUnsupported(count: Int)
    }

    /// What part of the request the error is about.
    public enum Location: Sendable, Equatable {
        case body
        /// The `index`-th (0-based) `timeseries` entry of the `WriteRequest`.
        case series(Int)
        /// The `index`-th (0-based) `metadata` entry.
        case metadata(Int)
    }

    public var reason: Reason
    public var location: Location
    /// Offset in the decompressed protobuf where the problem was found, when it is a
    /// wire-format problem.
    public var offset: Int?
    /// The series' labels, when they had been decoded (sorted, possibly invalid).
    public var labels: Labels?

    public init(_ reason: Reason, at location: Location = .body, offset: Int? = nil, labels: Labels? = nil) {
        self.reason = reason
        self.location = location
        self.offset = offset
        self.labels = labels
    }

    /// Whether the whole request is refused (`true`) or only the series at ``location``.
    public var isFatal: Bool {
        switch reason {
        case .invalidUTF8, .invalidLabels, .nativeHistogramsUnsupported: false
        default: true
        }
    }

    /// `series 3 {__name__="up", job="x"}: label name "job" appears more than once`
    public var description: String {
        var out: String
        switch location {
        case .body: out = "remote write body"
        case .series(let index): out = "series \(index)"
        case .metadata(let index): out = "metadata \(index)"
        }
        if let labels {
            // Injection-shaped values are escaped by Labels' own rendering.
            out += " \(labels.pairs.isEmpty ? "{}" : labels.description)"
        }
        if let offset { out += " at byte \(offset)" }
        return out + ": " + reasonDescription
    }

    private var reasonDescription: String {
        switch reason {
        case .corruptSnappy:
            "not a valid snappy block (remote write 1.0 bodies use snappy's block format, not the framed format)"
        case .decompressedTooLarge(let claimed, let limit):
            "decompressed size \(claimed) bytes exceeds the limit of \(limit) bytes"
        case .truncated(let wireType): "data ends inside a \(wireType) value"
        case .varintOverflow: "varint is longer than 10 bytes or exceeds 64 bits"
        case .lengthPastEnd(let length, let remaining):
            "length \(length) runs past the end of the enclosing message (\(remaining) bytes left)"
        case .invalidWireType(let type): "invalid or unsupported wire type \(type)"
        case .invalidFieldNumber(let number): "invalid field number \(number)"
        case .unexpectedWireType(let field, let wireType, let expected):
            "field \(field) has wire type \(wireType), expected \(expected)"
        case .tooManySeries(let limit): "request has more than \(limit) series"
        case .tooManySamples(let limit): "request has more than \(limit) samples"
        case .invalidUTF8(let field): "\(field) is not valid UTF-8"
        case .invalidLabels(let error): error.description
        case .nativeHistogramsUnsupported(let count):
            "native histograms are not supported (\(count) histogram sample\(count == 1 ? "" : "s") refused)"
        }
    }

    init(_ error: ProtobufError, at location: Location) {
        let reason: Reason = switch error.kind {
        case .truncated(let wireType): .truncated(wireType: wireType.description)
        case .varintOverflow: .varintOverflow
        case .lengthPastEnd(let length, let remaining): .lengthPastEnd(length: length, remaining: remaining)
        case .invalidWireType(let type): .invalidWireType(type)
        case .invalidFieldNumber(let number): .invalidFieldNumber(number)
        case .groupNotSupported: .invalidWireType(WireType.startGroup.rawValue)
        case .unexpectedWireType(let field, let wireType, let expected):
            .unexpectedWireType(field: field, wireType: wireType.description, expected: expected.description)
        }
        self.init(reason, at: location, offset: error.offset)
    }
}
