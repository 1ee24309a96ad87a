import TestSupport
import Testing
import TSDB

@testable import Collector

// MARK: - Helpers

/// Every entry of `text`, or the first error.
private func parse(
    _ text: String, _ format: ExpositionFormat = .prometheusText, limits: ExpositionLimits = .init()
) throws(ExpositionError) -> [ExpositionEntry] {
    try parse(Array(text.utf8), format, limits: limits)
}

private func parse(
    _ bytes: [UInt8], _ format: ExpositionFormat, limits: ExpositionLimits = .init()
) throws(ExpositionError) -> [ExpositionEntry] {
    var parser = ExpositionParser(bytes, format: format, limits: limits)
    var entries: [ExpositionEntry] = []
    while let entry = try parser.next() { entries.append(entry) }
    return entries
}

/// The error parsing `bytes` ends with, or `nil` if it parses.
private func failure(
    _ bytes: [UInt8], _ format: ExpositionFormat, limits: ExpositionLimits = .init()
) -> ExpositionError? {
    do {
        _ = try parse(bytes, format, limits: limits)
        return nil
    } catch {
        return error
    }
}

private func failure(
    _ text: String, _ format: ExpositionFormat = .prometheusText, limits: ExpositionLimits = .init()
) -> ExpositionError? {
    failure(Array(text.utf8), format, limits: limits)
}

private func series(_ name: String, _ labels: [String: String] = [:]) -> Labels {
    var all = labels
    all[Labels.metricName] = name
    return Labels(all)
}

/// The single sample of a one-line text document.
private func onlySample(_ text: String, _ format: ExpositionFormat = .prometheusText) throws -> (Labels, Int64?, Double) {
    let entries = try parse(text, format)
    let samples = entries.compactMap { entry -> (Labels, Int64?, Double)? in
        if case .sample(let labels, let timestamp, let value) = entry { return (labels, timestamp, value) }
        return nil
    }
    try #require(samples.count == 1)
    return samples[0]
}


private let nodeExporterText = """
    # HELP go_gc_duration_seconds A summary of the pause duration of garbage collection cycles.
    # TYPE go_gc_duration_seconds summary
    go_gc_duration_seconds{quantile="0"} 2.2941e-05
    go_gc_duration_seconds{quantile="0.25"} 3.6178e-05
    go_gc_duration_seconds{quantile="1"} 0.001052614
    go_gc_duration_seconds_sum 0.141498443
    go_gc_duration_seconds_count 3241
    # HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
    # TYPE node_cpu_seconds_total counter
    node_cpu_seconds_total{cpu="0",mode="idle"} 2.8913788e+06
    node_cpu_seconds_total{mode="user",cpu="0"} 21545.42
    # HELP node_filesystem_avail_bytes Filesystem space available to non-root users in bytes.
    # TYPE node_filesystem_avail_bytes gauge
    node_filesystem_avail_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} 4.2179342336e+10
    # A free-form comment is ignored.

    # HELP http_request_duration_seconds A histogram of the request duration.
    # TYPE http_request_duration_seconds histogram
    http_request_duration_seconds_bucket{le="0.05"} 24054
    http_request_duration_seconds_bucket{le="0.1"} 33444
    http_request_duration_seconds_bucket{le="+Inf"} 144320
    http_request_duration_seconds_sum 53423
    http_request_duration_seconds_count 144320
    # HELP node_uname_info Labeled system information as provided by the uname system call.
    # TYPE node_uname_info gauge
    node_uname_info{domainname="(none)",machine="x86_64",nodename="host-1",release="6.1.0-18-amd64",sysname="Linux",version="#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"} 1
    # TYPE legacy_metric untyped
    legacy_metric 7 1395066363000

    """

private let openMetricsText = """
    # TYPE acme_http_router_request_seconds summary
    # UNIT acme_http_router_request_seconds seconds
    # HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.
    acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
    acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0
    acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
    # TYPE go_goroutines gauge
    go_goroutines 69
    # TYPE process_cpu_seconds counter
    # UNIT process_cpu_seconds seconds
    # HELP process_cpu_seconds Total user and system CPU time spent in seconds.
    process_cpu_seconds_total 4.20072246e+06 1520879607.789
    # TYPE http_request_duration_seconds histogram
    http_request_duration_seconds_bucket{le="0.1"} 8 # {trace_id="KOO5S4vxi0o"} 0.067
    http_request_duration_seconds_bucket{le="1"} 10 # {trace_id="oHg5SJYRHA0"} 0.95 1520879607.789
    http_request_duration_seconds_bucket{le="+Inf"} 11 # {} 7
    http_request_duration_seconds_sum 9.8
    http_request_duration_seconds_count 11
    # TYPE build info
    build_info{version="1.2.3"} 1
    # TYPE feature stateset
    feature{feature="a"} 1
    feature{feature="b"} 0
    # EOF

    """

// MARK: - Content negotiation

struct ExpositionFormatTests {
    @Test(arguments: [
        ("application/openmetrics-text; version=1.0.0; charset=utf-8", ExpositionFormat.openMetrics),
        ("application/openmetrics-text;version=0.0.1", .openMetrics),
        ("  Application/OpenMetrics-Text ; version=1.0.0", .openMetrics),
        ("text/plain; version=0.0.4; charset=utf-8", .prometheusText),
        ("text/plain", .prometheusText),
        ("application/json", .prometheusText),
        ("application/openmetrics-textual", .prometheusText),
        ("", .prometheusText),
    ])
    func picksFormatFromContentType(contentType: String, expected: ExpositionFormat) {
        #expect(ExpositionFormat(contentType: contentType) == expected)
    }

    @Test func missingContentTypeMeansText() {
        #expect(ExpositionFormat(contentType: nil) == .prometheusText)
    }

    @Test func acceptHeaderPrefersOpenMetrics() {
        let parts = ExpositionFormat.acceptHeader.split(separator: ",").map(String.init)
        #expect(parts == [
            "application/openmetrics-text;version=1.0.0;q=0.5",
            "application/openmetrics-text;version=0.0.1;q=0.4",
            "text/plain;version=0.0.4;q=0.3",
            "*/*;q=0.2",
        ])
    }
}

// MARK: - Prometheus text format

struct PrometheusTextParsingTests {
    @Test func parsesNodeExporterOutput() throws {
        let entries = try parse(nodeExporterText)
        #expect(entries.count == 26)
        #expect(entries[0] == .help(
            metric: "go_gc_duration_seconds",
            text: "A summary of the pause duration of garbage collection cycles."))
        #expect(entries[1] == .type(metric: "go_gc_duration_seconds", .summary))
        #expect(entries[2] == .sample(labels: series("go_gc_duration_seconds", ["quantile": "0"]), timestamp: nil, value: 2.2941e-05))
        #expect(entries[6] == .sample(labels: series("go_gc_duration_seconds_count"), timestamp: nil, value: 3241))
        #expect(entries[9] == .sample(
            labels: series("node_cpu_seconds_total", ["cpu": "0", "mode": "idle"]), timestamp: nil, value: 2.8913788e+06))
        // Labels come out sorted whatever their order in the input.
        #expect(entries[10] == .sample(
            labels: series("node_cpu_seconds_total", ["cpu": "0", "mode": "user"]), timestamp: nil, value: 21545.42))
        #expect(entries[13] == .sample(
            labels: series("node_filesystem_avail_bytes", ["device": "/dev/sda1", "fstype": "ext4", "mountpoint": "/"]),
            timestamp: nil, value: 4.2179342336e+10))
        #expect(entries[15] == .type(metric: "http_request_duration_seconds", .histogram))
        #expect(entries[18] == .sample(
            labels: series("http_request_duration_seconds_bucket", ["le": "+Inf"]), timestamp: nil, value: 144320))
        #expect(entries[23] == .sample(
            labels: series("node_uname_info", [
                "domainname": "(none)", "machine": "x86_64", "nodename": "host-1", "release": "6.1.0-18-amd64",
                "sysname": "Linux", "version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)",
            ]),
            timestamp: nil, value: 1))
        #expect(entries[24] == .type(metric: "legacy_metric", .untyped))
        #expect(entries[25] == .sample(labels: series("legacy_metric"), timestamp: 1_395_066_363_000, value: 7))
    }

    @Test func labelsAreSortedWithMetricName() throws {
        let (labels, _, _) = try onlySample(#"m{b="2",a="1",Z="0",_x="3"} 1"#)
        #expect(labels.pairs.map(\.name) == ["Z", "__name__", "_x", "a", "b"])
        #expect(try labels.validated() == labels)
    }

    @Test func resolvesLabelValueEscapes() throws {
        let (labels, _, _) = try onlySample(#"m{path="C:\\dir\\",quote="say \"hi\"",lines="a\nb"} 1"#)
        #expect(labels["path"] == #"C:\dir\"#)
        #expect(labels["quote"] == #"say "hi""#)
        #expect(labels["lines"] == "a\nb")
    }

    @Test func resolvesHelpEscapesAndKeepsOthers() throws {
        let entries = try parse(#"# HELP m Line one\nline \\two\ \"quoted\" \t"#)
        #expect(entries == [.help(metric: "m", text: "Line one\nline \\two\\ \\\"quoted\\\" \\t")])
    }

    @Test func emptyHelpText() throws {
        #expect(try parse("# HELP m\n# HELP n \n") == [.help(metric: "m", text: ""), .help(metric: "n", text: "")])
    }

    @Test func injectionShapedLabelValueStaysOneValue() throws {
        let entries = try parse(#"m{a="}\nfake_metric 1",b="x\"} 2"} 3"# + "\n")
        #expect(entries == [.sample(
            labels: series("m", ["a": "}\nfake_metric 1", "b": "x\"} 2"]), timestamp: nil, value: 3)])
    }

    @Test func whitespaceRules() throws {
        let text = "  \t m { a = \"1\" ,\tb=\"2\" , } \t 4 \t 1000 \t\n\t\n   \n#\n#comment\n# TYPE\tx\tgauge\n"
        #expect(try parse(text) == [
            .sample(labels: series("m", ["a": "1", "b": "2"]), timestamp: 1000, value: 4),
            .type(metric: "x", .gauge),
        ])
    }

    @Test func valueMayFollowBraceDirectly() throws {
        let (labels, _, value) = try onlySample(#"m{a="1"}5"#)
        #expect(labels == series("m", ["a": "1"]))
        #expect(value == 5)
    }

    @Test func emptyLabelSetAndTrailingComma() throws {
        #expect(try parse("m{} 1\nn{a=\"1\",} 2") == [
            .sample(labels: series("m"), timestamp: nil, value: 1),
            .sample(labels: series("n", ["a": "1"]), timestamp: nil, value: 2),
        ])
    }

    @Test func emptyLabelValueIsDropped() throws {
        let (labels, _, _) = try onlySample(#"m{a="",b="x"} 1"#)
        #expect(labels == series("m", ["b": "x"]))
    }

    @Test func lastLineNeedsNoNewline() throws {
        #expect(try parse("a 1\nb 2").count == 2)
        #expect(try parse("").isEmpty)
        #expect(try parse("\n\n").isEmpty)
    }

    @Test(arguments: [
        ("1", 1.0), ("-1", -1.0), ("+1", 1.0), ("1.5", 1.5), (".5", 0.5), ("5.", 5.0),
        ("1e3", 1000.0), ("1E3", 1000.0), ("1.5e-3", 0.0015), ("2.5E+2", 250.0), ("-0", -0.0),
        ("0.000001234", 0.000001234), ("123456789012345678901234567890", 123456789012345678901234567890.0),
        ("1.7976931348623157e308", 1.7976931348623157e308), ("4.9e-324", Double.leastNonzeroMagnitude), ("1e-400", 0.0),
        ("0e999", 0.0), ("9007199254740993", 9007199254740992.0), ("0.1", 0.1), ("3.0000000000000001", 3.0),
        ("+Inf", Double.infinity), ("-Inf", -Double.infinity), ("inf", Double.infinity),
        ("Infinity", Double.infinity), ("-INFINITY", -Double.infinity), ("+inf", Double.infinity),
    ])
    func parsesFloats(literal: String, expected: Double) throws {
        let (_, _, value) = try onlySample("m \(literal)")
        #expect(value.bitPattern == expected.bitPattern)
    }

    @Test(arguments: ["NaN", "nan", "NAN"])
    func nanIsNormalNotStale(literal: String) throws {
        let (_, _, value) = try onlySample("m \(literal)")
        #expect(value.isNaN)
        #expect(!StaleMarker.isStale(value))
        #expect(value.bitPattern == ExpositionNumber.normalNaN.bitPattern)
    }

    @Test(arguments: [
        "0x1p3", "0x10", "1_000", "1e", "1e+", ".", "-", "+", "e5", "+nan", "-NaN", "infinit", "infx", "1.2.3",
        "1,5", "١", "1e5x", "--1", "nan(1)",
    ])
    func rejectsInvalidFloats(literal: String) {
        let error = failure("m \(literal)")
        #expect(error?.reason.hasPrefix("invalid value") == true, "\(literal): \(String(describing: error))")
        #expect(error?.column == 3)
    }

    @Test(arguments: ["1e400", "-1e400", "1.8e308", "123456789e999999999999"])
    func rejectsOutOfRangeFloatsAsGoDoes(literal: String) {
        let error = failure("m \(literal)")
        #expect(error?.reason.contains("out of range") == true, "\(literal): \(String(describing: error))")
    }

    @Test func timestamps() throws {
        #expect(try onlySample("m 1 0").1 == 0)
        #expect(try onlySample("m 1 9223372036854775807").1 == Int64.max)
        #expect(try onlySample("m 1 0001").1 == 1)
        #expect(failure("m 1 9223372036854775808")?.reason.contains("out of range") == true)
        #expect(failure("m 1 99999999999999999999999")?.reason.contains("out of range") == true)
        // The text format's timestamps are non-negative integers, as Prometheus lexes them.
        #expect(failure("m 1 -5")?.reason.contains("invalid timestamp") == true)
        #expect(failure("m 1 1.5")?.reason.contains("invalid timestamp") == true)
    }

    @Test func nulBytesAllowedInValuesHelpAndComments() throws {
        let bytes = Array("# HELP m a\u{0}b\n# comment \u{0}\nm{a=\"x\u{0}y\"} 1\n".utf8)
        #expect(try parse(bytes, .prometheusText) == [
            .help(metric: "m", text: "a\u{0}b"),
            .sample(labels: series("m", ["a": "x\u{0}y"]), timestamp: nil, value: 1),
        ])
    }

    @Test func utf8LabelValuesAndHelp() throws {
        let entries = try parse("# HELP m Température °C — 温度 🌡\nm{city=\"Zürich\",emoji=\"🌡\"} 21.5\n")
        #expect(entries == [
            .help(metric: "m", text: "Température °C — 温度 🌡"),
            .sample(labels: series("m", ["city": "Zürich", "emoji": "🌡"]), timestamp: nil, value: 21.5),
        ])
    }

    @Test func metricNamesMayContainColons() throws {
        let (labels, _, _) = try onlySample("job:request_rate:5m{a=\"b\"} 1")
        #expect(labels.metricName == "job:request_rate:5m")
    }
}

// MARK: - OpenMetrics

struct OpenMetricsParsingTests {
    @Test func parsesDocumentWithUnitsExemplarsAndCreated() throws {
        let entries = try parse(openMetricsText, .openMetrics)
        let labels = ["method": "GET", "path": "/api/v1"]
        #expect(entries == [
            .type(metric: "acme_http_router_request_seconds", .summary),
            .unit(metric: "acme_http_router_request_seconds", unit: "seconds"),
            .help(metric: "acme_http_router_request_seconds", text: "Latency though all of ACME's HTTP request router."),
            .sample(labels: series("acme_http_router_request_seconds_sum", labels), timestamp: nil, value: 9036.32),
            .sample(labels: series("acme_http_router_request_seconds_count", labels), timestamp: nil, value: 807283),
            .sample(labels: series("acme_http_router_request_seconds_created", labels), timestamp: nil, value: 1605281325),
            .type(metric: "go_goroutines", .gauge),
            .sample(labels: series("go_goroutines"), timestamp: nil, value: 69),
            .type(metric: "process_cpu_seconds", .counter),
            .unit(metric: "process_cpu_seconds", unit: "seconds"),
            .help(metric: "process_cpu_seconds", text: "Total user and system CPU time spent in seconds."),
            .sample(labels: series("process_cpu_seconds_total"), timestamp: 1_520_879_607_789, value: 4.20072246e+06),
            .type(metric: "http_request_duration_seconds", .histogram),
            .sample(labels: series("http_request_duration_seconds_bucket", ["le": "0.1"]), timestamp: nil, value: 8),
            .sample(labels: series("http_request_duration_seconds_bucket", ["le": "1"]), timestamp: nil, value: 10),
            .sample(labels: series("http_request_duration_seconds_bucket", ["le": "+Inf"]), timestamp: nil, value: 11),
            .sample(labels: series("http_request_duration_seconds_sum"), timestamp: nil, value: 9.8),
            .sample(labels: series("http_request_duration_seconds_count"), timestamp: nil, value: 11),
            .type(metric: "build", .info),
            .sample(labels: series("build_info", ["version": "1.2.3"]), timestamp: nil, value: 1),
            .type(metric: "feature", .stateset),
            .sample(labels: series("feature", ["feature": "a"]), timestamp: nil, value: 1),
            .sample(labels: series("feature", ["feature": "b"]), timestamp: nil, value: 0),
        ])
    }

    @Test(arguments: [
        ("1520879607.789", Int64(1_520_879_607_789)), ("1520879607", 1_520_879_607_000), ("0.001", 1),
        ("0.0009", 0), ("-1.5", -1500), ("1.5e9", 1_500_000_000_000), ("1.23456", 1234), ("+2", 2000),
        ("-0.0009", 0), ("9223372036854775.807", Int64.max),
    ])
    func timestampsAreSecondsConvertedToMilliseconds(literal: String, milliseconds: Int64) throws {
        let (_, timestamp, _) = try onlySample("m 1 \(literal)\n# EOF", .openMetrics)
        #expect(timestamp == milliseconds)
    }

    @Test(arguments: ["NaN", "+Inf", "-Inf", "abc", "1e400", "9223372036854775.808", "1e17"])
    func rejectsInvalidTimestamps(literal: String) {
        let error = failure("m 1 \(literal)\n# EOF", .openMetrics)
        #expect(error?.line == 1 && error?.column == 5, "\(literal): \(String(describing: error))")
    }

    @Test func eofMayLackNewline() throws {
        #expect(try parse("m 1\n# EOF", .openMetrics).count == 1)
        #expect(try parse("# EOF\n", .openMetrics).isEmpty)
        #expect(try parse("# EOF", .openMetrics).isEmpty)
    }

    @Test(arguments: [
        ("", 1, 1, "missing \"# EOF\""),
        ("m 1\n", 2, 1, "missing \"# EOF\""),
        ("m 1", 1, 4, "must end with \"# EOF\""),
        ("m 1\n# EOF\n\n", 3, 1, "after \"# EOF\""),
        ("m 1\n# EOF\nm 2\n", 3, 1, "after \"# EOF\""),
        ("# EOF \n", 1, 3, "unsupported comment"),
        ("#EOF\n", 1, 2, "expected ' ' after '#'"),
        ("# HELP m text", 1, 14, "must end with \"# EOF\""),
        ("m{a=\"1\"", 1, 8, "must end with \"# EOF\""),
    ])
    func eofRules(text: String, line: Int, column: Int, reason: String) {
        let error = failure(text, .openMetrics)
        #expect(error?.line == line && error?.column == column && error?.reason.contains(reason) == true,
                "\(String(describing: error))")
    }

    @Test func eofIsOnlyACommentInTextFormat() throws {
        #expect(try parse("m 1\n# EOF\nn 2\n").count == 2)
    }

    @Test func unitMustBeMetricNameSuffix() throws {
        #expect(try parse("# UNIT foo_seconds seconds\n# UNIT foo \n# EOF\n", .openMetrics) == [
            .unit(metric: "foo_seconds", unit: "seconds"), .unit(metric: "foo", unit: ""),
        ])
        #expect(failure("# UNIT foo_seconds bytes\n# EOF\n", .openMetrics)?.reason.contains("not a suffix") == true)
        #expect(failure("# UNIT fooseconds seconds\n# EOF\n", .openMetrics)?.reason.contains("not a suffix") == true)
        #expect(failure("# UNIT seconds seconds\n# EOF\n", .openMetrics)?.reason.contains("not a suffix") == true)
    }

    @Test func helpResolvesQuoteEscape() throws {
        #expect(try parse(#"# HELP m say \"hi\"\\\n"# + "\n# EOF", .openMetrics) == [
            .help(metric: "m", text: "say \"hi\"\\\n"),
        ])
    }

    @Test(arguments: [
        #"m 1 # {a="b"} 1"#,
        #"m 1 # {a="b"} 1 123.456"#,
        #"m 1 123 # {a="b",c="d"} 1.5 123"#,
        #"m 1 # {} 0"#,
        #"m 1 # {a="\"quoted\" é"} NaN"#,
    ])
    func acceptsExemplars(line: String) throws {
        #expect(try parse(line + "\n# EOF", .openMetrics) == [.sample(labels: series("m"), timestamp: line.contains("123 #") ? 123_000 : nil, value: 1)])
    }

    @Test(arguments: [
        (#"m 1 # {a="b"}"#, "missing exemplar value"),
        (#"m 1 # {a="b"} x"#, "invalid exemplar value"),
        (#"m 1 # {a="b"} 1 NaN"#, "invalid exemplar timestamp"),
        (#"m 1 # {a="b"} 1 2 3"#, "after the exemplar timestamp"),
        (#"m 1 # {a="b" } 1"#, "expected ',' or '}'"),
        (#"m 1 # a="b" 1"#, "expected an exemplar"),
        (#"m 1 #{a="b"} 1"#, "expected an exemplar"),
        (#"m 1 # {a="\q"} 1"#, "invalid escape sequence"),
        (#"m 1 # {__name__="x"} 1"#, ""),
        (#"m 1 # {a="b"}  1"#, "expected the exemplar value"),
        (#"m 1 2 3"#, "after the timestamp"),
    ])
    func rejectsMalformedExemplars(line: String, reason: String) {
        let error = failure(line + "\n# EOF", .openMetrics)
        if reason.isEmpty {
            // Exemplar label names are free-form; __name__ is only reserved in series.
            #expect(error == nil)
        } else {
            #expect(error?.reason.contains(reason) == true, "\(line): \(String(describing: error))")
        }
    }

    @Test func exemplarsAreRejectedInTextFormat() {
        #expect(failure(#"m 1 # {a="b"} 1"#)?.reason.contains("only allowed in OpenMetrics") == true)
    }

    @Test(arguments: [
        ("m  1", "expected a value, got ' '"),
        ("m 1 ", "' ' at the end of the line"),
        ("m\t1", "unexpected byte 0x09"),
        (" m 1", "expected a metric name, got ' '"),
        (#"m{a="1", b="2"} 1"#, "expected a label name or '}', got ' '"),
        (#"m {a="1"} 1"#, "invalid value"),
        ("", "blank lines"),
        ("# random comment", "unsupported comment"),
        ("# TYPE m untyped", "unknown metric type"),
        ("# TYPE m  gauge", "unknown metric type"),
        ("# HELP m", "expected ' ' after metric name"),
    ])
    func isStricterThanText(line: String, reason: String) {
        let error = failure(line + "\n# EOF\n", .openMetrics)
        #expect(error?.line == 1 && error?.reason.contains(reason) == true, "\(line): \(String(describing: error))")
    }

    @Test(arguments: MetricType.allCases)
    func typeNamesPerFormat(type: MetricType) {
        let text = failure("# TYPE m \(type.rawValue)\n", .prometheusText)
        let openMetrics = failure("# TYPE m \(type.rawValue)\n# EOF\n", .openMetrics)
        #expect((text == nil) == type.isDeclarable(in: .prometheusText))
        #expect((openMetrics == nil) == type.isDeclarable(in: .openMetrics))
    }
}

// MARK: - Errors and positions

struct ExpositionErrorTests {
    @Test func descriptionShowsPosition() {
        let error = failure("a 1\nb 2\nm{job=\"x\",instance \"y\"} 1\n")
        #expect(error?.description == #"line 3, column 20: expected '=' after label name "instance", got '"'"#)
    }

    @Test(arguments: [
        ("m{a=\"1\",a=\"2\"} 1", 1, 9, "label name \"a\" appears more than once"),
        ("m{b=\"1\",a=\"\",a=\"2\"} 1", 1, 14, "appears more than once"),
        ("m{__name__=\"x\"} 1", 1, 3, "\"__name__\" is reserved"),
        ("{a=\"b\"} 1", 1, 1, "missing metric name before '{'"),
        ("\"m\" 1", 1, 1, "quoted metric names are not supported"),
        ("m{\"a\"=\"b\"} 1", 1, 3, "quoted label names are not supported"),
        ("1m 1", 1, 1, "expected a metric name, got '1'"),
        ("m-x 1", 1, 2, "unexpected '-' after metric name \"m\""),
        ("m{1a=\"b\"} 1", 1, 3, "expected a label name or '}', got '1'"),
        ("m{a-b=\"c\"} 1", 1, 4, "expected '=' after label name \"a\", got '-'"),
        ("m{a=b} 1", 1, 5, "expected '\"' opening the value of label \"a\", got 'b'"),
        ("m{a=\"b} 1", 1, 10, "unterminated value of label \"a\" (the quote at column 5"),
        ("m{a=\"b\\", 1, 8, "unterminated value"),
        ("m{a=\"b\\t\"} 1", 1, 7, "invalid escape sequence '\\t'"),
        ("m{a=\"b\"", 1, 8, "unterminated label set"),
        ("m{a=\"b\" c=\"d\"} 1", 1, 9, "expected ',' or '}' after the value of label \"a\", got 'c'"),
        ("m{,} 1", 1, 3, "expected a label name or '}', got ','"),
        ("m{a=\"1\",,} 1", 1, 9, "got ','"),
        ("m", 1, 2, "missing value after \"m\""),
        ("m{a=\"1\"}", 1, 9, "missing value"),
        ("m{a=\"1\"}  \t", 1, 12, "missing value"),
        ("m 1 2 3", 1, 7, "unexpected \"3\" after the timestamp"),
        ("m 1 2 garbage here", 1, 7, "unexpected \"garbage here\" after the timestamp"),
        ("m 1 2x", 1, 5, "invalid timestamp \"2x\""),
        ("m 1\r\n", 1, 3, "invalid value \"1\\r\""),
        ("m\r 1\n", 1, 2, "byte 0x0D (carriage return"),
        ("# TYPE m gauge\r\n", 1, 10, "unknown metric type \"gauge\\r\""),
        ("# TYPE m counter \n", 1, 10, "unknown metric type"),
        ("# TYPE m\n", 1, 9, "missing metric type"),
        ("# TYPE m gaugehistogram\n", 1, 10, "unknown metric type"),
        ("# HELP \n", 1, 8, "expected a metric name after HELP"),
        ("# HELP 1m x\n", 1, 8, "expected a metric name after HELP, got '1'"),
        ("# TYPE m-x gauge\n", 1, 9, "unexpected '-' after metric name \"m\" in TYPE"),
        ("ok 1\n\u{0}m 1\n", 2, 1, "byte 0x00 (NUL)"),
        ("m\u{0} 1\n", 1, 2, "NUL"),
    ])
    func reportsPositionAndReason(text: String, line: Int, column: Int, reason: String) {
        let error = failure(text)
        #expect(error?.line == line, "\(text.debugDescription): \(String(describing: error))")
        #expect(error?.column == column, "\(text.debugDescription): \(String(describing: error))")
        #expect(error?.reason.contains(reason) == true, "\(text.debugDescription): \(String(describing: error))")
    }

    @Test func errorsAreSticky() throws {
        var parser = ExpositionParser(Array("a 1\nb{ 2\nc 3\n".utf8), format: .prometheusText)
        #expect(try parser.next() != nil)
        let first = #expect(throws: ExpositionError.self) { try parser.next() }
        let second = #expect(throws: ExpositionError.self) { try parser.next() }
        #expect(first == second)
        #expect(first?.line == 2)
    }

    @Test func endIsSticky() throws {
        var parser = ExpositionParser(Array("a 1".utf8), format: .prometheusText)
        #expect(try parser.next() != nil)
        #expect(try parser.next() == nil)
        #expect(try parser.next() == nil)
    }
}

// MARK: - Hostile input

struct HostileExpositionTests {
    @Test(arguments: [ExpositionFormat.prometheusText, .openMetrics])
    func everyTruncationParsesOrThrows(format: ExpositionFormat) {
        let document = Array((format == .openMetrics ? openMetricsText : nodeExporterText).utf8)
        var parsed = 0
        var failed = 0
        for length in 0...document.count {
            if let error = failure(Array(document[..<length]), format) {
                #expect(error.line >= 1 && error.column >= 1)
                failed += 1
            } else {
                parsed += 1
            }
        }
        // Text: every cut at a line boundary or after a complete value parses.
        // OpenMetrics: only the complete document (with or without the final "\n") does.
        #expect(parsed > 0 && failed > 0)
        if format == .openMetrics { #expect(parsed == 2) }
    }

    @Test(arguments: [ExpositionFormat.prometheusText, .openMetrics])
    func randomMutationsNeverCrash(format: ExpositionFormat) {
        let document = Array((format == .openMetrics ? openMetricsText : nodeExporterText).utf8)
        let interesting: [UInt8] = Array("\n\r\t \"\\{}=,#.+-eE0123456789".utf8) + [0, 0x80, 0xC3, 0xFF]
        var random = SplitMix64(state: 0x5EC7A47)
        for _ in 0..<2_000 {
            var mutated = document
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                let position = Int.random(in: 0..<mutated.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: mutated[position] = interesting.randomElement(using: &random)!
                case 1: mutated[position] = UInt8.random(in: 0...255, using: &random)
                case 2: mutated.remove(at: position)
                default: mutated.insert(interesting.randomElement(using: &random)!, at: position)
                }
            }
            if let error = failure(mutated, format) {
                #expect(error.line >= 1 && error.column >= 1)
            }
        }
    }

    @Test func lineLengthLimit() {
        let limits = ExpositionLimits(maxLineLength: 16)
        #expect(failure("m{a=\"1234567\"} 1\n", limits: limits) == nil)  // exactly 16 bytes
        let error = failure("ok 1\nm{a=\"12345678\"} 1\n", limits: limits)
        #expect(error == ExpositionError(line: 2, column: 17, reason: "line is longer than the limit of 16 bytes"))
        #expect(failure("m{a=\"12345678\"} 1", limits: limits)?.column == 17)  // no final newline
        // A long line is found without scanning it to its end.
        let huge = [UInt8](repeating: UInt8(ascii: "a"), count: 10_000_000)
        #expect(failure(huge, .prometheusText)?.reason.contains("longer than the limit of 65536") == true)
    }

    @Test func bodySizeLimit() {
        let limits = ExpositionLimits(maxBodySize: 8)
        #expect(failure("m 1\nn 2\n", limits: limits) == nil)
        #expect(failure("m 1\nn 23\n", limits: limits)
            == ExpositionError(line: 1, column: 1, reason: "body is 9 bytes, more than the limit of 8"))
    }

    @Test func sampleLimit() throws {
        let limits = ExpositionLimits(maxSamples: 2)
        #expect(try parse("# HELP a x\na 1\nb 2\n", limits: limits).count == 3)
        let error = failure("a 1\n# comment\nb 2\nc 3\n", limits: limits)
        #expect(error?.line == 4 && error?.reason == "more than 2 samples, the limit")
    }

    @Test func labelLimits() {
        let limits = ExpositionLimits(maxLabelsPerSeries: 3, maxLabelNameLength: 4, maxLabelValueLength: 5)
        #expect(failure(#"m{a="1",b="2"} 1"#, limits: limits) == nil)
        #expect(failure(#"m{a="1",b="2",c="3"} 1"#, limits: limits)?.column == 15)
        #expect(failure(#"m{abcde="1"} 1"#, limits: limits)?.reason.contains("label name \"abcde\" is 5 bytes") == true)
        #expect(failure(#"m{a="12345"} 1"#, limits: limits) == nil)
        #expect(failure(#"m{a="\\\\\\\\\\"} 1"#, limits: limits) == nil)  // five escaped backslashes
        #expect(failure(#"m{a="123456"} 1"#, limits: limits)?.column == 6)
        #expect(failure("abcdef 1", limits: limits)?.reason.contains("metric name is 6 bytes") == true)
        let many = "m{" + (0..<100).map { "l\($0)=\"v\"" }.joined(separator: ",") + "} 1"
        #expect(failure(many)?.reason.contains("more than 64 labels") == true)
        #expect(failure(many, limits: .unlimited) == nil)
    }

    @Test(arguments: [
        [0xFF], [0xC0, 0x80], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80],
        [0xF8, 0x88, 0x80, 0x80, 0x80],
    ] as [[UInt8]])
    func invalidUTF8IsRejected(sequence: [UInt8]) {
        let value = Array("m{a=\"ok".utf8) + sequence + Array("\"} 1\n".utf8)
        let labelError = failure(value, .prometheusText)
        #expect(labelError?.column == 8)
        #expect(labelError?.reason.contains("not valid UTF-8") == true)
        let help = Array("# HELP m ok".utf8) + sequence + [ExpositionBytes.newline]
        #expect(failure(help, .prometheusText)?.reason == "HELP text is not valid UTF-8")
        #expect(failure(help + Array("# EOF".utf8), .openMetrics)?.column == 12)
        // Outside values, such bytes are simply unexpected.
        #expect(failure(sequence + Array(" 1\n".utf8), .prometheusText)?.column == 1)
    }

    @Test func crlfLineEndingsAreRejected() {
        // As in Prometheus: the '\r' becomes part of the value, which is then not a number.
        #expect(failure("# HELP m x\r\nm 1\r\n")?.reason.contains("invalid value \"1\\r\"") == true)
        #expect(failure("m 1\r\n# EOF\r\n", .openMetrics)?.line == 1)
    }

    @Test func hugeInputsOfOneKind() throws {
        let manyBlankLines = [UInt8](repeating: ExpositionBytes.newline, count: 1_000_000)
        #expect(try parse(manyBlankLines, .prometheusText).isEmpty)
        let manyBraces = Array("m{".utf8) + [UInt8](repeating: UInt8(ascii: "{"), count: 50_000)
        #expect(failure(manyBraces, .prometheusText) != nil)
        let manyDigits = Array("m 1".utf8) + [UInt8](repeating: UInt8(ascii: "0"), count: 60_000)
        #expect(failure(manyDigits, .prometheusText)?.reason.contains("out of range") == true)
        let manyFractionDigits = Array("m 0.".utf8) + [UInt8](repeating: UInt8(ascii: "3"), count: 60_000)
        #expect(try parse(manyFractionDigits, .prometheusText).count == 1)
    }
}
