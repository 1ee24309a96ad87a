/// A named set of rules evaluated together, in order, every ``interval``: later rules see
/// what earlier ones recorded at the same evaluation.
public struct RuleGroup: Sendable {
    public let name: String
    /// The rule file the group came from; part of the group's identity.
    public let file: String
    /// Milliseconds between evaluations.
    public let interval: Int64
    /// How many alerts an alerting rule, or series a recording rule, may produce; 0 for no limit.
    public let limit: Int
    public let rules: [Rule]

    public init(name: String, file: String = "", interval: Int64 = 60_000, limit: Int = 0, rules: [Rule]) {
        self.name = name
        self.file = file
        self.interval = max(interval, 1)
        self.limit = max(limit, 0)
        self.rules = rules
    }

    /// Builds a group from its definition, checking it as `promtool check rules` does:
    /// exactly one of `alert` and `record`, an expression that parses, a valid metric name to
    /// record, valid label and annotation names, templates that parse, no negative
    /// durations. `index` is the group's position in its file, for the errors.
    public init(_ definition: RuleGroupDefinition, file: String = "", defaultInterval: Int64 = 60_000, index: Int = 0) throws(RuleFileErrors) {
        var errors = RuleFile.groupErrors(definition, index: index)
        var rules: [Rule] = []
        for (ruleIndex, rule) in definition.rules.enumerated() {
            switch RuleFile.build(rule) {
            case .success(let built):
                rules.append(built)
            case .failure(let problems):
                errors += problems.messages.map {
                    RuleFileError(
                        group: definition.name, groupIndex: index, ruleIndex: ruleIndex, ruleName: rule.alert ?? rule.record,
                        line: rule.line, message: $0)
                }
            }
        }
        if !errors.isEmpty { throw RuleFileErrors(errors) }
        let interval = definition.interval.flatMap { $0 > 0 ? $0 : nil } ?? defaultInterval
        self.init(name: definition.name, file: file, interval: interval, limit: definition.limit ?? 0, rules: rules)
    }

    /// The evaluation time at or before `now`. Evaluations fall on a fixed grid, offset
    /// within the interval by a hash of the group's file and name, so groups with the same
    /// interval do not all run at once and every evaluation of a group sees aligned times,
    /// as Prometheus's `EvalTimestamp` arranges (with FNV-1a in place of its xxhash).
    public func evaluationTime(atOrBefore now: Int64) -> Int64 {
        let offset = Int64(hash % UInt64(interval))
        let adjusted = now - offset
        var base = adjusted - adjusted % interval
        if adjusted % interval < 0 { base -= interval }
        return base + offset
    }

    /// FNV-1a over the file and the name.
    var hash: UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in Array(file.utf8) + [0xFF] + Array(name.utf8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}
