import TSDB

/// The grammar of one line: measurement, tags, fields, timestamp; then its samples.
extension InfluxLineParser {
    /// Why a line was refused, at a byte offset of the body.
    struct LineFailure: Error {
        var position: Int
        var reason: String
    }

    /// Per-line state, reset for each line and kept to reuse its storage.
    struct LineScratch: Sendable {
        var tags: [Tag] = []
        var fields: [Field] = []
        /// Unescaped field keys, end to end; `fields[i].key` indexes into it.
        var fieldKeys: [UInt8] = []
        /// Sanitized measurement: the start of every metric name of the line.
        var measurement: [UInt8] = []
        var unescaped: [UInt8] = []
        var name: [UInt8] = []
        var stringFields = 0
        var fieldCount = 0
    }

    /// A tag as a label (sanitized name), with where it starts for errors.
    struct Tag: Sendable {
        var label: Label
        var position: Int
    }

    /// A numeric or boolean field: its unescaped key (a range of `LineScratch.fieldKeys`),
    /// its value, where it starts.
    struct Field: Sendable {
        var key: Range<Int>
        var value: Double
        var position: Int
    }

    /// What a token is, which decides its escapes and where it ends.
    enum Token {
        case measurement, tagKey, tagValue, fieldKey

        /// Bytes that end the token unless escaped.
        @inline(__always) func stops(_ byte: UInt8) -> Bool {
            byte == ExpositionBytes.comma || byte == ExpositionBytes.space
                || (self != .measurement && byte == ExpositionBytes.equals)
        }

        /// Bytes a backslash escapes in this token.
        @inline(__always) func escapes(_ byte: UInt8) -> Bool {
            stops(byte) || byte == ExpositionBytes.backslash
        }

        var name: String {
            switch self {
            case .measurement: "measurement"
            case .tagKey: "tag key"
            case .tagValue: "tag value"
            case .fieldKey: "field key"
            }
        }
    }

    mutating func parseLine(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) throws(LineFailure) {
        scratch.tags.removeAll(keepingCapacity: true)
        scratch.fields.removeAll(keepingCapacity: true)
        scratch.fieldKeys.removeAll(keepingCapacity: true)
        scratch.measurement.removeAll(keepingCapacity: true)
        scratch.stringFields = 0
        scratch.fieldCount = 0

        // Measurement.
        var i = start
        let measurementEnd = Self.tokenEnd(buffer, from: i, to: end, .measurement)
        if measurementEnd == i { throw LineFailure(position: i, reason: "missing measurement") }
        try unescape(buffer, i..<measurementEnd, .measurement)
        scratch.unescaped.withUnsafeBufferPointer {
            PrometheusNameSanitizer.append($0, metricName: true, to: &scratch.measurement)
        }
        i = measurementEnd

        // Tags.
        while i < end && buffer[i] == ExpositionBytes.comma {
            i += 1
            i = try tag(buffer, from: i, to: end)
        }

        // Fields.
        guard i < end else { throw LineFailure(position: i, reason: "missing fields: expected ' ' and field=value after the measurement and tags") }
        while i < end && buffer[i] == ExpositionBytes.space { i += 1 }
        guard i < end else { throw LineFailure(position: i, reason: "missing fields") }
        while true {
            i = try field(buffer, from: i, to: end)
            guard i < end && buffer[i] == ExpositionBytes.comma else { break }
            i += 1
        }

        // Timestamp.
        var timestamp = defaultTimestamp
        if i < end {
            guard buffer[i] == ExpositionBytes.space else {
                throw LineFailure(position: i, reason: "unexpected \(ExpositionBytes.describe(buffer[i])) after field value")
            }
            while i < end && buffer[i] == ExpositionBytes.space { i += 1 }
            if i < end {
                let timestampStart = i
                while i < end && buffer[i] != ExpositionBytes.space { i += 1 }
                timestamp = try self.timestamp(buffer, timestampStart, i)
                while i < end && buffer[i] == ExpositionBytes.space { i += 1 }
                if i < end {
                    throw LineFailure(position: i, reason: "unexpected data after the timestamp")
                }
            }
        }
        try emitSamples(buffer, lineStart: start, timestamp: timestamp)
    }

    // MARK: Tokens

    /// The end of the token starting at `start`: the first unescaped byte that stops it,
    /// or `end`.
    @inline(__always)
    static func tokenEnd(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, _ token: Token) -> Int {
        var i = start
        while i < end {
            let byte = buffer[i]
            if byte == ExpositionBytes.backslash && i + 1 < end && token.escapes(buffer[i + 1]) {
                i += 2
                continue
            }
            if token.stops(byte) { return i }
            i += 1
        }
        return end
    }

    /// Puts the token's bytes, escapes resolved, in `scratch.unescaped`, after checking
    /// they are UTF-8.
    mutating func unescape(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ token: Token) throws(LineFailure) {
        if let bad = UTF8Validation.firstInvalidOffset(buffer, range.lowerBound, range.upperBound) {
            throw LineFailure(position: bad, reason: "\(token.name) is not valid UTF-8")
        }
        scratch.unescaped.removeAll(keepingCapacity: true)
        guard let firstBackslash = range.firstIndex(where: { buffer[$0] == ExpositionBytes.backslash }) else {
            scratch.unescaped.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[range]))
            return
        }
        scratch.unescaped.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[range.lowerBound..<firstBackslash]))
        var i = firstBackslash
        while i < range.upperBound {
            let byte = buffer[i]
            if byte == ExpositionBytes.backslash && i + 1 < range.upperBound && token.escapes(buffer[i + 1]) {
                scratch.unescaped.append(buffer[i + 1])
                i += 2
            } else {
                scratch.unescaped.append(byte)
                i += 1
            }
        }
    }

    /// `key=value` after a comma of the tag section; returns where it ends.
    private mutating func tag(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) throws(LineFailure) -> Int {
        let keyEnd = Self.tokenEnd(buffer, from: start, to: end, .tagKey)
        if keyEnd == start { throw LineFailure(position: start, reason: "missing tag key") }
        guard keyEnd < end && buffer[keyEnd] == ExpositionBytes.equals else {
            throw LineFailure(position: keyEnd, reason: "missing '=' after tag key \(ExpositionBytes.quoted(buffer, start, keyEnd))")
        }
        try unescape(buffer, start..<keyEnd, .tagKey)
        scratch.name.removeAll(keepingCapacity: true)
        scratch.unescaped.withUnsafeBufferPointer {
            PrometheusNameSanitizer.append($0, metricName: false, to: &scratch.name)
        }
        let name = PrometheusNameSanitizer.string(scratch.name)
        if name == Labels.metricName {
            throw LineFailure(position: start, reason: "tag key \"__name__\" is reserved for the metric name")
        }
        if scratch.name.count > options.labels.maxNameLength {
            throw LineFailure(position: start, reason: "tag key is \(scratch.name.count) bytes, longer than the limit of \(options.labels.maxNameLength)")
        }

        let valueStart = keyEnd + 1
        let valueEnd = Self.tokenEnd(buffer, from: valueStart, to: end, .tagValue)
        if valueEnd == valueStart {
            throw LineFailure(position: valueStart, reason: "missing value of tag \(ExpositionBytes.quoted(buffer, start, keyEnd))")
        }
        if valueEnd < end && buffer[valueEnd] == ExpositionBytes.equals {
            throw LineFailure(position: valueEnd, reason: "unescaped '=' in the value of tag \(ExpositionBytes.quoted(buffer, start, keyEnd))")
        }
        try unescape(buffer, valueStart..<valueEnd, .tagValue)
        if scratch.unescaped.count > options.labels.maxValueLength {
            throw LineFailure(
                position: valueStart,
                reason: "value of tag \"\(name)\" is \(scratch.unescaped.count) bytes, longer than the limit of \(options.labels.maxValueLength)")
        }
        // Checked as UTF-8 by `unescape`; escapes are ASCII.
        let value = String(decoding: scratch.unescaped, as: UTF8.self)
        scratch.tags.append(Tag(label: Label(name, value), position: start))
        return valueEnd
    }

    /// `key=value` of the field section; returns where it ends.
    private mutating func field(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) throws(LineFailure) -> Int {
        let keyEnd = Self.tokenEnd(buffer, from: start, to: end, .fieldKey)
        if keyEnd == start { throw LineFailure(position: start, reason: "missing field key") }
        guard keyEnd < end && buffer[keyEnd] == ExpositionBytes.equals else {
            throw LineFailure(position: keyEnd, reason: "missing '=' after field key \(ExpositionBytes.quoted(buffer, start, keyEnd))")
        }
        scratch.fieldCount += 1
        if options.maxFieldsPerLine > 0 && scratch.fieldCount > options.maxFieldsPerLine {
            throw LineFailure(position: start, reason: "line has more than \(options.maxFieldsPerLine) fields")
        }
        let valueStart = keyEnd + 1
        guard valueStart < end, buffer[valueStart] != ExpositionBytes.space, buffer[valueStart] != ExpositionBytes.comma else {
            throw LineFailure(position: valueStart, reason: "missing value of field \(ExpositionBytes.quoted(buffer, start, keyEnd))")
        }
        if buffer[valueStart] == ExpositionBytes.quote {
            // A string field: find its end, keep nothing.
            var i = valueStart + 1
            while i < end && buffer[i] != ExpositionBytes.quote {
                i += buffer[i] == ExpositionBytes.backslash && i + 1 < end ? 2 : 1
            }
            guard i < end else { throw LineFailure(position: valueStart, reason: "unterminated string field value") }
            try unescape(buffer, start..<keyEnd, .fieldKey)
            scratch.stringFields += 1
            return i + 1
        }
        var valueEnd = valueStart
        while valueEnd < end && buffer[valueEnd] != ExpositionBytes.comma && buffer[valueEnd] != ExpositionBytes.space {
            valueEnd += 1
        }
        let value = try fieldValue(buffer, valueStart, valueEnd)
        try unescape(buffer, start..<keyEnd, .fieldKey)
        let keyStart = scratch.fieldKeys.count
        scratch.fieldKeys.append(contentsOf: scratch.unescaped)
        scratch.fields.append(Field(key: keyStart..<scratch.fieldKeys.count, value: value, position: start))
        return valueEnd
    }

    // MARK: Samples

    /// One sample per numeric field of the line just parsed, appended to `pending`.
    private mutating func emitSamples(_ buffer: UnsafeBufferPointer<UInt8>, lineStart: Int, timestamp: Int64) throws(LineFailure) {
        guard !scratch.fields.isEmpty else { return }
        let labels = try lineLabels(lineStart: lineStart)
        // `__name__` sorts before every name greater than it: find its place once.
        let nameIndex = labels.firstIndex { $0.name > Labels.metricName } ?? labels.endIndex
        var seen = Set<String>()
        let fieldCount = scratch.fields.count
        let firstSample = pending.count
        for field in scratch.fields {
            scratch.name.removeAll(keepingCapacity: true)
            scratch.name.append(contentsOf: scratch.measurement)
            let key = scratch.fieldKeys[field.key]
            let measurementOnly = switch options.naming {
            case .measurementAndField: false
            case .measurementForSingleField: fieldCount == 1
            case .measurementForValueField: key.elementsEqual("value".utf8)
            }
            if !measurementOnly {
                separator.withUnsafeBufferPointer { PrometheusNameSanitizer.append($0, metricName: true, to: &scratch.name) }
                key.withUnsafeBufferPointer { PrometheusNameSanitizer.append($0, metricName: true, to: &scratch.name) }
            }
            if scratch.name.count > options.labels.maxValueLength {
                throw LineFailure(
                    position: field.position,
                    reason: "metric name is \(scratch.name.count) bytes, longer than the limit of \(options.labels.maxValueLength)")
            }
            let name = PrometheusNameSanitizer.string(scratch.name)
            // Lines have a handful of fields: compare with the names so far, hash past 16.
            let repeated = fieldCount <= 16
                ? pending[firstSample...].contains { $0.labels.pairs[nameIndex].value == name }
                : !seen.insert(name).inserted
            if repeated {
                throw LineFailure(position: field.position, reason: "a second field gives metric name \"\(name)\"")
            }
            var pairs = labels
            pairs.insert(Label(Labels.metricName, name), at: nameIndex)
            pending.append(InfluxSample(labels: Labels(sorted: pairs), timestamp: timestamp, value: field.value))
        }
    }

    /// The line's tags merged with ``extraLabels``, sorted, without the metric name.
    private mutating func lineLabels(lineStart: Int) throws(LineFailure) -> [Label] {
        if scratch.tags.count > 1 {
            scratch.tags.sort { $0.label.name < $1.label.name }
            for i in 1..<scratch.tags.count where scratch.tags[i].label.name == scratch.tags[i - 1].label.name {
                let later = max(scratch.tags[i].position, scratch.tags[i - 1].position)
                throw LineFailure(position: later, reason: "tag \"\(scratch.tags[i].label.name)\" is given twice")
            }
        }
        var labels: [Label] = []
        labels.reserveCapacity(scratch.tags.count + extraLabels.count + 1)
        // Merge two sorted lists; a tag overrides an extra label of the same name.
        var t = 0
        var e = 0
        while t < scratch.tags.count || e < extraLabels.count {
            if e == extraLabels.count || (t < scratch.tags.count && scratch.tags[t].label.name <= extraLabels[e].name) {
                if e < extraLabels.count && scratch.tags[t].label.name == extraLabels[e].name { e += 1 }
                labels.append(scratch.tags[t].label)
                t += 1
            } else {
                labels.append(extraLabels[e])
                e += 1
            }
        }
        if labels.count + 1 > options.labels.maxLabels {
            throw LineFailure(
                position: lineStart, reason: "series would have \(labels.count + 1) labels, the limit is \(options.labels.maxLabels)")
        }
        return labels
    }
}
