import Synchronization

/// A device, mount-point or field filter, with the semantics of node-exporter's flags: a
/// regular expression searched (not whole-matched) in the name, so the pattern brings its
/// own `^`/`$` anchors as node-exporter's defaults do.
///
/// Decisions are memoised: the same few hundred device and mount names come back every
/// collection, and Swift's `Regex` is far slower than a dictionary lookup.
public final class HostPattern: Sendable, CustomStringConvertible {
    public let pattern: String

    private struct State {
        let regex: Regex<AnyRegexOutput>
        var decided: [String: Bool] = [:]
    }

    // `Regex` is not `Sendable` on every platform; it only ever runs under this lock.
    private let state: Mutex<State>

    /// Forgets old decisions past this many names, so a host that churns through
    /// container mounts cannot grow the memo without bound.
    private static let memoLimit = 4096

    public init(_ pattern: String) throws(HostPatternError) {
        self.pattern = pattern
        let regex: Regex<AnyRegexOutput>
        do {
            regex = try Regex(pattern)
        } catch {
            throw HostPatternError(pattern: pattern, reason: String(describing: error))
        }
        state = Mutex(State(regex: regex))
    }

    /// Whether the pattern occurs in `name`.
    public func matches(_ name: String) -> Bool {
        state.withLock { state in
            if let known = state.decided[name] { return known }
            let found = (try? state.regex.firstMatch(in: name)) != nil
            if state.decided.count >= Self.memoLimit { state.decided.removeAll(keepingCapacity: true) }
            state.decided[name] = found
            return found
        }
    }

    public var description: String { pattern }
}

/// A filter pattern that is not a valid regular expression.
public struct HostPatternError: Error, Sendable, Equatable, CustomStringConvertible {
    public var pattern: String
    public var reason: String

    public var description: String { "invalid pattern \"\(pattern)\": \(reason)" }
}
