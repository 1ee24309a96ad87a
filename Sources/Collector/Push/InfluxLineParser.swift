public import TSDB

/// Reads InfluxDB line protocol — what Telegraf sends to `/write` and `/api/v2/write` —
/// as Prometheus samples, one at a time.
///
/// ```swift
/// var parser = InfluxLineParser(body, precision: InfluxPrecision(parameter: p) ?? .nanoseconds,
///                               defaultTimestamp: now, extraLabels: Labels(["db": db]))
/// var app = store.appender()
/// while let sample = parser.next() {
///     try app.append(.unknown, sample.labels, sample.timestamp, sample.value)
/// }
/// try app.commit()
/// if let first = parser.errors.first { /* 400 "partial write: \(first)", parser.rejectedLines dropped */ }
/// ```
///
/// `measurement[,tag=value…] field=value[,field=value…] [timestamp]`, one per line:
///
/// - Each numeric or boolean field is one sample of the series `<measurement>_<field>`
///   (see ``InfluxMetricNaming`` for the alternatives) carrying the line's tags as labels.
///   Names are sanitized to Prometheus names (``PrometheusNameSanitizer``); tag values
///   are kept as they are. `extraLabels` (the `db` of a v1 write, say) are added to every
///   series unless a tag of the same name overrides them.
/// - Field values: floats (`1`, `1.5`, `-1e3`, `.5`; no `NaN` or `Inf`, which line
///   protocol does not have), integers `1i`, unsigned `1u`, booleans (`t`, `T`, `true`,
///   `True`, `TRUE` and the same for false) as 1 and 0. Integers beyond 2^53 lose
///   precision as Doubles. String fields (`"…"`) are skipped and counted in
///   ``skippedStringFields``.
/// - Escapes, as InfluxDB defines them: `\,` and `\ ` in measurements; `\,`, `\=` and
///   `\ ` in tag keys, tag values and field keys; `\"` in string fields; `\\` is one
///   backslash everywhere, and a backslash before any other character is kept as it is.
///   A string field may contain a raw newline.
/// - The timestamp is an integer in the request's ``InfluxPrecision``, converted to
///   milliseconds (finer units round down); a line without one gets `defaultTimestamp`.
/// - Blank lines and lines whose first non-blank character is `#` are skipped; a `\r`
///   before the `\n` is ignored.
///
/// A bad line — syntax, invalid UTF-8, an empty tag value, a duplicate tag or field,
/// a tag named `__name__`, a timestamp out of range, a limit — is refused whole and
/// recorded in ``errors`` with its line and column; the other lines are still read, as
/// InfluxDB's partial writes do.
public struct InfluxLineParser: Sendable {
    /// How many line errors ``errors`` keeps; ``rejectedLines`` counts them all.
    public static let reportedErrorLimit = 100

    public let precision: InfluxPrecision
    /// Unix milliseconds given to lines without a timestamp.
    public let defaultTimestamp: Int64
    public let options: InfluxOptions

    /// The first ``reportedErrorLimit`` refused lines.
    public private(set) var errors: [InfluxLineError] = []
    public private(set) var rejectedLines = 0
    /// Lines read without error, those with only string fields included.
    public private(set) var acceptedLines = 0
    /// String fields of accepted lines, which have no Prometheus equivalent.
    public private(set) var skippedStringFields = 0

    private let bytes: [UInt8]
    /// Sorted by name.
    let extraLabels: [Label]
    /// The separator's UTF-8, sanitized as part of each name.
    let separator: [UInt8]
    /// Where the next unread line starts.
    private var offset = 0
    /// Newlines before `offset`: the 1-based number of the next line is one more.
    private var newlinesRead = 0
    /// Samples of the last line, handed out by `next()`.
    var pending: [InfluxSample] = []
    private var pendingIndex = 0
    /// Per-line scratch, kept to reuse its storage.
    var scratch = LineScratch()

    public init(
        _ body: [UInt8],
        precision: InfluxPrecision = .nanoseconds,
        defaultTimestamp: Int64,
        extraLabels: Labels = .empty,
        options: InfluxOptions = InfluxOptions()
    ) {
        self.bytes = body
        self.precision = precision
        self.defaultTimestamp = defaultTimestamp
        self.options = options
        self.extraLabels = extraLabels.pairs
        self.separator = Array(options.separator.utf8)
    }

    /// The next sample, or `nil` when every line has been read. Bad lines are skipped and
    /// recorded in ``errors``.
    public mutating func next() -> InfluxSample? {
        while true {
            if pendingIndex < pending.count {
                pendingIndex += 1
                return pending[pendingIndex - 1]
            }
            pending.removeAll(keepingCapacity: true)
            pendingIndex = 0
            guard offset < bytes.count else { return nil }
            // A local copy (a retain, not a copy of the bytes) so `self` can be mutated
            // while the buffer is borrowed.
            let bytes = self.bytes
            bytes.withUnsafeBufferPointer { readLine($0) }
        }
    }

    /// Everything at once: for tests and small bodies.
    public static func parse(
        _ body: [UInt8],
        precision: InfluxPrecision = .nanoseconds,
        defaultTimestamp: Int64,
        extraLabels: Labels = .empty,
        options: InfluxOptions = InfluxOptions()
    ) -> InfluxParseResult {
        var parser = InfluxLineParser(
            body, precision: precision, defaultTimestamp: defaultTimestamp, extraLabels: extraLabels, options: options)
        var samples: [InfluxSample] = []
        while let sample = parser.next() { samples.append(sample) }
        return InfluxParseResult(
            samples: samples, errors: parser.errors, acceptedLines: parser.acceptedLines,
            rejectedLines: parser.rejectedLines, skippedStringFields: parser.skippedStringFields)
    }

    // MARK: Lines

    /// Reads the line at `offset` into `pending`, or records why it was refused.
    private mutating func readLine(_ buffer: UnsafeBufferPointer<UInt8>) {
        let start = offset
        let lineNumber = newlinesRead + 1
        var first = start
        while first < buffer.count && ExpositionBytes.isBlank(buffer[first]) { first += 1 }
        let (end, innerNewlines) = first < buffer.count && buffer[first] == ExpositionBytes.hash
            ? (InfluxLineParser.firstNewline(buffer, from: first), 0)
            : InfluxLineParser.endOfLine(buffer, from: first)
        offset = end < buffer.count ? end + 1 : end
        newlinesRead += innerNewlines + (end < buffer.count ? 1 : 0)

        var contentEnd = end
        if contentEnd > first && buffer[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
        if first == contentEnd || buffer[first] == ExpositionBytes.hash { return }
        if options.maxLineLength > 0 && end - start > options.maxLineLength {
            record(InfluxLineError(
                line: lineNumber, column: options.maxLineLength + 1,
                reason: "line is \(end - start) bytes, longer than the limit of \(options.maxLineLength)"))
            return
        }
        do throws(LineFailure) {
            try parseLine(buffer, from: first, to: contentEnd)
            acceptedLines += 1
            skippedStringFields += scratch.stringFields
        } catch {
            pending.removeAll(keepingCapacity: true)
            record(InfluxLineError(line: lineNumber, column: error.position - start + 1, reason: error.reason))
        }
    }

    private mutating func record(_ error: InfluxLineError) {
        rejectedLines += 1
        if errors.count < Self.reportedErrorLimit { errors.append(error) }
    }

    /// Where the line starting at `start` ends (its `\n` or the end of the data), and how
    /// many newlines inside string fields it spans. Outside strings a backslash escapes
    /// the next byte unless that is the newline; a `"` right after an unescaped `=` in
    /// the field section opens a string, where `\"` and `\\` are escapes.
    static func endOfLine(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> (end: Int, innerNewlines: Int) {
        // Most lines hold no quote: then the first newline ends them, since a backslash
        // never escapes one. Only a quote needs the careful scan below.
        var i = start
        let count = buffer.count
        while i < count {
            let byte = buffer[i]
            if byte == ExpositionBytes.newline { return (i, 0) }
            if byte == ExpositionBytes.quote { break }
            i += 1
        }
        if i == count { return (count, 0) }
        i = start
        var inFields = false
        var afterEquals = false
        var innerNewlines = 0
        while i < count {
            let byte = buffer[i]
            if byte == ExpositionBytes.newline { return (i, innerNewlines) }
            if byte == ExpositionBytes.backslash {
                i += i + 1 < count && buffer[i + 1] != ExpositionBytes.newline ? 2 : 1
                afterEquals = false
                continue
            }
            if !inFields {
                inFields = byte == ExpositionBytes.space
            } else if byte == ExpositionBytes.quote && afterEquals {
                // A string field value: skip to its closing quote.
                i += 1
                while i < count && buffer[i] != ExpositionBytes.quote {
                    let escaped = buffer[i] == ExpositionBytes.backslash && i + 1 < count
                    if escaped { i += 1 }
                    if buffer[i] == ExpositionBytes.newline { innerNewlines += 1 }
                    i += 1
                }
                // Unterminated: the line parser reports it.
                if i >= count { return (count, innerNewlines) }
                afterEquals = false
                i += 1
                continue
            }
            afterEquals = inFields && byte == ExpositionBytes.equals
            i += 1
        }
        return (count, innerNewlines)
    }

    static func firstNewline(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        while i < buffer.count && buffer[i] != ExpositionBytes.newline { i += 1 }
        return i
    }
}

/// Everything ``InfluxLineParser/parse(_:precision:defaultTimestamp:extraLabels:options:)``
/// read from one body.
public struct InfluxParseResult: Sendable, Equatable {
    public var samples: [InfluxSample]
    /// The first ``InfluxLineParser/reportedErrorLimit`` refused lines.
    public var errors: [InfluxLineError]
    public var acceptedLines: Int
    public var rejectedLines: Int
    public var skippedStringFields: Int

    public init(samples: [InfluxSample], errors: [InfluxLineError], acceptedLines: Int, rejectedLines: Int, skippedStringFields: Int) {
        self.samples = samples
        self.errors = errors
        self.acceptedLines = acceptedLines
        self.rejectedLines = rejectedLines
        self.skippedStringFields = skippedStringFields
    }
}
