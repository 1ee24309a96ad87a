/// Writes samples into the store as one batch: nothing is visible to queries, nor written
/// to the WAL, until ``commit()``; ``rollback()`` discards the batch.
///
/// ```swift
/// var app = store.appender()
/// let ref = try app.append(.unknown, labels, t, v)
/// try app.append(ref, labels, t + 15_000, v2)   // reuse the ref to skip the lookup
/// try app.commit()
/// ```
public protocol Appender: ~Copyable {
    /// Adds a sample; returns the series' ref, which callers may pass back on later appends
    /// of the same series to skip the label lookup.
    @discardableResult
    mutating func append(_ ref: SeriesRef, _ labels: Labels, _ timestamp: Int64, _ value: Double) throws(AppendError) -> SeriesRef

    /// Makes the batch durable (per the WAL's sync policy) and visible. Returns how many
    /// samples were stored.
    @discardableResult
    mutating func commit() throws(StorageError) -> Int

    mutating func rollback()
}

/// Why one sample was refused. The rest of a batch is unaffected.
public enum AppendError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidLabels(Labels, LabelError)
    /// Older than the newest sample of its series by more than the out-of-order window.
    case outOfOrder(Labels, timestamp: Int64, newest: Int64)
    /// Older than anything the store still accepts (before the head's lower bound).
    case tooOld(Labels, timestamp: Int64, minValid: Int64)
    /// Same timestamp as a stored sample with a different value.
    case duplicateTimestamp(Labels, timestamp: Int64)
    case storeClosed

    public var description: String {
        switch self {
        case .invalidLabels(let l, let e): "series \(l): \(e)"
        case .outOfOrder(let l, let t, let newest):
            "series \(l): sample at \(t) is out of order (newest is \(newest), outside the out-of-order window)"
        case .tooOld(let l, let t, let minValid): "series \(l): sample at \(t) is too old (store accepts from \(minValid))"
        case .duplicateTimestamp(let l, let t): "series \(l): a different value already exists at \(t)"
        case .storeClosed: "the store is closed"
        }
    }
}

/// A failure of the store itself (disk, corruption), as opposed to a refused sample.
public struct StorageError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let path: String?
    public let reason: String

    public init(_ operation: String, path: String? = nil, reason: String) {
        self.operation = operation
        self.path = path
        self.reason = reason
    }

    public var description: String {
        if let path { "\(operation) \(path): \(reason)" } else { "\(operation): \(reason)" }
    }
}
