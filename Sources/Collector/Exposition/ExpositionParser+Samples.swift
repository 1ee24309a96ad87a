import TSDB

/// Where one label of the sample being parsed sits in the input.
struct LabelSpan: Sendable {
    var nameStart: Int
    var nameEnd: Int
    var valueStart: Int
    var valueEnd: Int
    /// The value holds escape sequences, so its bytes are not the value itself.
    var escaped: Bool
}

extension ExpositionParser {
    /// `name{labels} value [timestamp]`, plus ` # {labels} value [timestamp]` in OpenMetrics.
    mutating func sample(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, end: Int) throws(ExpositionError) -> ExpositionEntry {
        let openMetrics = format == .openMetrics
        if ExpositionLimits.exceeds(sampleCount + 1, limits.maxSamples) {
            throw error(at: start, "more than \(limits.maxSamples) samples, the limit")
        }
        var i = start
        guard ExpositionBytes.isMetricNameStart(bytes[i]) else {
            let reason = switch bytes[i] {
            case ExpositionBytes.openBrace: "missing metric name before '{'"
            case ExpositionBytes.quote: "quoted metric names are not supported"
            default: "expected a metric name, got \(ExpositionBytes.describe(bytes[i]))"
            }
            throw error(at: i, reason)
        }
        i += 1
        while i < end && ExpositionBytes.isMetricNameByte(bytes[i]) { i += 1 }
        let nameEnd = i
        if ExpositionLimits.exceeds(nameEnd - start, limits.maxLabelValueLength) {
            throw error(at: start, "metric name is \(nameEnd - start) bytes, more than the limit of \(limits.maxLabelValueLength)")
        }

        labelSpans.removeAll(keepingCapacity: true)
        if !openMetrics { skipBlanks(bytes, &i, end) }
        if i < end && bytes[i] == ExpositionBytes.openBrace {
            i = try labelSet(bytes, from: i + 1, end: end, recording: true)
        } else if i == nameEnd && i < end && bytes[i] != ExpositionBytes.space {
            throw error(at: i, "unexpected \(ExpositionBytes.describe(bytes[i])) after metric name \(ExpositionBytes.quoted(bytes, start, nameEnd))")
        }

        // The value.
        if openMetrics {
            guard i < end else { throw error(at: i, "missing value after \(ExpositionBytes.quoted(bytes, start, i))") }
            guard bytes[i] == ExpositionBytes.space else {
                throw error(at: i, "expected ' ' before the value, got \(ExpositionBytes.describe(bytes[i]))")
            }
            i += 1
        } else {
            skipBlanks(bytes, &i, end)
        }
        let valueStart = i
        while i < end && bytes[i] != ExpositionBytes.space && (openMetrics || bytes[i] != ExpositionBytes.tab) { i += 1 }
        guard valueStart < i else {
            if valueStart < end { throw error(at: valueStart, "expected a value, got \(ExpositionBytes.describe(bytes[valueStart]))") }
            throw error(at: valueStart, "missing value after \(ExpositionBytes.quoted(bytes, start, valueStart))")
        }
        let value = try float(bytes, valueStart, i, what: "value")

        let timestamp = openMetrics
            ? try openMetricsSuffix(bytes, from: i, end: end)
            : try textTimestamp(bytes, from: i, end: end)
        let labels = try sortedLabels(bytes, nameStart: start, nameEnd: nameEnd)
        sampleCount += 1
        return .sample(labels: labels, timestamp: timestamp, value: value)
    }

    /// `[blanks timestamp] blanks` after a text-format value: integer milliseconds.
    private func textTimestamp(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, end: Int) throws(ExpositionError) -> Int64? {
        var i = start
        skipBlanks(bytes, &i, end)
        guard i < end else { return nil }
        let timestampStart = i
        while i < end && !ExpositionBytes.isBlank(bytes[i]) { i += 1 }
        if bytes[timestampStart] == ExpositionBytes.hash {
            throw error(at: timestampStart, "exemplars are only allowed in OpenMetrics")
        }
        let timestamp: Int64
        switch ExpositionNumber.parseMilliseconds(bytes, timestampStart, i) {
        case .value(let milliseconds): timestamp = milliseconds
        case .invalid:
            throw error(at: timestampStart, "invalid timestamp \(ExpositionBytes.quoted(bytes, timestampStart, i)); expected integer milliseconds")
        case .outOfRange:
            throw error(at: timestampStart, "timestamp \(ExpositionBytes.quoted(bytes, timestampStart, i)) is out of range for 64-bit milliseconds")
        }
        skipBlanks(bytes, &i, end)
        if i < end { throw error(at: i, "unexpected \(ExpositionBytes.quoted(bytes, i, end)) after the timestamp") }
        return timestamp
    }

    /// `[ timestamp][ # {labels} value [timestamp]]` after an OpenMetrics value, single spaces
    /// only: the timestamp in float seconds, the exemplar checked and dropped.
    private mutating func openMetricsSuffix(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, end: Int
    ) throws(ExpositionError) -> Int64? {
        var i = start
        guard i < end else { return nil }
        i += 1  // the space that ended the value
        guard i < end else { throw error(at: i - 1, "unexpected ' ' at the end of the line") }
        var timestamp: Int64?
        if bytes[i] != ExpositionBytes.hash {
            let timestampStart = i
            while i < end && bytes[i] != ExpositionBytes.space { i += 1 }
            guard timestampStart < i else { throw error(at: i, "expected a timestamp or an exemplar, got ' '") }
            timestamp = try seconds(bytes, timestampStart, i, what: "timestamp")
            guard i < end else { return timestamp }
            i += 1
            guard i < end else { throw error(at: i - 1, "unexpected ' ' at the end of the line") }
            guard bytes[i] == ExpositionBytes.hash else {
                throw error(at: i, "unexpected \(ExpositionBytes.describe(bytes[i])) after the timestamp; expected \"# {\" starting an exemplar")
            }
        }
        try exemplar(bytes, from: i, end: end)
        return timestamp
    }

    @inline(__always)
    private func skipBlanks(_ bytes: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ end: Int) {
        while i < end && ExpositionBytes.isBlank(bytes[i]) { i += 1 }
    }

    // MARK: Label sets

    /// Parses `name="value",…}` from just after the `{`; returns the offset after the `}`.
    /// With `recording`, the labels are kept in `labelSpans`; exemplar labels are only checked.
    private mutating func labelSet(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, end: Int, recording: Bool
    ) throws(ExpositionError) -> Int {
        let openMetrics = format == .openMetrics
        var i = start
        while true {
            if !openMetrics { skipBlanks(bytes, &i, end) }
            guard i < end else { throw error(at: i, "unterminated label set; expected a label name or '}'") }
            if bytes[i] == ExpositionBytes.closeBrace { return i + 1 }

            let nameStart = i
            guard ExpositionBytes.isLabelNameStart(bytes[i]) else {
                let reason = switch bytes[i] {
                case ExpositionBytes.quote: "quoted label names are not supported"
                default: "expected a label name or '}', got \(ExpositionBytes.describe(bytes[i]))"
                }
                throw error(at: i, reason)
            }
            i += 1
            while i < end && ExpositionBytes.isLabelNameByte(bytes[i]) { i += 1 }
            let nameEnd = i
            // Only for error messages: built when one is thrown, never on the happy path.
            var name: String { ExpositionBytes.quoted(bytes, nameStart, nameEnd) }
            if ExpositionLimits.exceeds(nameEnd - nameStart, limits.maxLabelNameLength) {
                throw error(
                    at: nameStart,
                    "label name \(name) is \(nameEnd - nameStart) bytes, more than the limit of \(limits.maxLabelNameLength)")
            }
            if recording && nameEnd - nameStart == 8 && ExpositionBytes.hasPrefix(bytes, nameStart, nameEnd, "__name__") {
                throw error(at: nameStart, "label name \"__name__\" is reserved; write the metric name before '{'")
            }

            if !openMetrics { skipBlanks(bytes, &i, end) }
            guard i < end, bytes[i] == ExpositionBytes.equals else {
                let got = i < end ? ", got \(ExpositionBytes.describe(bytes[i]))" : ""
                throw error(at: i, "expected '=' after label name \(name)\(got)")
            }
            i += 1
            if !openMetrics { skipBlanks(bytes, &i, end) }
            guard i < end, bytes[i] == ExpositionBytes.quote else {
                let got = i < end ? ", got \(ExpositionBytes.describe(bytes[i]))" : ""
                throw error(at: i, "expected '\"' opening the value of label \(name)\(got)")
            }
            let openingQuote = i
            var unterminated: String {
                "unterminated value of label \(name) (the quote at column \(openingQuote - lineStart + 1) is never closed)"
            }
            i += 1
            let valueStart = i
            var escapes = 0
            var ored: UInt8 = 0
            while true {
                guard i < end else {
                    throw error(at: i, unterminated)
                }
                let byte = bytes[i]
                if byte == ExpositionBytes.quote { break }
                if byte == ExpositionBytes.backslash {
                    guard i + 1 < end else {
                        throw error(at: i + 1, unterminated)
                    }
                    let escaped = bytes[i + 1]
                    guard escaped == ExpositionBytes.backslash || escaped == ExpositionBytes.quote || escaped == UInt8(ascii: "n") else {
                        let sequence = escaped >= 0x20 && escaped < 0x7F
                            ? "'\\\(Character(Unicode.Scalar(escaped)))'" : "'\\' followed by \(ExpositionBytes.describe(escaped))"
                        throw error(
                            at: i,
                            "invalid escape sequence \(sequence) in the value of label \(name); only \\\\, \\\" and \\n are allowed")
                    }
                    escapes += 1
                    i += 2
                    continue
                }
                ored |= byte
                i += 1
            }
            let valueEnd = i
            i += 1
            if ored >= 0x80, let invalid = UTF8Validation.firstInvalidOffset(bytes, valueStart, valueEnd) {
                throw error(at: invalid, "the value of label \(name) is not valid UTF-8")
            }
            let length = valueEnd - valueStart - escapes
            if ExpositionLimits.exceeds(length, limits.maxLabelValueLength) {
                throw error(
                    at: valueStart,
                    "the value of label \(name) is \(length) bytes, more than the limit of \(limits.maxLabelValueLength)")
            }
            if recording {
                // +1 for __name__, +1 for this label.
                if ExpositionLimits.exceeds(labelSpans.count + 2, limits.maxLabelsPerSeries) {
                    throw error(at: nameStart, "series has more than \(limits.maxLabelsPerSeries) labels, the limit (counting __name__)")
                }
                labelSpans.append(LabelSpan(
                    nameStart: nameStart, nameEnd: nameEnd, valueStart: valueStart, valueEnd: valueEnd, escaped: escapes > 0))
            }

            if !openMetrics { skipBlanks(bytes, &i, end) }
            guard i < end else { throw error(at: i, "unterminated label set; expected ',' or '}'") }
            switch bytes[i] {
            case ExpositionBytes.comma: i += 1
            case ExpositionBytes.closeBrace: return i + 1
            default: throw error(at: i, "expected ',' or '}' after the value of label \(name), got \(ExpositionBytes.describe(bytes[i]))")
            }
        }
    }

    /// ` # {labels} value [timestamp]` from the `#`: checked, then dropped.
    private mutating func exemplar(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, end: Int) throws(ExpositionError) {
        guard ExpositionBytes.hasPrefix(bytes, start, end, "# {") else {
            throw error(at: start, "expected an exemplar \"# {labels} value [timestamp]\"")
        }
        var i = try labelSet(bytes, from: start + 3, end: end, recording: false)
        guard i < end, bytes[i] == ExpositionBytes.space else {
            if i < end { throw error(at: i, "expected ' ' after the exemplar labels, got \(ExpositionBytes.describe(bytes[i]))") }
            throw error(at: i, "missing exemplar value")
        }
        i += 1
        let valueStart = i
        while i < end && bytes[i] != ExpositionBytes.space { i += 1 }
        guard valueStart < i else { throw error(at: i, "expected the exemplar value, got ' '") }
        _ = try float(bytes, valueStart, i, what: "exemplar value")
        if i < end {
            i += 1
            let timestampStart = i
            while i < end && bytes[i] != ExpositionBytes.space { i += 1 }
            guard timestampStart < i else {
                let reason = timestampStart < end
                    ? "expected the exemplar timestamp, got ' '" : "unexpected ' ' at the end of the line"
                throw error(at: i, reason)
            }
            _ = try seconds(bytes, timestampStart, i, what: "exemplar timestamp")
            if i < end { throw error(at: i, "unexpected \(ExpositionBytes.quoted(bytes, i, end)) after the exemplar timestamp") }
        }
    }

    // MARK: Numbers

    private func float(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, what: String) throws(ExpositionError) -> Double {
        switch ExpositionNumber.parseFloat(bytes, start, end) {
        case .value(let value): return value
        case .invalid: throw error(at: start, "invalid \(what) \(ExpositionBytes.quoted(bytes, start, end))")
        case .outOfRange: throw error(at: start, "\(what) \(ExpositionBytes.quoted(bytes, start, end)) is out of range for a 64-bit float")
        }
    }

    private func seconds(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, what: String) throws(ExpositionError) -> Int64 {
        switch ExpositionNumber.parseSeconds(bytes, start, end) {
        case .value(let milliseconds): return milliseconds
        case .invalid: throw error(at: start, "invalid \(what) \(ExpositionBytes.quoted(bytes, start, end)); expected finite seconds")
        case .outOfRange: throw error(at: start, "\(what) \(ExpositionBytes.quoted(bytes, start, end)) is out of range for 64-bit milliseconds")
        }
    }

    // MARK: Building the series

    /// The recorded labels plus `__name__`, sorted by name, empty values dropped.
    private mutating func sortedLabels(
        _ bytes: UnsafeBufferPointer<UInt8>, nameStart: Int, nameEnd: Int
    ) throws(ExpositionError) -> Labels {
        let count = labelSpans.count
        if count > 1 {
            // Insertion sort: label sets are small and often already sorted. Stable, so a
            // repeated name ends up next to its first use.
            for k in 1..<count {
                let span = labelSpans[k]
                var j = k
                while j > 0 && Self.compareNames(bytes, labelSpans[j - 1], span) > 0 {
                    labelSpans[j] = labelSpans[j - 1]
                    j -= 1
                }
                labelSpans[j] = span
            }
            for k in 1..<count where Self.compareNames(bytes, labelSpans[k - 1], labelSpans[k]) == 0 {
                let later = max(labelSpans[k - 1].nameStart, labelSpans[k].nameStart)
                let span = labelSpans[k]
                throw error(at: later, "label name \(ExpositionBytes.quoted(bytes, span.nameStart, span.nameEnd)) appears more than once")
            }
        }
        let metricName = metricNameString(bytes, nameStart, nameEnd)
        var pairs: [Label] = []
        pairs.reserveCapacity(count + 1)
        var metricNameAdded = false
        for span in labelSpans {
            if !metricNameAdded && Self.sortsAfterMetricNameLabel(bytes, span) {
                pairs.append(Label(Labels.metricName, metricName))
                metricNameAdded = true
            }
            if span.valueStart == span.valueEnd { continue }
            let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[span.nameStart..<span.nameEnd]), as: UTF8.self)
            pairs.append(Label(name, labelValue(bytes, span)))
        }
        if !metricNameAdded { pairs.append(Label(Labels.metricName, metricName)) }
        return Labels(sorted: pairs)
    }

    private mutating func metricNameString(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        let cached = cachedMetricName
        let length = end - start
        if length == cached.end - cached.start
            && (start == cached.start || (0..<length).allSatisfy { bytes[start + $0] == bytes[cached.start + $0] })
        {
            return cached.string
        }
        let string = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        cachedMetricName = CachedName(start: start, end: end, string: string)
        return string
    }

    private mutating func labelValue(_ bytes: UnsafeBufferPointer<UInt8>, _ span: LabelSpan) -> String {
        guard span.escaped else {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[span.valueStart..<span.valueEnd]), as: UTF8.self)
        }
        scratch.removeAll(keepingCapacity: true)
        var i = span.valueStart
        while i < span.valueEnd {
            let byte = bytes[i]
            if byte == ExpositionBytes.backslash {
                // The label-set parser allowed only \\, \" and \n, each inside the quotes.
                let escaped = bytes[i + 1]
                scratch.append(escaped == UInt8(ascii: "n") ? ExpositionBytes.newline : escaped)
                i += 2
            } else {
                scratch.append(byte)
                i += 1
            }
        }
        return String(decoding: scratch, as: UTF8.self)
    }

    /// Byte order of two label names, which is String order for these ASCII names.
    private static func compareNames(_ bytes: UnsafeBufferPointer<UInt8>, _ a: LabelSpan, _ b: LabelSpan) -> Int {
        let lengthA = a.nameEnd - a.nameStart
        let lengthB = b.nameEnd - b.nameStart
        for k in 0..<min(lengthA, lengthB) {
            let x = bytes[a.nameStart + k]
            let y = bytes[b.nameStart + k]
            if x != y { return x < y ? -1 : 1 }
        }
        return lengthA - lengthB
    }

    private static func sortsAfterMetricNameLabel(_ bytes: UnsafeBufferPointer<UInt8>, _ span: LabelSpan) -> Bool {
        let metricName: StaticString = "__name__"
        return metricName.withUTF8Buffer { reserved in
            let length = span.nameEnd - span.nameStart
            for k in 0..<min(length, reserved.count) {
                let x = bytes[span.nameStart + k]
                if x != reserved[k] { return x > reserved[k] }
            }
            return length > reserved.count
        }
    }
}
