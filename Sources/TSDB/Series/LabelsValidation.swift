/// Limits applied to every series before it enters the store.
public struct LabelLimits: Sendable, Equatable {
    public var maxLabels: Int
    public var maxNameLength: Int
    public var maxValueLength: Int

    public init(maxLabels: Int = 64, maxNameLength: Int = 256, maxValueLength: Int = 4096) {
        self.maxLabels = maxLabels
        self.maxNameLength = maxNameLength
        self.maxValueLength = maxValueLength
    }

    public static let `default` = LabelLimits()
}

/// Why a label set was refused. Each case names the label at fault.
public enum LabelError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case missingMetricName
    case invalidName(String)
    case invalidMetricName(String)
    case duplicateName(String)
    case emptyValue(name: String)
    case tooManyLabels(count: Int, limit: Int)
    case nameTooLong(String, limit: Int)
    case valueTooLong(name: String, length: Int, limit: Int)

    public var description: String {
        switch self {
        case .empty: "label set is empty"
        case .missingMetricName: "series has no metric name (label __name__)"
        case .invalidName(let n): "invalid label name \"\(n)\": must match [a-zA-Z_][a-zA-Z0-9_]*"
        case .invalidMetricName(let n): "invalid metric name \"\(n)\": must match [a-zA-Z_:][a-zA-Z0-9_:]*"
        case .duplicateName(let n): "label name \"\(n)\" appears more than once"
        case .emptyValue(let n): "label \"\(n)\" has an empty value"
        case .tooManyLabels(let c, let l): "series has \(c) labels, the limit is \(l)"
        case .nameTooLong(let n, let l): "label name \"\(n.prefix(64))…\" is longer than \(l) bytes"
        case .valueTooLong(let n, let len, let l): "value of label \"\(n)\" is \(len) bytes, the limit is \(l)"
        }
    }
}

extension Labels {
    /// Checks names, the metric name, duplicates and limits. Values are Swift strings and
    /// therefore valid UTF-8 already; decoders that read bytes validate before building them.
    public func validated(limits: LabelLimits = .default) throws(LabelError) -> Labels {
        if pairs.isEmpty { throw .empty }
        if pairs.count > limits.maxLabels { throw .tooManyLabels(count: pairs.count, limit: limits.maxLabels) }
        var previous: String?
        var sawName = false
        for pair in pairs {
            if pair.name == previous { throw .duplicateName(pair.name) }
            previous = pair.name
            if pair.name.utf8.count > limits.maxNameLength { throw .nameTooLong(pair.name, limit: limits.maxNameLength) }
            if pair.value.utf8.count > limits.maxValueLength {
                throw .valueTooLong(name: pair.name, length: pair.value.utf8.count, limit: limits.maxValueLength)
            }
            if pair.name == Self.metricName {
                sawName = true
                guard Self.isValidMetricName(pair.value) else { throw .invalidMetricName(pair.value) }
            } else {
                guard Self.isValidLabelName(pair.name) else { throw .invalidName(pair.name) }
                if pair.value.isEmpty { throw .emptyValue(name: pair.name) }
            }
        }
        if !sawName { throw .missingMetricName }
        return self
    }

    public static func isValidLabelName(_ name: String) -> Bool {
        var first = true
        for byte in name.utf8 {
            let ok = byte == UInt8(ascii: "_") || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
                || (!first && byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            if !ok { return false }
            first = false
        }
        return !first
    }

    public static func isValidMetricName(_ name: String) -> Bool {
        var first = true
        for byte in name.utf8 {
            let ok = byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
                || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
                || (!first && byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            if !ok { return false }
            first = false
        }
        return !first
    }
}
