/// A condition on one label: `=`, `!=`, `=~` or `!~`, as in PromQL selectors.
///
/// Regular expressions are fully anchored, as Prometheus anchors them. A label that a
/// series lacks has the empty value, so `{foo=""}` matches series without `foo`.
public struct LabelMatcher: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case equal = "="
        case notEqual = "!="
        case regexMatch = "=~"
        case regexNoMatch = "!~"

        /// The byte the WAL stores for the kind.
        var code: UInt8 {
            switch self {
            case .equal: 0
            case .notEqual: 1
            case .regexMatch: 2
            case .regexNoMatch: 3
            }
        }

        init?(code: UInt8) {
            switch code {
            case 0: self = .equal
            case 1: self = .notEqual
            case 2: self = .regexMatch
            case 3: self = .regexNoMatch
            default: return nil
            }
        }
    }

    public let name: String
    public let kind: Kind
    public let value: String
    private let regex: AnchoredRegex?

    public init(_ kind: Kind, _ name: String, _ value: String) throws(MatcherError) {
        self.name = name
        self.kind = kind
        self.value = value
        switch kind {
        case .equal, .notEqual: regex = nil
        case .regexMatch, .regexNoMatch: regex = try AnchoredRegex(value)
        }
    }

    /// Same kind, name and pattern (the compiled regex follows from them).
    public static func == (lhs: LabelMatcher, rhs: LabelMatcher) -> Bool {
        lhs.kind == rhs.kind && lhs.name.bytesEqual(rhs.name) && lhs.value.bytesEqual(rhs.value)
    }

    public static func equal(_ name: String, _ value: String) -> LabelMatcher {
        // An equality matcher never compiles a regex, so it cannot throw.
        try! LabelMatcher(.equal, name, value)
    }

    public func matches(_ candidate: String) -> Bool {
        switch kind {
        case .equal: candidate.bytesEqual(value)
        case .notEqual: !candidate.bytesEqual(value)
        case .regexMatch: regex!.matches(candidate)
        case .regexNoMatch: !regex!.matches(candidate)
        }
    }

    /// Whether the matcher accepts a series that lacks the label (its value is "").
    public var matchesEmpty: Bool { matches("") }

    public var description: String { "\(name)\(kind.rawValue)\"\(LabelValueEscaping.escape(value))\"" }
}

public struct MatcherError: Error, Sendable, CustomStringConvertible {
    public let pattern: String
    public let reason: String
    public var description: String { "invalid regular expression \"\(pattern)\": \(reason)" }
}

extension Labels {
    /// Whether every matcher accepts this label set.
    public func matches(_ matchers: [LabelMatcher]) -> Bool {
        matchers.allSatisfy { $0.matches(self[$0.name] ?? "") }
        // `self[name]` compares names by bytes; values are compared by the matcher.
    }
}
