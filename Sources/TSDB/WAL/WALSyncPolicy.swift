/// When the WAL is flushed to stable storage. Every commit is written to the file before
/// it returns, so a killed process loses nothing; the policy decides what survives a
/// power loss.
public enum WALSyncPolicy: Sendable, Equatable, CustomStringConvertible {
    /// fsync before every commit returns.
    case always
    /// fsync at most this often (milliseconds), from a background tick.
    case interval(milliseconds: Int64)
    /// Leave it to the kernel.
    case none

    public static let `default` = WALSyncPolicy.interval(milliseconds: 1000)

    public var description: String {
        switch self {
        case .always: "always"
        case .interval(let ms): "interval(\(ms)ms)"
        case .none: "none"
        }
    }
}
