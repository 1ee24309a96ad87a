import Alerting
import Collector
import Query
import TSDB
import Yams
import Foundation

/// Reads `sextant.yml`, applies `SEXTANT_*` environment overrides, and validates it all.
public enum ConfigLoader {
    /// Loads `path` (nil: embedded defaults only) with `environment` overrides.
    public static func load(path: String?, environment: [String: String] = [:]) throws(ConfigError) -> SextantConfig {
        guard let path else { return try parse(yaml: "", source: "(defaults)", environment: environment) }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(source: path, key: "", reason: "cannot read the file: \(error.localizedDescription)")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(yaml: text, source: path, environment: environment, baseDirectory: directory)
    }

    /// Parses configuration text; `source` names it in errors. Relative paths in it (rule
    /// files, notification templates) are taken from `baseDirectory`.
    public static func parse(
        yaml: String, source: String, environment: [String: String] = [:], baseDirectory: String = "."
    ) throws(ConfigError) -> SextantConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(source: source, line: Self.line(of: error), key: "", reason: "not valid YAML: \(Self.shortened(error))")
        }
        var config = SextantConfig()
        config.baseDirectory = baseDirectory
        let top = try ConfigMapping(root, source: source, path: "")
        try readGlobal(top.mapping("global"), into: &config)
        config.ruleFiles = try top.stringList("rule_files") ?? []
        for (index, node) in try top.sequence("scrape_configs").enumerated() {
            let job = try ConfigMapping(node, source: source, path: "scrape_configs[\(index)]")
            config.scrapeConfigs.append(try readScrapeConfig(job, global: config.global))
        }
        var jobs: Set<String> = []
        for (index, job) in config.scrapeConfigs.enumerated() where !jobs.insert(job.jobName).inserted {
            throw ConfigError(source: source, key: "scrape_configs[\(index)].job_name", reason: "job \"\(job.jobName)\" is defined twice")
        }
        for key in ["remote_write", "remote_read", "analytics", "providers", "storage_prometheus"]
        where top.has(key) && top.node(key) != nil {
            config.warnings.append("\(source): key '\(key)' is accepted but not acted on by this version of Sextant")
        }
        if let node = top.node("notifications"), !ConfigMapping.isNull(node) {
            var reader = NotificationConfigReader()
            reader.baseDirectory = baseDirectory
            config.notifications = try reader.read(ConfigMapping(node, source: source, path: "notifications"))
            config.warnings += reader.warnings
        }
        if let node = top.node("alerting"), !ConfigMapping.isNull(node) {
            var reader = AlertmanagerForwardingReader()
            config.alertmanagers = try reader.read(ConfigMapping(node, source: source, path: "alerting"))
            config.warnings += reader.warnings
        }

        let env = environment
        try readServer(top.mapping("server", environment: env, prefix: "SEXTANT_SERVER"), into: &config)
        try readStorage(top.mapping("storage", environment: env, prefix: "SEXTANT_STORAGE"), into: &config)
        let catalog = try top.mapping("catalog", environment: env, prefix: "SEXTANT_CATALOG")
        config.catalog.path = try catalog.string("path") ?? ""
        config.catalog.notificationRetention = try catalog.duration("notification_retention") ?? 120 * 3_600_000
        try catalog.finish()
        let collector = try top.mapping("collector", environment: env, prefix: "SEXTANT_COLLECTOR")
        config.collector.selfScrape = try collector.bool("self_scrape") ?? true
        config.collector.selfScrapeInterval = try collector.duration("self_scrape_interval") ?? 15_000
        config.collector.host = try collector.bool("host") ?? true
        config.collector.hostInterval = try collector.duration("host_interval") ?? 15_000
        config.collector.vmInterval = try collector.duration("vm_interval") ?? 15_000
        config.collector.builtinRules = try collector.bool("builtin_rules") ?? true
        try collector.finish()
        let query = try top.mapping("query", environment: env, prefix: "SEXTANT_QUERY")
        config.query.lookbackDelta = try query.duration("lookback_delta") ?? 5 * 60_000
        config.query.maxSamples = try query.int("max_samples", range: 1...Int.max) ?? 50_000_000
        config.query.timeout = try query.duration("timeout") ?? 120_000
        try query.finish()
        try top.finish()
        return config
    }

    private static func readGlobal(_ m: ConfigMapping, into config: inout SextantConfig) throws(ConfigError) {
        config.global.scrapeInterval = try m.duration("scrape_interval") ?? 60_000
        config.global.scrapeTimeout = try m.duration("scrape_timeout") ?? min(10_000, config.global.scrapeInterval)
        config.global.evaluationInterval = try m.duration("evaluation_interval") ?? 60_000
        config.global.externalLabels = try m.stringMap("external_labels") ?? [:]
        for name in config.global.externalLabels.keys where !Labels.isValidLabelName(name) {
            throw m.error("external_labels", "invalid label name \"\(name)\"")
        }
        if config.global.scrapeTimeout > config.global.scrapeInterval {
            throw m.error("scrape_timeout", "scrape_timeout is longer than scrape_interval")
        }
        _ = m.node("query_log_file")
        try m.finish()
    }

    private static func readScrapeConfig(_ m: ConfigMapping, global: SextantConfig.Global) throws(ConfigError) -> ScrapeConfig {
        guard let name = try m.string("job_name"), !name.isEmpty else {
            throw ConfigError(source: m.source, line: m.mark?.line, column: m.mark?.column, key: m.keyPath("job_name"), reason: "every scrape config needs a job_name")
        }
        var job = ScrapeConfig(jobName: name)
        job.interval = try m.duration("scrape_interval") ?? global.scrapeInterval
        job.timeout = try m.duration("scrape_timeout") ?? min(global.scrapeTimeout, job.interval)
        if job.timeout > job.interval { throw m.error("scrape_timeout", "scrape_timeout is longer than scrape_interval") }
        job.metricsPath = try m.string("metrics_path") ?? "/metrics"
        job.scheme = try m.string("scheme") ?? "http"
        guard job.scheme == "http" || job.scheme == "https" else { throw m.error("scheme", "must be http or https, not \"\(job.scheme)\"") }
        job.honorLabels = try m.bool("honor_labels") ?? false
        job.honorTimestamps = try m.bool("honor_timestamps") ?? true
        job.relabelConfigs = try readRelabelConfigs(m, "relabel_configs")
        job.metricRelabelConfigs = try readRelabelConfigs(m, "metric_relabel_configs")
        job.authorization = try readAuthorization(m)
        for (index, node) in try m.sequence("file_sd_configs").enumerated() {
            let sd = try ConfigMapping(node, source: m.source, path: m.keyPath("file_sd_configs[\(index)]"))
            let files = try sd.stringList("files") ?? []
            if files.isEmpty { throw sd.error("files", "file_sd_configs needs at least one file") }
            job.fileSDFiles += files
            job.fileSDRefresh = try sd.duration("refresh_interval") ?? 300_000
            try sd.finish()
        }
        for (index, node) in try m.sequence("vm_sd_configs").enumerated() {
            let sd = try ConfigMapping(node, source: m.source, path: m.keyPath("vm_sd_configs[\(index)]"))
            job.vmSDPorts.append(try sd.int("port", range: 1...65_535) ?? 9100)
            try sd.finish()
        }
        job.sampleLimit = try m.int("sample_limit") ?? 0
        job.labelLimit = try m.int("label_limit") ?? 0
        job.labelNameLengthLimit = try m.int("label_name_length_limit") ?? 0
        job.labelValueLengthLimit = try m.int("label_value_length_limit") ?? 0
        if let params = m.node("params") {
            let pm = try ConfigMapping(params, source: m.source, path: m.keyPath("params"))
            for key in pm.keys { job.params[key] = try pm.stringList(key) ?? [] }
        }
        for (index, node) in try m.sequence("static_configs").enumerated() {
            let group = try ConfigMapping(node, source: m.source, path: m.keyPath("static_configs[\(index)]"))
            let targets = try group.stringList("targets") ?? []
            for target in targets where !isHostPort(target) {
                throw group.error("targets", "\"\(target)\" is not host:port")
            }
            let labels = try group.stringMap("labels") ?? [:]
            for key in labels.keys where !Labels.isValidLabelName(key) {
                throw group.error("labels", "invalid label name \"\(key)\"")
            }
            try group.finish()
            job.staticConfigs.append(.init(targets: targets, labels: labels))
        }
        try m.finish()
        return job
    }

    private static func readRelabelConfigs(_ m: ConfigMapping, _ key: String) throws(ConfigError) -> [RelabelConfig] {
        var configs: [RelabelConfig] = []
        for (index, node) in try m.sequence(key).enumerated() {
            let r = try ConfigMapping(node, source: m.source, path: m.keyPath("\(key)[\(index)]"))
            var config = RelabelConfig()
            config.sourceLabels = try r.stringList("source_labels") ?? []
            config.separator = try r.string("separator") ?? ";"
            config.targetLabel = try r.string("target_label") ?? ""
            config.replacement = try r.string("replacement") ?? "$1"
            config.modulus = UInt64(try r.int("modulus") ?? 0)
            if let (text, fail) = try r.scalar("action") {
                guard let action = RelabelConfig.Action(rawValue: text.lowercased()) else {
                    throw fail("unknown relabel action \"\(text)\"; one of \(RelabelConfig.Action.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                config.action = action
            }
            if let (pattern, fail) = try r.scalar("regex") {
                do throws(RelabelRegexError) { config.regex = try RelabelRegex(pattern) } catch { throw fail("\(error)") }
            }
            for name in config.sourceLabels where !Labels.isValidLabelName(name) && !name.hasPrefix("__") {
                throw r.error("source_labels", "invalid label name \"\(name)\"")
            }
            if let reason = config.validationError() {
                throw ConfigError(source: m.source, line: r.mark?.line, column: r.mark?.column, key: r.path, reason: reason)
            }
            try r.finish()
            configs.append(config)
        }
        return configs
    }

    /// `basic_auth`, `bearer_token(_file)` or `authorization` as one header value; secrets in
    /// files are read now, so a missing file is a configuration error.
    private static func readAuthorization(_ m: ConfigMapping) throws(ConfigError) -> String? {
        func readSecret(_ mapping: ConfigMapping, _ key: String) throws(ConfigError) -> String? {
            guard let path = try mapping.string(key) else { return nil }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw mapping.error(key, "cannot read \(path)")
            }
            return text.trimmingSpaces()
        }
        var found: [String] = []
        var header: String?
        if m.has("basic_auth") {
            let basic = try m.mapping("basic_auth")
            let username = try basic.string("username") ?? ""
            var password = try basic.string("password")
            if password == nil { password = try readSecret(basic, "password_file") }
            try basic.finish()
            header = "Basic " + Data("\(username):\(password ?? "")".utf8).base64EncodedString()
            found.append("basic_auth")
        }
        var token = try m.string("bearer_token")
        if token == nil { token = try readSecret(m, "bearer_token_file") }
        if let token {
            header = "Bearer " + token
            found.append("bearer_token")
        }
        if m.has("authorization") {
            let auth = try m.mapping("authorization")
            let type = try auth.string("type") ?? "Bearer"
            var credentials = try auth.string("credentials")
            if credentials == nil { credentials = try readSecret(auth, "credentials_file") }
            try auth.finish()
            header = type + " " + (credentials ?? "")
            found.append("authorization")
        }
        if found.count > 1 {
            throw m.error(found[1], "at most one of basic_auth, bearer_token and authorization may be set")
        }
        return header
    }

    private static func readServer(_ m: ConfigMapping, into config: inout SextantConfig) throws(ConfigError) {
        if let (listen, fail) = try m.scalar("listen") {
            guard isHostPort(listen) else { throw fail("\"\(listen)\" is not host:port") }
            config.server.listen = listen
        }
        if let (level, fail) = try m.scalar("log_level") {
            guard logLevels.contains(level) else { throw fail("must be one of \(logLevels.joined(separator: ", "))") }
            config.server.logLevel = level
        }
        config.server.corsOrigins = try m.stringList("cors_origins") ?? ["*"]
        config.server.maxBodySize = try m.byteSize("max_body_size") ?? 32 << 20
        config.server.shutdownTimeout = try m.duration("shutdown_timeout") ?? 10_000
        config.server.maxConcurrentPushes = try m.int("max_concurrent_pushes", range: 1...100_000) ?? 32
        try m.finish()
    }

    private static func readStorage(_ m: ConfigMapping, into config: inout SextantConfig) throws(ConfigError) {
        config.storage.path = try m.string("path") ?? "./data"
        config.storage.retentionTime = try m.duration("retention_time") ?? 15 * 86_400_000
        config.storage.retentionSize = try m.byteSize("retention_size") ?? 0
        config.storage.outOfOrderWindow = try m.duration("out_of_order_window", allowZero: true) ?? 0
        for (index, node) in try m.sequence("retention_rules").enumerated() {
            let rule = try ConfigMapping(node, source: m.source, path: m.keyPath("retention_rules[\(index)]"))
            guard let (selector, fail) = try rule.scalar("match") else { throw rule.error("match", "a retention rule needs a series selector in 'match'") }
            guard let retention = try rule.duration("retention") else { throw rule.error("retention", "a retention rule needs a 'retention'") }
            let expr: Expr
            do { expr = try PromQL.parse(selector) } catch { throw fail("\(error)") }
            guard case .vectorSelector(let vs) = expr else { throw fail("\"\(selector)\" is not a series selector") }
            try rule.finish()
            config.storage.retentionRules.append(RetentionRule(matchers: vs.matchers, retention: retention))
        }
        if m.has("downsampling") {
            config.storage.downsampling = []
            for (index, node) in try m.sequence("downsampling").enumerated() {
                let level = try ConfigMapping(node, source: m.source, path: m.keyPath("downsampling[\(index)]"))
                guard let resolution = try level.duration("resolution") else { throw level.error("resolution", "a downsampling level needs a 'resolution'") }
                guard let after = try level.duration("after") else { throw level.error("after", "a downsampling level needs 'after', the age of the data it rolls up") }
                guard resolution >= 60_000, 86_400_000 % resolution == 0 else {
                    throw level.error("resolution", "must be at least 1m and divide a day evenly, so windows line up with queries' steps")
                }
                guard !config.storage.downsampling.contains(where: { $0.resolution == resolution }) else {
                    throw level.error("resolution", "another level has this resolution already")
                }
                try level.finish()
                config.storage.downsampling.append(DownsamplingLevel(resolution: resolution, after: after))
            }
        }
        let interval = try m.duration("wal_sync_interval") ?? 1000
        if let (policy, fail) = try m.scalar("wal_sync") {
            switch policy {
            case "always": config.storage.walSync = .always
            case "interval": config.storage.walSync = .interval(milliseconds: interval)
            case "none": config.storage.walSync = .none
            default: throw fail("must be always, interval or none")
            }
        } else {
            config.storage.walSync = .interval(milliseconds: interval)
        }
        try m.finish()
    }

    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// `host:port`, `[v6]:port`, with a port in 1...65535 (0 is allowed for "any").
    static func isHostPort(_ s: String) -> Bool {
        guard let colon = s.lastIndex(of: ":") else { return false }
        let host = s[..<colon]
        guard let port = Int(s[s.index(after: colon)...]), (0...65535).contains(port), !host.isEmpty else { return false }
        if host.hasPrefix("[") { return host.hasSuffix("]") }
        return !host.contains(":") && !host.contains("/") && !host.contains(" ")
    }

    /// Yams's message quotes the offending line with a caret under the column; a line of a
    /// hostile file may be megabytes long, so each line of the message is cut to 200 characters.
    private static func shortened(_ error: any Error) -> String {
        let limit = 200
        return String(describing: error).split(separator: "\n", omittingEmptySubsequences: false).compactMap { line -> String? in
            guard line.count > limit else { return String(line) }
            let cut = line.prefix(limit)
            return cut.allSatisfy(\.isWhitespace) ? nil : cut + "…"
        }.joined(separator: "\n")
    }

    private static func line(of error: any Error) -> Int? {
        // Yams's errors print "line:column: ..."; use the line when it is there.
        let text = String(describing: error)
        let digits = text.prefix { $0.isNumber }
        return Int(digits)
    }
}


extension ConfigLoader {
    /// Applies command-line flags, the last layer over file and environment.
    public static func applyFlags(listen: String?, dataDir: String?, logLevel: String?, to config: inout SextantConfig) throws(ConfigError) {
        if let listen {
            guard isHostPort(listen) else { throw ConfigError(source: "flag --listen", key: "server.listen", reason: "\"\(listen)\" is not host:port") }
            config.server.listen = listen
        }
        if let dataDir {
            guard !dataDir.isEmpty else { throw ConfigError(source: "flag --data-dir", key: "storage.path", reason: "must not be empty") }
            config.storage.path = dataDir
        }
        if let logLevel {
            guard logLevels.contains(logLevel) else {
                throw ConfigError(source: "flag --log-level", key: "server.log_level", reason: "must be one of \(logLevels.joined(separator: ", "))")
            }
            config.server.logLevel = logLevel
        }
    }
}
