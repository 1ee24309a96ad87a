/// The version `sextant version`, `/health` and `/api/v1/status/buildinfo` report.
public enum BuildInfo {
    public static let version = "0.1.0"
    public static let revision = "main"
    public static let branch = "main"
    /// Grafana reads the Prometheus version from buildinfo to pick features; Sextant
    /// answers the Prometheus API of this release.
    public static let compatiblePrometheusVersion = "2.42.0"
    /// The Alertmanager release whose API v2 Sextant answers (`/api/v2/status`).
    public static let compatibleAlertmanagerVersion = "0.25.0"
    #if swift(>=6.3)
    public static let swiftVersion = "6.3"
    #else
    public static let swiftVersion = "6"
    #endif
}
