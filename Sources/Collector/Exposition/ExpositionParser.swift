/// A pull parser for the Prometheus text format 0.0.4 and the OpenMetrics 1.0 text format.
///
/// It reads the bytes the caller owns line by line, allocating only the strings it returns.
/// The first error ends the parse: later calls throw it again.
///
/// ```swift
/// var parser = ExpositionParser(body, format: ExpositionFormat(contentType: contentType))
/// while let entry = try parser.next() {
///     if case .sample(let labels, let timestamp, let value) = entry {
///         try app.append(.unknown, labels, timestamp ?? scrapeTime, value)
///     }
/// }
/// ```
///
/// Where the formats leave room, it follows Prometheus's `textparse`, with these choices:
/// - Values are what Go's `ParseFloat` accepts minus hex floats and underscores, as in
///   Prometheus: `Inf`/`Infinity`/`NaN` in any case, `+`/`-` on infinities only. A finite
///   literal beyond a Double (`1e400`) is an error, as Go reports `ErrRange`; one too small
///   rounds to zero.
/// - Timestamps: the text format takes unsigned integer milliseconds (Prometheus lexes only
///   digits), beyond Int64 an error. OpenMetrics takes float seconds, converted exactly for
///   plain decimals and truncated toward zero; NaN, ±Inf and out-of-range are errors.
/// - Label values must be valid UTF-8 with only the escapes `\\`, `\"` and `\n`, and may not
///   contain a raw line break. (Prometheus keeps unknown escapes verbatim.)
/// - Labels must be separated by commas; a trailing comma is fine. Whitespace around label
///   tokens is allowed in the text format only, as in Prometheus.
/// - `__name__` given as a label, a label name given twice, quoted (UTF-8) metric or label
///   names are errors. Labels with an empty value are dropped from the series but still
///   count towards the duplicate check and ``ExpositionLimits/maxLabelsPerSeries``.
/// - Lines end with `\n`; a `\r` before it is an error, as it is in Prometheus (it ends up
///   in the value token, which then is not a number).
/// - NUL bytes are allowed inside label values, HELP text and comments, as in Prometheus,
///   and are errors elsewhere (Prometheus silently stops at a NUL that starts a line).
/// - HELP text keeps unknown escapes verbatim (only `\\`, `\n` and, in OpenMetrics, `\"` are
///   resolved) but must be valid UTF-8.
/// - OpenMetrics: `# EOF` must end the data (one optional `\n` after it); blank lines,
///   other comments, extra or trailing spaces and tabs are errors. Exemplars are checked
///   and skipped; `_created` lines are ordinary samples. Family grouping and name-suffix
///   rules of the specification are not enforced, as Prometheus does not enforce them.
public struct ExpositionParser: Sendable {
    public let format: ExpositionFormat
    public let limits: ExpositionLimits

    private let bytes: [UInt8]
    /// Where the next unread line starts.
    private var offset = 0
    private var state = State.reading
    /// OpenMetrics only: the `# EOF` line has been read.
    private var reachedEOF = false
    /// 1-based number of the line being parsed.
    var lineNumber = 0
    /// Byte offset of the line being parsed: error columns count from here.
    var lineStart = 0
    var sampleCount = 0
    /// Label positions of the sample being parsed; kept to reuse its storage.
    var labelSpans: [LabelSpan] = []
    /// Unescaping buffer, kept to reuse its storage.
    var scratch: [UInt8] = []
    /// Consecutive samples usually share a metric name: reuse its String.
    var cachedMetricName = CachedName()

    private enum State: Sendable {
        case reading
        case finished
        case failed(ExpositionError)
    }

    public init(_ bytes: [UInt8], format: ExpositionFormat, limits: ExpositionLimits = .init()) {
        self.bytes = bytes
        self.format = format
        self.limits = limits
    }

    /// The next entry, or `nil` at the end of the data.
    public mutating func next() throws(ExpositionError) -> ExpositionEntry? {
        switch state {
        case .reading: break
        case .finished: return nil
        case .failed(let error): throw error
        }
        // A local copy (a retain, not a copy of the bytes) so `self` can be mutated while
        // the buffer is borrowed.
        let bytes = self.bytes
        do {
            let entry = try bytes.withUnsafeBufferPointer { (buffer) throws(ExpositionError) -> ExpositionEntry? in
                try self.readEntry(buffer)
            }
            if entry == nil { state = .finished }
            return entry
        } catch {
            state = .failed(error)
            throw error
        }
    }

    private mutating func readEntry(_ bytes: UnsafeBufferPointer<UInt8>) throws(ExpositionError) -> ExpositionEntry? {
        if lineNumber == 0, ExpositionLimits.exceeds(bytes.count, limits.maxBodySize) {
            throw ExpositionError(
                line: 1, column: 1,
                reason: "body is \(bytes.count) bytes, more than the limit of \(limits.maxBodySize)")
        }
        while offset < bytes.count {
            lineNumber += 1
            lineStart = offset
            let end = try endOfLine(bytes)
            let terminated = end < bytes.count
            offset = terminated ? end + 1 : end
            let entry: ExpositionEntry?
            switch format {
            case .prometheusText: entry = try textLine(bytes, end: end)
            case .openMetrics: entry = try openMetricsLine(bytes, end: end, terminated: terminated)
            }
            if let entry { return entry }
            if reachedEOF { return nil }
        }
        if format == .openMetrics && !reachedEOF {
            throw ExpositionError(line: lineNumber + 1, column: 1, reason: "missing \"# EOF\" at the end of OpenMetrics data")
        }
        return nil
    }

    /// The offset of the `\n` ending the current line, or of the end of the data.
    private func endOfLine(_ bytes: UnsafeBufferPointer<UInt8>) throws(ExpositionError) -> Int {
        let limit = limits.maxLineLength
        let capped = limit > 0 && bytes.count - lineStart > limit
        let scanEnd = capped ? lineStart + limit + 1 : bytes.count
        let end = Self.firstNewline(bytes, from: lineStart, to: scanEnd)
        if capped && end == scanEnd {
            throw error(at: lineStart + limit, "line is longer than the limit of \(limit) bytes")
        }
        return end
    }

    /// The first `\n` in `bytes[start..<end]`, or `end`. Eight bytes at a time: lines are
    /// scanned once for their end before they are parsed.
    static func firstNewline(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var i = start
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            let newlines = ones &* UInt64(ExpositionBytes.newline)
            while end - i >= 8 {
                let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) ^ newlines
                let zeroBytes = (word &- ones) & ~word & highs
                if zeroBytes != 0 { return i + zeroBytes.trailingZeroBitCount / 8 }
                i += 8
            }
        }
        while i < end && bytes[i] != ExpositionBytes.newline { i += 1 }
        return i
    }

    func error(at position: Int, _ reason: String) -> ExpositionError {
        ExpositionError(line: lineNumber, column: position - lineStart + 1, reason: reason)
    }

    // MARK: Prometheus text format

    private mutating func textLine(_ bytes: UnsafeBufferPointer<UInt8>, end: Int) throws(ExpositionError) -> ExpositionEntry? {
        var i = lineStart
        while i < end && ExpositionBytes.isBlank(bytes[i]) { i += 1 }
        if i == end { return nil }
        if bytes[i] == ExpositionBytes.hash { return try textComment(bytes, from: i + 1, end: end) }
        return try sample(bytes, from: i, end: end)
    }

    /// `# HELP name text` and `# TYPE name type` (with any blanks); other comments are skipped.
    private mutating func textComment(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, end: Int
    ) throws(ExpositionError) -> ExpositionEntry? {
        var i = start
        guard i < end, ExpositionBytes.isBlank(bytes[i]) else { return nil }
        while i < end && ExpositionBytes.isBlank(bytes[i]) { i += 1 }
        let keyword: MetadataKeyword
        if ExpositionBytes.hasPrefix(bytes, i, end, "HELP") {
            keyword = .help
        } else if ExpositionBytes.hasPrefix(bytes, i, end, "TYPE") {
            keyword = .type
        } else {
            return nil
        }
        guard i + 4 < end, ExpositionBytes.isBlank(bytes[i + 4]) else { return nil }
        i += 4
        while i < end && ExpositionBytes.isBlank(bytes[i]) { i += 1 }
        let nameStart = i
        let nameEnd = try metadataName(bytes, from: nameStart, end: end, keyword: keyword)
        // As in Prometheus, exactly one blank separates the name from the text.
        let textStart = nameEnd < end ? nameEnd + 1 : end
        let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[nameStart..<nameEnd]), as: UTF8.self)
        if keyword == .help {
            return .help(metric: name, text: try helpText(bytes, textStart, end))
        }
        return .type(metric: name, try metricType(bytes, textStart, end))
    }

    // MARK: OpenMetrics

    private mutating func openMetricsLine(
        _ bytes: UnsafeBufferPointer<UInt8>, end: Int, terminated: Bool
    ) throws(ExpositionError) -> ExpositionEntry? {
        if lineStart == end { throw error(at: lineStart, "empty line; OpenMetrics does not allow blank lines") }
        if bytes[lineStart] == ExpositionBytes.hash {
            return try openMetricsComment(bytes, end: end, terminated: terminated)
        }
        guard terminated else { throw truncated(at: end) }
        return try sample(bytes, from: lineStart, end: end)
    }

    /// `# HELP`, `# TYPE`, `# UNIT` or `# EOF`; OpenMetrics has no other comments.
    private mutating func openMetricsComment(
        _ bytes: UnsafeBufferPointer<UInt8>, end: Int, terminated: Bool
    ) throws(ExpositionError) -> ExpositionEntry? {
        var i = lineStart + 1
        let allowed = "OpenMetrics allows only # HELP, # TYPE, # UNIT and # EOF comments"
        guard i < end, bytes[i] == ExpositionBytes.space else {
            throw error(at: i, "expected ' ' after '#'; \(allowed)")
        }
        i += 1
        if end - i == 3 && ExpositionBytes.hasPrefix(bytes, i, end, "EOF") {
            reachedEOF = true
            if offset < bytes.count {
                throw ExpositionError(line: lineNumber + 1, column: 1, reason: "unexpected data after \"# EOF\"")
            }
            return nil
        }
        let keyword: MetadataKeyword
        if ExpositionBytes.hasPrefix(bytes, i, end, "HELP ") {
            keyword = .help
        } else if ExpositionBytes.hasPrefix(bytes, i, end, "TYPE ") {
            keyword = .type
        } else if ExpositionBytes.hasPrefix(bytes, i, end, "UNIT ") {
            keyword = .unit
        } else {
            throw error(at: i, "unsupported comment; \(allowed)")
        }
        guard terminated else { throw truncated(at: end) }
        let nameStart = i + 5
        let nameEnd = try metadataName(bytes, from: nameStart, end: end, keyword: keyword)
        let textStart = nameEnd + 1
        let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[nameStart..<nameEnd]), as: UTF8.self)
        switch keyword {
        case .help:
            return .help(metric: name, text: try helpText(bytes, textStart, end))
        case .type:
            return .type(metric: name, try metricType(bytes, textStart, end))
        case .unit:
            let unitLength = end - textStart
            // A unit must be the name's suffix after an underscore: `foo_seconds` has `seconds`.
            if unitLength > 0
                && (nameEnd - nameStart < unitLength + 1 || bytes[nameEnd - unitLength - 1] != UInt8(ascii: "_")
                    || !(0..<unitLength).allSatisfy({ bytes[textStart + $0] == bytes[nameEnd - unitLength + $0] }))
            {
                throw error(
                    at: textStart,
                    "unit \(ExpositionBytes.quoted(bytes, textStart, end)) is not a suffix of metric name \(ExpositionBytes.quoted(bytes, nameStart, nameEnd))")
            }
            let unit = String(decoding: UnsafeBufferPointer(rebasing: bytes[textStart..<end]), as: UTF8.self)
            return .unit(metric: name, unit: unit)
        }
    }

    func truncated(at position: Int) -> ExpositionError {
        error(at: position, "unexpected end of data; OpenMetrics data must end with \"# EOF\"")
    }

    // MARK: Metadata

    /// Checks the metric name of a HELP/TYPE/UNIT line and what follows it; returns its end.
    private func metadataName(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, end: Int, keyword: MetadataKeyword
    ) throws(ExpositionError) -> Int {
        guard start < end else { throw error(at: start, "expected a metric name after \(keyword.rawValue)") }
        guard ExpositionBytes.isMetricNameStart(bytes[start]) else {
            if bytes[start] == ExpositionBytes.quote { throw error(at: start, "quoted metric names are not supported") }
            throw error(at: start, "expected a metric name after \(keyword.rawValue), got \(ExpositionBytes.describe(bytes[start]))")
        }
        var i = start + 1
        while i < end && ExpositionBytes.isMetricNameByte(bytes[i]) { i += 1 }
        var unexpected: String {
            "unexpected \(ExpositionBytes.describe(bytes[i])) after metric name \(ExpositionBytes.quoted(bytes, start, i)) in \(keyword.rawValue)"
        }
        switch format {
        case .openMetrics:
            guard i < end else {
                throw error(at: i, "expected ' ' after metric name \(ExpositionBytes.quoted(bytes, start, i)) in \(keyword.rawValue)")
            }
            guard bytes[i] == ExpositionBytes.space else {
                throw error(at: i, unexpected)
            }
        case .prometheusText:
            if i < end && !ExpositionBytes.isBlank(bytes[i]) {
                throw error(at: i, unexpected)
            }
        }
        return i
    }

    private func metricType(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) throws(ExpositionError) -> MetricType {
        if let type = MetricType.declared(by: UnsafeBufferPointer(rebasing: bytes[start..<end]), in: format) {
            return type
        }
        let allowed = MetricType.allCases.filter { $0.isDeclarable(in: format) }.map(\.rawValue).joined(separator: ", ")
        if start == end { throw error(at: start, "missing metric type; expected one of \(allowed)") }
        throw error(at: start, "unknown metric type \(ExpositionBytes.quoted(bytes, start, end)); expected one of \(allowed)")
    }

    /// HELP text with `\\` and `\n` resolved (and `\"` in OpenMetrics, which escapes HELP as
    /// label values). Other backslashes stay as written, as in Prometheus.
    private mutating func helpText(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) throws(ExpositionError) -> String {
        if let invalid = UTF8Validation.firstInvalidOffset(bytes, start, end) {
            throw error(at: invalid, "HELP text is not valid UTF-8")
        }
        var i = start
        while i < end && bytes[i] != ExpositionBytes.backslash { i += 1 }
        if i == end { return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) }
        let resolvesQuotes = format == .openMetrics
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
        while i < end {
            let byte = bytes[i]
            if byte == ExpositionBytes.backslash && i + 1 < end {
                let escaped = bytes[i + 1]
                if escaped == ExpositionBytes.backslash || (resolvesQuotes && escaped == ExpositionBytes.quote) {
                    scratch.append(escaped)
                    i += 2
                    continue
                }
                if escaped == UInt8(ascii: "n") {
                    scratch.append(ExpositionBytes.newline)
                    i += 2
                    continue
                }
            }
            scratch.append(byte)
            i += 1
        }
        return String(decoding: scratch, as: UTF8.self)
    }
}

/// The word after `# ` that makes a comment line metadata.
enum MetadataKeyword: String, Sendable {
    case help = "HELP"
    case type = "TYPE"
    case unit = "UNIT"
}

/// The String made for the last metric name, and where its bytes are.
struct CachedName: Sendable {
    var start = 0
    var end = 0
    var string = ""
}
