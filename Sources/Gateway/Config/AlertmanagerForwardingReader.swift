import Alerting
import Foundation

/// Reads Prometheus's `alerting:` block: which external Alertmanagers get the alerts.
///
/// Only static targets are followed. Authentication, TLS, relabeling and service discovery
/// are accepted (a `prometheus.yml` that has them is still a valid file) and listed in
/// ``warnings``.
struct AlertmanagerForwardingReader {
    var warnings: [String] = []

    /// Keys of an `alertmanagers` entry that Prometheus knows and Sextant does not act on.
    static let ignoredKeys = [
        "basic_auth", "authorization", "oauth2", "bearer_token", "bearer_token_file", "tls_config", "proxy_url",
        "no_proxy", "proxy_from_environment", "proxy_connect_header", "follow_redirects", "enable_http2", "http_headers",
        "sigv4", "relabel_configs", "alert_relabel_configs",
    ]

    mutating func read(_ m: ConfigMapping) throws(ConfigError) -> AlertmanagerForwarding {
        var forwarding = AlertmanagerForwarding()
        var timeouts: [(index: Int, timeout: Int64)] = []
        for (index, node) in try m.sequence("alertmanagers").enumerated() {
            let am = try ConfigMapping(node, source: m.source, path: m.keyPath("alertmanagers[\(index)]"))
            let (endpoints, timeout) = try readAlertmanager(am)
            for endpoint in endpoints where !forwarding.endpoints.contains(endpoint) { forwarding.endpoints.append(endpoint) }
            timeouts.append((index, timeout))
        }
        if let longest = timeouts.max(by: { $0.timeout < $1.timeout }) {
            forwarding.timeout = longest.timeout
            if timeouts.contains(where: { $0.timeout != longest.timeout }) {
                warnings.append("\(m.source): key '\(m.keyPath("alertmanagers[\(longest.index)].timeout"))': Sextant uses one timeout for every Alertmanager, the longest given")
            }
        }
        warnings += m.acceptedButIgnored(["alert_relabel_configs"])
        try m.finish()
        return forwarding
    }

    private mutating func readAlertmanager(_ m: ConfigMapping) throws(ConfigError) -> (endpoints: [String], timeout: Int64) {
        let scheme = try m.string("scheme")?.lowercased() ?? "http"
        guard scheme == "http" || scheme == "https" else { throw m.error("scheme", "must be http or https, not \"\(scheme)\"") }
        let timeout = try m.duration("timeout") ?? AlertmanagerForwarding.defaultTimeout
        if let (version, fail) = try m.scalar("api_version") {
            switch version.lowercased() {
            case "v2": break
            case "v1": throw fail("Alertmanager's v1 API is gone: Alertmanager 0.25 and Sextant speak v2 (api_version: v2, or leave it out)")
            default: throw fail("unknown API version \"\(version)\"; Sextant speaks v2")
            }
        }
        // As Prometheus's path.Join("/", path_prefix, "/api/v2/alerts").
        let prefix = (try m.string("path_prefix") ?? "").split(separator: "/").joined(separator: "/")
        let path = (prefix.isEmpty ? "" : "/" + prefix) + "/api/v2/alerts"
        if prefix.contains(where: { $0.isWhitespace || "?#".contains($0) }) || URL(string: "http://localhost" + path) == nil {
            throw m.error("path_prefix", "\"\(prefix)\" is not a URL path")
        }

        var endpoints: [String] = []
        for (index, node) in try m.sequence("static_configs").enumerated() {
            let group = try ConfigMapping(node, source: m.source, path: m.keyPath("static_configs[\(index)]"))
            for (target, fail) in try NotificationConfigReader.items(group, "targets") ?? [] {
                let endpoint = "\(scheme)://\(target)\(path)"
                guard Self.isTarget(target), let url = URL(string: endpoint), url.host?.isEmpty == false else {
                    throw fail("\"\(target)\" is not host or host:port")
                }
                endpoints.append(endpoint)
            }
            warnings += group.acceptedButIgnored(["labels"])
            try group.finish()
        }
        warnings += m.acceptedButIgnored(Self.ignoredKeys + m.keys.filter { $0.hasSuffix("_sd_configs") })
        try m.finish()
        return (endpoints, timeout)
    }

    /// `host`, `host:port` or `[v6]:port`: no scheme, path, user or spaces.
    static func isTarget(_ target: String) -> Bool {
        guard !target.isEmpty, !target.contains(where: { $0.isWhitespace || "/?#@".contains($0) }) else { return false }
        return target.contains(":") ? ConfigLoader.isHostPort(target) : true
    }
}
