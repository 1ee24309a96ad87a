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
    public var labelLimit: Int
    public var staticConfigs: [StaticConfig]

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
        staticConfigs: [StaticConfig] = []
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
        self.staticConfigs = staticConfigs
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

    /// Every target of the job with the labels its samples get: `job`, `instance`, and the
    /// static labels.
    public var targets: [ScrapeTarget] {
        staticConfigs.flatMap { group in
            group.targets.map { address in
                var labels = group.labels
                labels["job"] = labels["job"] ?? jobName
                labels["instance"] = labels["instance"] ?? address
                return ScrapeTarget(
                    job: jobName, address: address, url: Self.url(scheme: scheme, address: address, path: metricsPath, params: params),
                    labels: Labels(labels), interval: interval, timeout: timeout,
                    honorLabels: honorLabels, sampleLimit: sampleLimit, labelLimit: labelLimit
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
}
