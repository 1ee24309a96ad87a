import Alerting
import Fleet
import Foundation
import HTTPTypes
import Synchronization
import TSDB

/// The silences both APIs manage — `/api/v1/silences` and Alertmanager's `/api/v2/silences`
/// — with Alertmanager's rules for changing them, stored in the catalog and then handed to
/// the dispatcher. The routes differ only in how they render errors.
final class SilenceBook: Sendable {
    let service: NotificationService
    /// A save reads the silence it replaces and then writes; two at once must not interleave.
    private let writing = Mutex(())

    init(service: NotificationService) { self.service = service }

    func all() throws -> [Silence] {
        try Self.catalog { () throws(CatalogError) in try service.store.silences() }
    }

    func find(_ id: String) throws -> Silence? {
        try all().first { $0.id == id }
    }

    /// Alertmanager's `Silences.Set`: a request with the id of a silence that can be updated
    /// in place (same matchers; an active one keeps its start, a pending one starts no
    /// earlier than now) is updated; any other change expires that silence and creates a new
    /// one with a new id. An id that names no silence is a 404. Returns the stored silence.
    func save(_ request: SilenceRequest, at now: Int64) async throws -> Silence {
        let draft = try request.draft(at: now)
        let saved = try writing.withLock { _ throws -> Silence in
            var silence = draft
            if let id = request.id, !id.isEmpty {
                guard let previous = try find(id) else { throw APIError.notFound("no silence with id \(id)") }
                if Self.canUpdate(previous, with: draft, at: now) {
                    silence.id = id
                    try Self.catalog { () throws(CatalogError) in try service.store.saveSilence(silence) }
                    return silence
                }
                if previous.state(at: now) != .expired {
                    try Self.catalog { () throws(CatalogError) in try service.store.saveSilence(Self.expired(previous, at: now)) }
                }
            }
            silence.id = UUID().uuidString.lowercased()
            silence.startsAt = max(silence.startsAt, now)
            try Self.catalog { () throws(CatalogError) in try service.store.saveSilence(silence) }
            return silence
        }
        try await silencesChanged()
        return saved
    }

    enum Expiry {
        case expired(Silence)
        /// It had already ended; nothing changed.
        case alreadyExpired(Silence)
    }

    /// Ends a silence now, keeping the record (a pending one also starts now).
    func expire(_ id: String, at now: Int64) async throws -> Expiry {
        let outcome = try writing.withLock { _ throws -> Expiry in
            guard let silence = try find(id) else { throw APIError.notFound("no silence with id \(id)") }
            if silence.state(at: now) == .expired { return .alreadyExpired(silence) }
            let ended = Self.expired(silence, at: now)
            try Self.catalog { () throws(CatalogError) in try service.store.saveSilence(ended) }
            return .expired(ended)
        }
        if case .expired = outcome { try await silencesChanged() }
        return outcome
    }

    private func silencesChanged() async throws {
        do {
            try await service.dispatcher.silencesChanged()
        } catch {
            throw APIError(.internalServerError, code: "internal", message: error.description)
        }
    }

    private static func expired(_ silence: Silence, at now: Int64) -> Silence {
        var ended = silence
        ended.startsAt = min(silence.startsAt, now)
        ended.endsAt = now
        ended.updatedAt = now
        return ended
    }

    /// Alertmanager's `canUpdate`.
    static func canUpdate(_ previous: Silence, with next: Silence, at now: Int64) -> Bool {
        guard previous.matchers == next.matchers else { return false }
        switch previous.state(at: now) {
        case .active: return next.startsAt == previous.startsAt && next.endsAt >= now
        case .pending: return next.startsAt >= now
        case .expired: return false
        }
    }

    /// Alertmanager's order: active ones ending soonest first, then pending ones starting
    /// soonest, then expired ones, the most recently ended first.
    static func sorted(_ silences: [Silence], at now: Int64) -> [Silence] {
        func rank(_ s: Silence) -> (Int, Int64) {
            switch s.state(at: now) {
            case .active: (0, s.endsAt)
            case .pending: (1, s.startsAt)
            case .expired: (2, -s.endsAt)
            }
        }
        return silences.sorted { rank($0) < rank($1) }
    }

    /// Catalog failures are the server's fault: 500 with the reason.
    static func catalog<T>(_ body: () throws(CatalogError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw APIError(.internalServerError, code: "internal", message: error.description)
        }
    }
}

// MARK: Bodies

struct MatcherBody: Codable {
    var name: String
    var value: String
    var isRegex: Bool
    var isEqual: Bool?
}

/// Alertmanager's `postableSilence`.
struct SilenceRequest: Decodable {
    var id: String?
    var matchers: [MatcherBody]
    var startsAt: String?
    var endsAt: String
    var createdBy: String
    var comment: String

    /// The silence this asks for, checked, with an empty id; a missing start is now.
    func draft(at now: Int64) throws -> Silence {
        var parsed: [LabelMatcher] = []
        for (index, m) in matchers.enumerated() {
            let equal = m.isEqual ?? true
            let kind: LabelMatcher.Kind = m.isRegex ? (equal ? .regexMatch : .regexNoMatch) : (equal ? .equal : .notEqual)
            do {
                parsed.append(try LabelMatcher(kind, m.name, m.value))
            } catch {
                throw APIError.badRequest("matchers[\(index)]: \(error)")
            }
        }
        let start: Int64
        if let startsAt {
            guard let ms = RFC3339.milliseconds(startsAt) else { throw APIError.badRequest("startsAt: \"\(startsAt)\" is not an RFC 3339 time") }
            start = ms
        } else {
            start = now
        }
        guard let end = RFC3339.milliseconds(endsAt) else { throw APIError.badRequest("endsAt: \"\(endsAt)\" is not an RFC 3339 time") }
        if end <= now { throw APIError.badRequest("endsAt is in the past: a silence must end in the future") }
        if let problem = Silence.validate(matchers: parsed, startsAt: start, endsAt: end, createdBy: createdBy, comment: comment) {
            throw APIError.badRequest(problem)
        }
        return Silence(id: "", matchers: parsed, startsAt: start, endsAt: end, createdBy: createdBy, comment: comment, updatedAt: now)
    }
}

/// Alertmanager's `gettableSilence`.
struct SilenceBody: Encodable {
    struct Status: Encodable { var state: String }
    var id: String
    var status: Status
    var updatedAt: String
    var matchers: [MatcherBody]
    var startsAt: String
    var endsAt: String
    var createdBy: String
    var comment: String

    init(_ silence: Silence, at now: Int64) {
        id = silence.id
        status = Status(state: silence.state(at: now).rawValue)
        updatedAt = RFC3339.format(silence.updatedAt)
        matchers = silence.matchers.map {
            MatcherBody(name: $0.name, value: $0.value, isRegex: $0.kind == .regexMatch || $0.kind == .regexNoMatch,
                        isEqual: $0.kind == .equal || $0.kind == .regexMatch)
        }
        startsAt = RFC3339.format(silence.startsAt)
        endsAt = RFC3339.format(silence.endsAt)
        createdBy = silence.createdBy
        comment = silence.comment
    }
}
