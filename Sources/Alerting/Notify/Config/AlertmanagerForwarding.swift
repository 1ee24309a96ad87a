/// Where firing alerts are also sent: external Alertmanagers, as Prometheus's `alerting:`
/// block names them in `prometheus.yml`. Each endpoint gets every alert POSTed to it with
/// Alertmanager's v2 API; no endpoints means alerts stay inside Sextant.
public struct AlertmanagerForwarding: Sendable, Equatable {
    /// Full URLs to POST to: `scheme://host:port/path_prefix/api/v2/alerts`.
    public var endpoints: [String]
    /// Milliseconds one POST may take.
    public var timeout: Int64

    public init(endpoints: [String] = [], timeout: Int64 = Self.defaultTimeout) {
        self.endpoints = endpoints
        self.timeout = timeout
    }

    /// Prometheus's default `alertmanagers[].timeout`.
    public static let defaultTimeout: Int64 = 10_000
}
