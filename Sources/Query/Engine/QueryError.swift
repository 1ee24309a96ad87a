/// Why a query failed, as Prometheus's HTTP API classifies it.
///
/// ``type`` is the API's `errorType` and ``apiMessage`` its `error`, so the HTTP layer renders
/// `{"status":"error","errorType":"\(error.type)","error":"\(error.apiMessage)"}`.
///
/// ```swift
/// do {
///     _ = try engine.instant("sum(", at: now, querier: store.querier())
/// } catch {
///     error.type      // "bad_data"
///     error.message     // "1:5: parse error: unclosed left parenthesis"
///     error.apiMessage  // "invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis"
/// }
/// ```
public enum QueryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The query or its parameters are malformed (parse errors, a bad step or range);
    /// `parameter` names the API parameter at fault when Prometheus names it.
    case badData(String, parameter: String? = nil)
    /// Evaluation failed: conflicting label sets, vector matching, sample limits, bad
    /// function arguments.
    case execution(String)
    /// The engine's deadline passed.
    case timeout(String)
    /// The task running the query was cancelled.
    case canceled(String)
    /// The store failed underneath the query.
    case `internal`(String)

    /// Prometheus's `errorType`: `bad_data`, `execution`, `timeout`, `canceled`, `internal`.
    public var type: String {
        switch self {
        case .badData: "bad_data"
        case .execution: "execution"
        case .timeout: "timeout"
        case .canceled: "canceled"
        case .internal: "internal"
        }
    }

    /// Prometheus's `error` text.
    public var message: String {
        switch self {
        case .badData(let m, _), .execution(let m), .timeout(let m), .canceled(let m), .internal(let m): m
        }
    }

    /// The API parameter that was refused (`query`, `end`, `step`), if any.
    public var parameter: String? {
        if case .badData(_, let parameter) = self { return parameter }
        return nil
    }

    /// Prometheus's `error` text: the message, prefixed `invalid parameter "query": ` where
    /// Prometheus's API names the parameter.
    public var apiMessage: String {
        guard let parameter else { return message }
        return "invalid parameter \(GoFormat.quote(parameter)): \(message)"
    }

    public var description: String { "\(type): \(message)" }
}

extension QueryError {
    static let tooManySamples = QueryError.execution(
        "query processing would load too many samples into memory in query execution")
    static let timedOut = QueryError.timeout("query timed out in expression evaluation")
    static let cancelled = QueryError.canceled("query was canceled in expression evaluation")
    static let duplicateLabelset = QueryError.execution("vector cannot contain metrics with the same labelset")
}
