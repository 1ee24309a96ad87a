public import TSDB

/// One `scrape_configs` entry, with Prometheus's meaning and defaults.
public struct ScrapeConfig: Sendable, Equatable {
    public var jobName: String
    /// Milliseconds between scrapes of each target.
    public var interval: Int64
    /// Milliseconds a scrape may take; at most `interval`.
    public var timeout: Int64
    public var metricsPath: String
    public var scheme: String
    public var params: [String: [String]]
    public var honorLabels: Bool
    /// Most samples one scrape may return; 0 means no limit. Over it, the scrape fails.
    public var sampleLimit: Int
    /// Most labels a series may have; 0 means no limit. Over it, the scrape fails.
    public var labelLimit: Int
    /// Longest label name and label value in bytes; 0 means no limit. Over it, the scrape fails.
    public var labelNameLengthLimit: Int
    public var labelValueLengthLimit: Int
    public var staticConfigs: [StaticConfig]
    /// Files of targets (`file_sd_configs`), re-read every `fileSDRefresh` ms.
    public var fileSDFiles: [String]
    public var fileSDRefresh: Int64
    /// Ports of `vm_sd_configs`: every VM the providers report with an address becomes a
    /// target at each port, labeled `__meta_sextant_vm_*` for relabeling.
    public var vmSDPorts: [Int]
    public var relabelConfigs: [RelabelConfig]
    public var metricRelabelConfigs: [RelabelConfig]
    /// Keep timestamps the target exposes (default), or stamp every sample with the scrape time.
    public var honorTimestamps: Bool
    /// The `Authorization` header value (basic auth or bearer token), if any.
    public var authorization: String?

    public init(
        jobName: String,
        interval: Int64 = 60_000,
        timeout: Int64 = 10_000,
        metricsPath: String = "/metrics",
        scheme: String = "http",
        params: [String: [String]] = [:],
        honorLabels: Bool = false,
        sampleLimit: Int = 0,
        labelLimit: Int = 0,
        labelNameLengthLimit: Int = 0,
        labelValueLengthLimit: Int = 0,
        staticConfigs: [StaticConfig] = [],
        fileSDFiles: [String] = [],
        fileSDRefresh: Int64 = 300_000,
        vmSDPorts: [Int] = [],
        relabelConfigs: [RelabelConfig] = [],
        metricRelabelConfigs: [RelabelConfig] = [],
        honorTimestamps: Bool = true,
        authorization: String? = nil
    ) {
        self.jobName = jobName
        self.interval = interval
        self.timeout = timeout
        self.metricsPath = metricsPath
        self.scheme = scheme
        self.params = params
        self.honorLabels = honorLabels
        self.sampleLimit = sampleLimit
        self.labelLimit = labelLimit
        self.labelNameLengthLimit = labelNameLengthLimit
        self.labelValueLengthLimit = labelValueLengthLimit
        self.staticConfigs = staticConfigs
        self.fileSDFiles = fileSDFiles
        self.fileSDRefresh = fileSDRefresh
        self.vmSDPorts = vmSDPorts
        self.relabelConfigs = relabelConfigs
        self.metricRelabelConfigs = metricRelabelConfigs
        self.honorTimestamps = honorTimestamps
        self.authorization = authorization
    }

    /// A fixed list of `host:port` targets sharing extra labels.
    public struct StaticConfig: Sendable, Equatable {
        public var targets: [String]
        public var labels: [String: String]

        public init(targets: [String], labels: [String: String] = [:]) {
            self.targets = targets
            self.labels = labels
        }
    }

    /// Every target of the job from its static configs, after target relabeling.
    public var targets: [ScrapeTarget] { targets(from: staticConfigs) }

    /// Targets from groups of addresses with labels (static or file-discovered): the
    /// discovered labels (`__address__`, `__scheme__`, `__metrics_path__`, `__param_*`,
    /// `job`, the group's labels) go through `relabel_configs`; a target whose labels are
    /// dropped, or left without an address, is not scraped. Labels starting with `__` are
    /// removed afterwards, and `instance` defaults to the address.
    public func targets(from groups: [StaticConfig]) -> [ScrapeTarget] {
        groups.flatMap { group in
            group.targets.compactMap { address -> ScrapeTarget? in
                var discovered = group.labels
                discovered["__address__"] = address
                discovered["__scheme__"] = scheme
                discovered["__metrics_path__"] = metricsPath
                discovered["job"] = discovered["job"] ?? jobName
                for (name, values) in params { if let first = values.first { discovered["__param_" + name] = first } }
                guard let relabeled = Relabeler.apply(relabelConfigs, to: discovered),
                      let finalAddress = relabeled["__address__"], !finalAddress.isEmpty else { return nil }
                var query = params
                for (name, value) in relabeled where name.hasPrefix("__param_") { query[String(name.dropFirst(8))] = [value] }
                var labels = relabeled.filter { !$0.key.hasPrefix("__") }
                labels["instance"] = labels["instance"] ?? finalAddress
                let url = Self.url(scheme: relabeled["__scheme__"] ?? scheme, address: finalAddress,
                                   path: relabeled["__metrics_path__"] ?? metricsPath, params: query)
                return ScrapeTarget(
                    job: jobName, address: finalAddress, url: url, labels: Labels(labels), interval: interval, timeout: timeout,
                    honorLabels: honorLabels, sampleLimit: sampleLimit, labelLimit: labelLimit,
                    labelNameLengthLimit: labelNameLengthLimit, labelValueLengthLimit: labelValueLengthLimit,
                    metricRelabelConfigs: metricRelabelConfigs, honorTimestamps: honorTimestamps, authorization: authorization
                )
            }
        }
    }

    static func url(scheme: String, address: String, path: String, params: [String: [String]]) -> String {
        var url = "\(scheme)://\(address)\(path.hasPrefix("/") ? path : "/" + path)"
        let query = params.sorted { $0.key < $1.key }.flatMap { key, values in values.map { "\(percentEncode(key))=\(percentEncode($0))" } }
        if !query.isEmpty { url += "?" + query.joined(separator: "&") }
        return url
    }

    static func percentEncode(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
            }
        }
        return out
    }
}

/// One endpoint to scrape and the labels its samples carry.
public struct ScrapeTarget: Sendable, Equatable, Hashable {
    public var job: String
    public var address: String
    public var url: String
    public var labels: Labels
    public var interval: Int64
    public var timeout: Int64
    public var honorLabels: Bool
    public var sampleLimit: Int
    public var labelLimit: Int
    public var labelNameLengthLimit: Int
    public var labelValueLengthLimit: Int
    public var metricRelabelConfigs: [RelabelConfig]
    public var honorTimestamps: Bool
    public var authorization: String?
}
