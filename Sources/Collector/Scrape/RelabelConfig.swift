import TSDB

/// One `relabel_configs` / `metric_relabel_configs` step, with Prometheus's defaults:
/// `source_labels` joined by `separator` (";"), matched against `regex` (fully anchored,
/// default `(.*)`), then `action` (default `replace`) with `replacement` (default `$1`).
public struct RelabelConfig: Sendable, Hashable {
    public enum Action: String, Sendable, CaseIterable {
        case replace, keep, drop, hashmod, labelmap, labeldrop, labelkeep, lowercase, uppercase, keepequal, dropequal
    }

    public var sourceLabels: [String]
    public var separator: String
    public var targetLabel: String
    public var regex: RelabelRegex
    public var modulus: UInt64
    public var replacement: String
    public var action: Action

    public init(
        sourceLabels: [String] = [], separator: String = ";", targetLabel: String = "",
        regex: RelabelRegex = .default, modulus: UInt64 = 0, replacement: String = "$1", action: Action = .replace
    ) {
        self.sourceLabels = sourceLabels
        self.separator = separator
        self.targetLabel = targetLabel
        self.regex = regex
        self.modulus = modulus
        self.replacement = replacement
        self.action = action
    }

    /// What `promtool check config` would refuse, as a reason.
    public func validationError() -> String? {
        switch action {
        case .replace, .lowercase, .uppercase:
            if targetLabel.isEmpty { return "relabel configuration for \(action) action requires 'target_label' value" }
            if action != .replace, !Labels.isValidLabelName(targetLabel) { return "\"\(targetLabel)\" is invalid 'target_label' for \(action) action" }
        case .hashmod:
            if targetLabel.isEmpty { return "relabel configuration for hashmod requires non-empty target_label" }
            if modulus == 0 { return "relabel configuration for hashmod requires non-zero modulus" }
        case .keepequal, .dropequal:
            if targetLabel.isEmpty { return "relabel configuration for \(action) action requires 'target_label' value" }
            if sourceLabels.isEmpty { return "relabel configuration for \(action) action requires 'source_labels' value" }
        case .labeldrop, .labelkeep:
            if !sourceLabels.isEmpty || !targetLabel.isEmpty || replacement != "$1" {
                return "\(action) action requires only 'regex', and no other fields"
            }
        case .keep, .drop, .labelmap:
            break
        }
        return nil
    }
}

/// A relabel regex: fully anchored like Prometheus's, with RE2's meaning (``RE2Syntax``),
/// and capture groups for `$1`, `${1}` and `${name}` in replacements.
public struct RelabelRegex: @unchecked Sendable, Hashable {
    // @unchecked: `Regex<AnyRegexOutput>` is immutable after init and safe to share; it
    // only lacks a Sendable conformance.
    public let pattern: String
    let regex: Regex<AnyRegexOutput>

    public init(_ pattern: String) throws(RelabelRegexError) {
        self.pattern = pattern
        do throws(RE2Syntax.Failure) {
            regex = try RE2Syntax.compile(pattern)
        } catch {
            throw RelabelRegexError(pattern: pattern, reason: error.reason)
        }
    }

    public static let `default` = try! RelabelRegex("(.*)")

    public static func == (lhs: RelabelRegex, rhs: RelabelRegex) -> Bool { lhs.pattern == rhs.pattern }
    public func hash(into hasher: inout Hasher) { hasher.combine(pattern) }

    func wholeMatch(_ s: String) -> Regex<AnyRegexOutput>.Match? {
        try? regex.wholeMatch(in: s)
    }
}

public struct RelabelRegexError: Error, Sendable, CustomStringConvertible {
    public let pattern: String
    public let reason: String
    public var description: String { "invalid regular expression \"\(pattern)\": \(reason)" }
}

/// Applies relabel steps to a label map; nil means the target or sample is dropped.
public enum Relabeler {
    public static func apply(_ configs: [RelabelConfig], to input: [String: String]) -> [String: String]? {
        var labels = input
        for config in configs {
            let value = config.sourceLabels.map { labels[$0] ?? "" }.joined(separator: config.separator)
            switch config.action {
            case .drop:
                if config.regex.wholeMatch(value) != nil { return nil }
            case .keep:
                if config.regex.wholeMatch(value) == nil { return nil }
            case .dropequal:
                if labels[config.targetLabel] ?? "" == value { return nil }
            case .keepequal:
                if labels[config.targetLabel] ?? "" != value { return nil }
            case .replace:
                guard let match = config.regex.wholeMatch(value) else { continue }
                let target = RE2Syntax.expand(config.targetLabel, match.output)
                guard Labels.isValidLabelName(target) else { continue }
                let replacement = RE2Syntax.expand(config.replacement, match.output)
                if replacement.isEmpty { labels[target] = nil } else { labels[target] = replacement }
            case .lowercase:
                labels[config.targetLabel] = value.lowercased()
            case .uppercase:
                labels[config.targetLabel] = value.uppercased()
            case .hashmod:
                labels[config.targetLabel] = String(hash(value) % config.modulus)
            case .labelmap:
                for (name, v) in labels {
                    guard let match = config.regex.wholeMatch(name) else { continue }
                    let target = RE2Syntax.expand(config.replacement, match.output)
                    if Labels.isValidLabelName(target) { labels[target] = v }
                }
            case .labeldrop:
                for name in labels.keys where config.regex.wholeMatch(name) != nil { labels[name] = nil }
            case .labelkeep:
                for name in labels.keys where config.regex.wholeMatch(name) == nil { labels[name] = nil }
            }
        }
        return labels
    }

    /// Prometheus's hashmod: the last 8 bytes of the MD5 of the value, big-endian.
    static func hash(_ value: String) -> UInt64 {
        let digest = MD5.digest(Array(value.utf8))
        return digest.suffix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
