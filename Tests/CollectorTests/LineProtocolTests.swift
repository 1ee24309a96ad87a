import TestSupport
import Testing
import TSDB

@testable import Collector

// MARK: - Helpers

private let receivedAt: Int64 = 1_700_000_000_000

private func parse(
    _ text: String, precision: InfluxPrecision = .nanoseconds, extraLabels: Labels = .empty, options: InfluxOptions = InfluxOptions()
) -> InfluxParseResult {
    InfluxLineParser.parse(Array(text.utf8), precision: precision, defaultTimestamp: receivedAt, extraLabels: extraLabels, options: options)
}

private func series(_ name: String, _ pairs: [String: String] = [:]) -> Labels {
    var all = pairs
    all[Labels.metricName] = name
    return Labels(all)
}

/// The only error of a one-line body.
private func lineError(_ text: String, precision: InfluxPrecision = .nanoseconds, options: InfluxOptions = InfluxOptions()) -> InfluxLineError? {
    let result = parse(text, precision: precision, options: options)
    #expect(result.samples.isEmpty, "refused line \(text) still gave samples")
    #expect(result.errors.count <= 1)
    return result.errors.first
}

/// The values of a one-line body's samples.
private func values(_ text: String) -> [Double] { parse(text).samples.map(\.value) }


/// What Telegraf sends for a few of its inputs.
private let telegraf = """
    cpu,cpu=cpu-total,host=vm-01 usage_idle=97.5,usage_user=1.25,usage_system=1.25 1700000000000000000
    mem,host=vm-01 active=1073741824i,available_percent=61.2,used=2147483648u 1700000000000000000
    # a comment
    disk,device=vda1,fstype=ext4,host=vm-01,mode=rw,path=/ free=1.5e10,inodes_used=120000i,used_percent=42 1700000000000000000

    system,host=vm-01 load1=0.5,n_cpus=2i,uptime_format="12 days,  3:04" 1700000000000000000
    net,host=vm-01,interface=eth0 bytes_recv=123456789u,drop_in=0u,err_in=0u 1700000000000000000
    """

// MARK: - Mapping to samples

@Suite struct LineProtocolMappingTests {
    @Test func telegraphBodyBecomesOneSamplePerField() {
        let result = parse(telegraf)
        #expect(result.errors.isEmpty)
        #expect(result.acceptedLines == 5)
        #expect(result.skippedStringFields == 1)
        #expect(result.samples.count == 3 + 3 + 3 + 2 + 3)
        #expect(result.samples.allSatisfy { $0.timestamp == 1_700_000_000_000 })
        #expect(result.samples[0] == InfluxSample(
            labels: series("cpu_usage_idle", ["cpu": "cpu-total", "host": "vm-01"]), timestamp: 1_700_000_000_000, value: 97.5))
        let memory = result.samples.filter { $0.labels.metricName?.hasPrefix("mem_") == true }
        #expect(memory.map { $0.labels.metricName } == ["mem_active", "mem_available_percent", "mem_used"])
        #expect(memory.map(\.value) == [1_073_741_824, 61.2, 2_147_483_648])
        let disk = result.samples.first { $0.labels.metricName == "disk_free" }
        #expect(disk?.labels == series("disk_free", ["device": "vda1", "fstype": "ext4", "host": "vm-01", "mode": "rw", "path": "/"]))
    }

    @Test func missingTimestampTakesTheDefault() {
        #expect(parse("m v=1").samples == [InfluxSample(labels: series("m_v"), timestamp: receivedAt, value: 1)])
        #expect(parse("m v=1   ").samples.map(\.timestamp) == [receivedAt])
    }

    @Test(arguments: [
        ("1", 1.0), ("1.5", 1.5), ("-1e3", -1000), (".5", 0.5), ("1.", 1), ("1E3", 1000), ("-0", -0.0),
        ("10i", 10), ("-9223372036854775808i", -9.223_372_036_854_775_808e18), ("0u", 0),
        ("18446744073709551615u", 1.844_674_407_370_955_2e19),
        ("t", 1), ("T", 1), ("true", 1), ("True", 1), ("TRUE", 1),
        ("f", 0), ("F", 0), ("false", 0), ("False", 0), ("FALSE", 0),
    ] as [(String, Double)])
    func fieldTypes(literal: String, expected: Double) {
        #expect(values("m v=\(literal) 0").map(\.bitPattern) == [expected.bitPattern])
    }

    @Test(arguments: [
        "1.5i", "NaN", "nan", "inf", "-Inf", "+1", "tRUE", "yes", "1x", "9223372036854775808i", "-1u",
        "18446744073709551616u", "1e400", "-", "abc", "0x10", "1_000", "i", "u",
    ])
    func invalidFieldValues(literal: String) {
        let error = lineError("m v=\(literal) 0")
        #expect(error?.column == 5)
        #expect(error?.reason.contains(literal) == true)
    }

    @Test func stringFieldsAreSkippedAndCounted() {
        let result = parse(#"log,host=a msg="hello, world=1 \"quoted\" \\",level=3i,other="" 1000000"#)
        #expect(result.errors.isEmpty)
        #expect(result.samples == [InfluxSample(labels: series("log_level", ["host": "a"]), timestamp: 1, value: 3)])
        #expect(result.skippedStringFields == 2)
    }

    @Test func onlyStringFieldsIsAnAcceptedLineWithoutSamples() {
        let result = parse(#"log msg="x""#)
        #expect(result.samples.isEmpty && result.errors.isEmpty)
        #expect(result.acceptedLines == 1)
    }

    @Test func aStringMayHoldARawNewline() {
        let result = parse("m s=\"a\nb\",v=1 0\nm v=2 0\nbad\n")
        #expect(result.samples.map(\.value) == [1, 2])
        // The string's newline is counted: the bad line is the fourth physical line.
        #expect(result.errors.map(\.line) == [4])
    }

    @Test func commentsBlankLinesAndCarriageReturns() {
        let result = parse("# comment\n\n   \n\t\ncpu v=1 1000000\r\n  # indented comment\n\r\ncpu v=2 2000000\n")
        #expect(result.errors.isEmpty)
        #expect(result.samples.map(\.timestamp) == [1, 2])
        #expect(result.acceptedLines == 2)
    }

    @Test func emptyBody() {
        #expect(parse("") == InfluxParseResult(samples: [], errors: [], acceptedLines: 0, rejectedLines: 0, skippedStringFields: 0))
    }

    @Test func extraLabelsAreAddedUnlessATagOverrides() {
        let extra = Labels(["db": "telegraf", "zz": "last"])
        #expect(parse("m,host=a v=1 0", extraLabels: extra).samples[0].labels
            == series("m_v", ["db": "telegraf", "host": "a", "zz": "last"]))
        #expect(parse("m,db=mine v=1 0", extraLabels: extra).samples[0].labels == series("m_v", ["db": "mine", "zz": "last"]))
    }

    @Test func tagsAreSortedWhateverTheirOrder() {
        let labels = parse("m,z=1,B=2,a=3,_x=4 v=1 0").samples[0].labels
        #expect(labels.pairs.map(\.name) == ["B", "__name__", "_x", "a", "z"])
    }

    @Test func namingOptions() {
        let single = InfluxOptions(naming: .measurementForSingleField)
        #expect(parse("cpu v=1 0", options: single).samples.map { $0.labels.metricName } == ["cpu"])
        #expect(parse("cpu v=1,w=2 0", options: single).samples.map { $0.labels.metricName } == ["cpu_v", "cpu_w"])
        #expect(parse(#"cpu v=1,s="x" 0"#, options: single).samples.map { $0.labels.metricName } == ["cpu"])

        let value = InfluxOptions(naming: .measurementForValueField)
        #expect(parse("temp value=21.5,max=30 0", options: value).samples.map { $0.labels.metricName } == ["temp", "temp_max"])

        let dotted = InfluxOptions(separator: ".")
        #expect(parse("cpu idle=1 0", options: dotted).samples.map { $0.labels.metricName } == ["cpu_idle"])
        let colon = InfluxOptions(separator: ":")
        #expect(parse("cpu idle=1 0", options: colon).samples.map { $0.labels.metricName } == ["cpu:idle"])
    }

    @Test func namesAreSanitized() {
        let result = parse("cpu.usage-total,host-name=a,1st=b,température=c value=1 0\n1m v=1 0\nü v=2 0")
        #expect(result.errors.isEmpty)
        #expect(result.samples.map(\.labels) == [
            series("cpu_usage_total_value", ["host_name": "a", "_1st": "b", "temp_rature": "c"]),
            series("_1m_v"),
            series("__v"),
        ])
        #expect(result.samples.allSatisfy { (try? $0.labels.validated()) != nil })
    }

    @Test func injectionShapedTagValuesAreKeptVerbatim() {
        let result = parse(#"m,q=a"b}{c,r=x\=\"y\" v=1 0"#)
        #expect(result.samples.first?.labels["q"] == #"a"b}{c"#)
        #expect(result.samples.first?.labels["r"] == #"x=\"y\""#)
    }
}

// MARK: - Escapes

@Suite struct LineProtocolEscapeTests {
    @Test(arguments: [
        // (line, metric name, tag value of "t")
        (#"my\ meas\,ure,t=1 v=1 0"#, "my_meas_ure_v", "1"),
        (#"m\=x,t=1 v=1 0"#, "m__x_v", "1"),  // '=' needs no escape in a measurement: the backslash stays
        (#"m=x,t=1 v=1 0"#, "m_x_v", "1"),
        (#"m,t=a\ b\,c\=d v=1 0"#, "m_v", "a b,c=d"),
        (#"m,t=a\\b v=1 0"#, "m_v", #"a\b"#),  // two backslashes are one
        (#"m,t=a\b v=1 0"#, "m_v", #"a\b"#),  // a backslash before anything else is kept
        (#"m,t=a\\\ b v=1 0"#, "m_v", #"a\ b"#),
        (#"m,t=c:\\dir\\ v=1 0"#, "m_v", #"c:\dir\"#),
        (#"m,t=1 f\ 1=1 0"#, "m_f_1", "1"),
        (#"m,t=1 f\,g\=h=1 0"#, "m_f_g_h", "1"),
    ] as [(String, String, String)])
    func escapes(line: String, metric: String, tag: String) throws {
        let result = parse(line)
        #expect(result.errors.isEmpty, "\(result.errors)")
        let sample = try #require(result.samples.first)
        #expect(sample.labels.metricName == metric)
        #expect(sample.labels["t"] == tag)
    }

    @Test func escapedTagKey() {
        #expect(parse(#"m,ho\ st\=x\,y=1 v=1 0"#).samples.first?.labels == series("m_v", ["ho_st_x_y": "1"]))
    }
}

// MARK: - Timestamps and precision

@Suite struct LineProtocolPrecisionTests {
    @Test(arguments: [
        (InfluxPrecision.nanoseconds, "1500000000123456789", Int64(1_500_000_000_123)),
        (.microseconds, "1500000000123456", 1_500_000_000_123),
        (.milliseconds, "1500000000123", 1_500_000_000_123),
        (.seconds, "1500000000", 1_500_000_000_000),
        (.minutes, "25000000", 1_500_000_000_000),
        (.hours, "416667", 1_500_001_200_000),
        (.nanoseconds, "-1", -1),
        (.nanoseconds, "-1000000", -1),
        (.nanoseconds, "-1000001", -2),
        (.microseconds, "999", 0),
        (.nanoseconds, "9223372036854775807", 9_223_372_036_854),
        (.nanoseconds, "-9223372036854775808", -9_223_372_036_855),
        (.milliseconds, "9223372036854775807", .max),
        (.milliseconds, "-9223372036854775808", .min),
        (.seconds, "9223372036854775", 9_223_372_036_854_775_000),
    ])
    func precisionConvertsToMilliseconds(precision: InfluxPrecision, timestamp: String, expected: Int64) {
        let result = parse("m v=1 \(timestamp)", precision: precision)
        #expect(result.errors.isEmpty)
        #expect(result.samples.map(\.timestamp) == [expected])
    }

    @Test(arguments: [
        (InfluxPrecision.seconds, "9223372036854776"),
        (.seconds, "-9223372036854776"),
        (.minutes, "153722867280913"),
        (.hours, "2562047788016"),
        (.nanoseconds, "9223372036854775808"),
        (.nanoseconds, "-9223372036854775809"),
        (.nanoseconds, "99999999999999999999999"),
    ])
    func timestampsOutOfRangeAreLineErrors(precision: InfluxPrecision, timestamp: String) {
        let error = lineError("m v=1 \(timestamp)", precision: precision)
        #expect(error?.column == 7)
        #expect(error?.reason.contains("out of range") == true)
    }

    @Test func precisionParameter() {
        let expected: [String: InfluxPrecision] = [
            "ns": .nanoseconds, "n": .nanoseconds, "us": .microseconds, "u": .microseconds, "ms": .milliseconds,
            "s": .seconds, "m": .minutes, "h": .hours,
        ]
        for (parameter, precision) in expected { #expect(InfluxPrecision(parameter: parameter) == precision) }
        for bad in ["", "NS", "d", "sec", "1s"] { #expect(InfluxPrecision(parameter: bad) == nil) }
    }
}

// MARK: - Refused lines

@Suite struct LineProtocolErrorTests {
    @Test(arguments: [
        (",host=a v=1", 1, "missing measurement"),
        (" ,host=a v=1", 2, "missing measurement"),
        ("cpu", 4, "missing fields"),
        ("cpu   ", 7, "missing fields"),
        ("cpu,host v=1", 9, "missing '=' after tag key \"host\""),
        ("cpu,host= v=1", 10, "missing value of tag \"host\""),
        ("cpu,=a v=1", 5, "missing tag key"),
        ("cpu, v=1", 5, "missing tag key"),
        ("cpu,a=b=c v=1", 8, "unescaped '='"),
        ("cpu v", 6, "missing '=' after field key \"v\""),
        ("cpu v=", 7, "missing value of field \"v\""),
        ("cpu v=,w=1", 7, "missing value of field \"v\""),
        ("cpu v=1,", 9, "missing field key"),
        ("cpu v=1, w=2", 9, "missing field key"),
        ("cpu =1", 5, "missing field key"),
        ("cpu v=\"abc", 7, "unterminated string"),
        ("cpu v=\"a\"x", 10, "unexpected 'x' after field value"),
        ("cpu v=1 12a", 9, "invalid timestamp \"12a\""),
        ("cpu v=1 1.5", 9, "invalid timestamp"),
        ("cpu v=1 1 extra", 11, "unexpected data after the timestamp"),
        ("cpu v=1x", 7, "invalid field value \"1x\""),
        ("cpu,a=1,a=2 v=1", 9, "tag \"a\" is given twice"),
        ("cpu,a.b=1,a_b=2 v=1", 11, "tag \"a_b\" is given twice"),
        ("cpu,__name__=x v=1", 5, "reserved for the metric name"),
        ("cpu v=1,v=2", 9, "a second field gives metric name \"cpu_v\""),
        ("cpu v.1=1,v_1=2", 11, "a second field gives metric name \"cpu_v_1\""),
    ] as [(String, Int, String)])
    func refusedLines(line: String, column: Int, reason: String) throws {
        let error = try #require(lineError(line))
        #expect(error.line == 1)
        #expect(error.column == column)
        #expect(error.reason.contains(reason), "\(error.reason)")
    }

    @Test func aBadLineDoesNotStopTheOthers() {
        let body = "m v=1 0\nm v=oops 0\nm v=3 0\n\nm,t= v=4 0\nm v=5 0"
        let result = parse(body)
        #expect(result.samples.map(\.value) == [1, 3, 5])
        #expect(result.errors.map(\.line) == [2, 5])
        #expect(result.errors.map(\.column) == [5, 5])
        #expect(result.acceptedLines == 3)
        #expect(result.rejectedLines == 2)
        #expect(result.errors[0].description == "line 2, column 5: invalid field value \"oops\": expected a float, an integer (1i), an unsigned integer (1u), a boolean or a \"string\"")
    }

    @Test func aLaterErrorRefusesTheFieldsBeforeIt() {
        // Nothing of a refused line is stored, not even the fields parsed before the error.
        #expect(parse("m a=1,b=2,c=x 0").samples.isEmpty)
    }

    @Test func invalidUTF8() {
        func error(_ bytes: [UInt8]) -> InfluxLineError? {
            InfluxLineParser.parse(bytes, defaultTimestamp: 0).errors.first
        }
        #expect(error([0xFF] + Array(" v=1".utf8)) == InfluxLineError(line: 1, column: 1, reason: "measurement is not valid UTF-8"))
        #expect(error(Array("m,t=a".utf8) + [0xC3, 0x28] + Array(" v=1".utf8))?.reason == "tag value is not valid UTF-8")
        #expect(error(Array("m,t=a".utf8) + [0xC3, 0x28] + Array(" v=1".utf8))?.column == 6)
        #expect(error(Array("m,".utf8) + [0xED, 0xA0, 0x80] + Array("=a v=1".utf8))?.reason == "tag key is not valid UTF-8")
        #expect(error(Array("m ".utf8) + [0xF8] + Array("=1".utf8))?.reason == "field key is not valid UTF-8")
    }

    @Test func limits() {
        let tight = InfluxOptions(maxLineLength: 24, maxFieldsPerLine: 2, labels: LabelLimits(maxLabels: 3, maxNameLength: 4, maxValueLength: 8))
        #expect(parse("m,abcd=1,b=2 v=1,w=2 0", options: tight).errors.isEmpty)
        #expect(lineError("measurement_is_long v=1 0", options: tight)?.reason == "line is 25 bytes, longer than the limit of 24")
        #expect(lineError("m a=1,b=2,c=3", options: tight)?.reason == "line has more than 2 fields")
        #expect(lineError("m,a=1,b=2,c=3 v=1", options: tight)?.reason == "series would have 4 labels, the limit is 3")
        #expect(lineError("m,abcde=1 v=1", options: tight)?.reason.contains("tag key is 5 bytes") == true)
        #expect(lineError("m,a=123456789 v=1", options: tight)?.reason.contains("is 9 bytes, longer than the limit of 8") == true)
        #expect(lineError("mmmmmm vvvv=1", options: tight)?.reason == "metric name is 11 bytes, longer than the limit of 8")
        // The limit on line length counts the bytes of a line, whatever they hold.
        let result = InfluxLineParser.parse(
            Array("m v=1 0\n\(String(repeating: "x", count: 100))\nm v=2 0".utf8), defaultTimestamp: 0, options: tight)
        #expect(result.samples.map(\.value) == [1, 2])
        #expect(result.errors == [InfluxLineError(line: 2, column: 25, reason: "line is 100 bytes, longer than the limit of 24")])
    }

    @Test func reportedErrorsAreCapped() {
        let result = parse(String(repeating: "bad\n", count: 150) + "m v=1 0")
        #expect(result.rejectedLines == 150)
        #expect(result.errors.count == InfluxLineParser.reportedErrorLimit)
        #expect(result.samples.count == 1)
    }
}

// MARK: - Hostile input

@Suite struct LineProtocolHostileInputTests {
    @Test func everyTruncationParsesTheCompleteLinesBeforeIt() {
        let body = Array(telegraf.utf8)
        let full = InfluxLineParser.parse(body, defaultTimestamp: receivedAt)
        for length in 0...body.count {
            let result = InfluxLineParser.parse(Array(body.prefix(length)), defaultTimestamp: receivedAt)
            // Whatever the cut, the result is a prefix of the full result plus at most one
            // refused or shortened line.
            #expect(result.rejectedLines <= 1)
            let complete = result.samples.prefix { full.samples.contains($0) }
            #expect(Array(full.samples.prefix(complete.count)) == Array(complete))
        }
    }

    @Test(arguments: [5, 6, 7] as [UInt64])
    func randomMutationsNeverCrash(seed: UInt64) {
        var random = SplitMix64(state: seed)
        let body = Array(telegraf.utf8)
        let alphabet = Array(" ,=\\\"\n\r#itufTF-.e0123456789".utf8) + [0xFF, 0xC3]
        for _ in 0..<1_000 {
            var mutated = body
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let i = Int.random(in: 0..<mutated.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: mutated[i] = alphabet.randomElement(using: &random)!
                case 1: mutated.remove(at: i)
                default: mutated.insert(alphabet.randomElement(using: &random)!, at: i)
                }
            }
            let result = InfluxLineParser.parse(mutated, defaultTimestamp: 0)
            #expect(result.acceptedLines + result.rejectedLines <= mutated.count)
        }
    }

    @Test func randomBytesNeverCrash() {
        var random = SplitMix64(state: 77)
        for _ in 0..<2_000 {
            let bytes = (0..<Int.random(in: 0..<80, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            _ = InfluxLineParser.parse(bytes, precision: .hours, defaultTimestamp: 0)
        }
    }

    @Test func pathologicalShapes() {
        let shapes = [
            String(repeating: "\\", count: 1_000),
            String(repeating: ",", count: 1_000),
            "m " + String(repeating: "a=\"", count: 500),
            "m v=" + String(repeating: "9", count: 10_000),
            "m v=1 " + String(repeating: "9", count: 10_000),
            "m," + String(repeating: "a=b,", count: 2_000) + " v=1",
            "m " + (0..<2_000).map { "f\($0)=1" }.joined(separator: ","),
            "\\\n\\\n\"\n",
        ]
        for shape in shapes {
            let result = parse(shape)
            #expect(result.samples.isEmpty || result.errors.isEmpty)
        }
    }
}
