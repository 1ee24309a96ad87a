public import TSDB

/// Alertmanager's silence: alerts matching every matcher are muted between `startsAt`
/// and `endsAt`. Expiring a silence moves `endsAt` to now; it is kept for the record.
public struct Silence: Sendable, Equatable {
    public enum State: String, Sendable {
        case pending, active, expired
    }

    public var id: String
    public var matchers: [LabelMatcher]
    /// Milliseconds since the epoch.
    public var startsAt: Int64
    public var endsAt: Int64
    public var createdBy: String
    public var comment: String
    public var updatedAt: Int64

    public init(
        id: String, matchers: [LabelMatcher], startsAt: Int64, endsAt: Int64, createdBy: String, comment: String, updatedAt: Int64
    ) {
        self.id = id
        self.matchers = matchers
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.createdBy = createdBy
        self.comment = comment
        self.updatedAt = updatedAt
    }

    public func state(at now: Int64) -> State {
        if now < startsAt { return .pending }
        if now >= endsAt { return .expired }
        return .active
    }

    public func mutes(_ labels: Labels, at now: Int64) -> Bool {
        state(at: now) == .active && matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") }
    }

    /// Why a silence cannot be stored, in the words the API answers with.
    public static func validate(matchers: [LabelMatcher], startsAt: Int64, endsAt: Int64, createdBy: String, comment: String) -> String? {
        if matchers.isEmpty { return "a silence needs at least one matcher" }
        // A silence whose matchers all match the empty string would mute every alert.
        if matchers.allSatisfy({ $0.matchesEmpty }) { return "at least one matcher must not match the empty string" }
        for matcher in matchers where !Labels.isValidLabelName(matcher.name) {
            return "invalid label name \"\(matcher.name)\" in matcher"
        }
        if endsAt <= startsAt { return "endsAt must be after startsAt" }
        if createdBy.isEmpty { return "createdBy must not be empty" }
        if comment.isEmpty { return "comment must not be empty" }
        return nil
    }
}
