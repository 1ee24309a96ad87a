public import TSDB

/// How line protocol becomes Prometheus series, and the bounds on one line.
public struct InfluxOptions: Sendable, Equatable {
    /// How a field's metric name is formed; see ``InfluxMetricNaming``.
    public var naming: InfluxMetricNaming
    /// Put between measurement and field name. Sanitized like the rest of the name.
    public var separator: String
    /// Longest line in bytes (VictoriaMetrics' default is the same 256 KiB). Zero: none.
    public var maxLineLength: Int
    /// Most fields in one line. Zero: no limit.
    public var maxFieldsPerLine: Int
    /// Labels per series (tags, extra labels and the name) and their lengths; the metric
    /// name counts as a value.
    public var labels: LabelLimits

    public init(
        naming: InfluxMetricNaming = .measurementAndField,
        separator: String = "_",
        maxLineLength: Int = 256 * 1024,
        maxFieldsPerLine: Int = 1_024,
        labels: LabelLimits = .default
    ) {
        self.naming = naming
        self.separator = separator
        self.maxLineLength = maxLineLength
        self.maxFieldsPerLine = maxFieldsPerLine
        self.labels = labels
    }
}

/// How the metric name of a field is formed from `cpu,host=a usage_idle=99,usage_user=1`.
///
/// The default is VictoriaMetrics' rule — always `<measurement>_<field>` — so dashboards
/// written for a VictoriaMetrics fed by Telegraf work unchanged, and a measurement's
/// fields never change name when a field is added or removed.
public enum InfluxMetricNaming: Sendable, Hashable {
    /// `cpu_usage_idle`, `cpu_usage_user`. VictoriaMetrics' default.
    case measurementAndField
    /// The measurement alone when the line has exactly one numeric or boolean field, as
    /// VictoriaMetrics' `-influxSkipSingleField`.
    case measurementForSingleField
    /// The measurement alone for a field named `value`, as Telegraf's Prometheus output
    /// names such fields.
    case measurementForValueField
}
