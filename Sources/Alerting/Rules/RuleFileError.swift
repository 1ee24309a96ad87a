/// One problem in a rule file, located as `promtool check rules` locates it.
///
/// `description` reads as Prometheus's: `group "node", rule 2, "HighLoad": could not
/// parse expression: 1:8: parse error: unexpected end of input`, prefixed with the line
/// when the definition carried one.
public struct RuleFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var group: String
    /// The group's position in the file, from 0.
    public var groupIndex: Int
    /// The rule's position in its group, from 0; nil for a problem with the group itself.
    public var ruleIndex: Int?
    /// The rule's `alert` or `record` name.
    public var ruleName: String?
    public var line: Int?
    public var message: String

    public init(group: String, groupIndex: Int, ruleIndex: Int? = nil, ruleName: String? = nil, line: Int? = nil, message: String) {
        self.group = group
        self.groupIndex = groupIndex
        self.ruleIndex = ruleIndex
        self.ruleName = ruleName
        self.line = line
        self.message = message
    }

    public var description: String {
        var out = line.map { "line \($0): " } ?? ""
        if let ruleIndex {
            out += "group \(GoQuote.quote(group)), rule \(ruleIndex + 1), \(GoQuote.quote(ruleName ?? "")): "
        } else if !group.isEmpty {
            out += "group \(GoQuote.quote(group)): "
        }
        return out + message
    }
}

/// Every problem found in a rule file; nothing of a file with problems is loaded.
public struct RuleFileErrors: Error, Sendable, Hashable, CustomStringConvertible {
    public var errors: [RuleFileError]

    public init(_ errors: [RuleFileError]) {
        self.errors = errors
    }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
