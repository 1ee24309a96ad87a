import Testing
import TSDB
@testable import Alerting

/// A template and what it must expand to, or the error it must give.
struct TemplateCase: Sendable, CustomTestStringConvertible {
    var text: String
    var expected: String
    var testDescription: String { text }

    init(_ text: String, _ expected: String) {
        self.text = text
        self.expected = expected
    }
}

/// Expands `text` as Go's text/template would with Prometheus's functions, under the
/// template name "test" and without the alert definitions, so results compare with
/// Prometheus's own template tests.
private func expand(_ text: String, data: TemplateValue = .invalid, samples: [String: [TemplateSample]] = [:]) -> String {
    do {
        let parsed = try TemplateParser.parse(text, name: "test", functions: TemplateFunctions.names)
        let environment = TemplateEnvironment(
            query: { (query: String) throws(TemplateFunctionError) -> [TemplateSample] in samples[query] ?? [] },
            externalURL: "http://testhost:9090/path/prefix")
        var executor = TemplateExecutor(parsed, functions: TemplateFunctions.all, environment: environment)
        return try executor.execute(data)
    } catch {
        return error.phase == .parse ? "parse: \(error.message)" : "exec: \(error.message)"
    }
}

struct TemplateTests {
    @Test("expands as Prometheus's templates do", arguments: [
        TemplateCase("plain text", "plain text"),
        TemplateCase("{{ 1 }}", "1"),
        TemplateCase("{{ \"<b>\" }}", "<b>"),
        TemplateCase("{{ \"<b>\" | safeHtml }}", "<b>"),
        TemplateCase("{{define \"x\"}}{{.arg0}} {{.arg1}}{{end}}{{template \"x\" (args 1 \"2\")}}", "1 2"),
        TemplateCase("{{ reReplaceAll \"(a)b\" \"x$1\" \"ab\" }}", "xa"),
        TemplateCase("{{ reReplaceAll \"(?P<host>[^:]+):(?P<port>\\\\d+)\" \"${port}@${host}$$\" \"db:9100\" }}", "9100@db$"),
        TemplateCase("{{ reReplaceAll \"a*\" \"-\" \"baaac\" }}", "-b-c-"),
        TemplateCase("{{ range args 0.0 1.0 1234567.0 .12 }}{{ humanize . }}:{{ end }}", "0:1:1.235M:120m:"),
        TemplateCase("{{ range args \"0.0\" \"1.0\" \"1234567.0\" \".12\" }}{{ humanize . }}:{{ end }}", "0:1:1.235M:120m:"),
        TemplateCase("{{ range args 0 -1 1 1234567 9223372036854775807 }}{{ humanize . }}:{{ end }}", "0:-1:1:1.235M:9.223E:"),
        TemplateCase("{{ humanize 0.00123 }} {{ humanize -1234 }} {{ humanize 1e30 }} {{ humanize 1e-30 }}", "1.23m -1.234k 1e+06Y 1e-06y"),
        TemplateCase("{{ range args 0.0 1.0 1048576.0 .12 }}{{ humanize1024 . }}:{{ end }}", "0:1:1Mi:0.12:"),
        TemplateCase("{{ range args 0 -1 1 1234567 9223372036854775807 }}{{ humanize1024 . }}:{{ end }}", "0:-1:1:1.177Mi:8Ei:"),
        TemplateCase(
            "{{ range args 0 1 60 3600 86400 90000 -183845 899.99 }}{{ humanizeDuration . }}:{{ end }}",
            "0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:1d 1h 0m 0s:-2d 3h 4m 5s:14m 59s:"),
        TemplateCase(
            "{{ range args .1 .0001 .12345 60.1 60.5 1.2345 12.345 }}{{ humanizeDuration . }}:{{ end }}",
            "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:"),
        TemplateCase("{{ humanizeDuration 3661 }} {{ humanizeDuration \"0.123\" }}", "1h 1m 1s 123ms"),
        TemplateCase(
            "{{ range args \"+Inf\" \"-Inf\" \"NaN\" }}{{ humanize . }}:{{ humanize1024 . }}:{{ humanizeDuration . }}:{{ humanizeTimestamp . }}:{{ end }}",
            "+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:"),
        TemplateCase(
            "{{ -0.22222 | humanizePercentage }}:{{ 0.0 | humanizePercentage }}:{{ 0.1234567 | humanizePercentage }}:{{ 1.23456 | humanizePercentage }}",
            "-22.22%:0%:12.35%:123.5%"),
        TemplateCase("{{ range args 0 -1 1 1234567 9223372036854775807 }}{{ humanizePercentage . }}:{{ end }}", "0%:-100%:100%:1.235e+08%:9.223e+20%:"),
        TemplateCase(
            "{{ range args 0 -1 1 1234567 9223372036 }}{{ humanizeTimestamp . }}:{{ end }}",
            "1970-01-01 00:00:00 +0000 UTC:1969-12-31 23:59:59 +0000 UTC:1970-01-01 00:00:01 +0000 UTC:1970-01-15 06:56:07 +0000 UTC:2262-04-11 23:47:16 +0000 UTC:"),
        TemplateCase("{{ 1435065584.128 | humanizeTimestamp }}", "2015-06-23 13:19:44.128 +0000 UTC"),
        TemplateCase("{{ \"1435065584.128\" | humanizeTimestamp }}", "2015-06-23 13:19:44.128 +0000 UTC"),
        TemplateCase("{{ \"aa bb CC\" | title }}", "Aa Bb CC"),
        TemplateCase("{{ \"aa bb CC\" | toUpper }} {{ \"aA bB CC\" | toLower }} {{ \"straße\" | toUpper }}", "AA BB CC aa bb cc STRAßE"),
        TemplateCase("{{ title \"hello_world foo-bar\" }}", "Hello_world Foo-Bar"),
        TemplateCase("{{ match \"a+\" \"aa\" }} {{ match \"a+\" \"b\" }}", "true false"),
        TemplateCase("{{ graphLink \"up\" }} {{ tableLink \"rate(x[5m]) > 0\" }}", "/graph?g0.expr=up&g0.tab=0 /graph?g0.expr=rate%28x%5B5m%5D%29+%3E+0&g0.tab=1"),
        TemplateCase("{{ pathPrefix }} {{ externalURL }}", "/path/prefix http://testhost:9090/path/prefix"),
        TemplateCase("{{ printf \"%0.2f\" (parseDuration \"1h2m10ms\") }}", "3720.01"),
        TemplateCase("{{ \"foo.example.com\" | stripPort }}", "foo.example.com"),
        TemplateCase("{{ \"foo.example.com:12345\" | stripPort }}", "foo.example.com"),
        TemplateCase("{{ \"192.0.2.1:12345\" | stripPort }}", "192.0.2.1"),
        TemplateCase("{{ \"2001:0DB8::1\" | stripPort }}", "2001:0DB8::1"),
        TemplateCase("{{ \"[2001:0DB8::1]:12345\" | stripPort }}", "2001:0DB8::1"),
        TemplateCase("{{ \"[2001:0DB8::1]::12345\" | stripPort }}", "[2001:0DB8::1]::12345"),
        TemplateCase("{{ .Foo }}", "<no value>"),
        // Go's built-ins.
        TemplateCase("{{ and 1 0 \"x\" }} {{ and 1 2 }} {{ or 0 \"\" }} {{ or 0 \"x\" 3 }} {{ not 0 }}", "0 2  x true"),
        TemplateCase("{{ eq 1 2 3 1 }} {{ eq \"a\" \"a\" }} {{ ne 1.5 1.5 }} {{ lt \"a\" \"b\" }} {{ le 2 1 }} {{ gt 2.5 1.0 }} {{ ge 1 1 }}", "true true false true false true true"),
        TemplateCase("{{ len \"héllo\" }} {{ len (args 1 2) }} {{ index \"abc\" 1 }} {{ index (args \"x\") \"arg0\" }}", "6 2 98 x"),
        TemplateCase("{{ slice \"hello\" 1 }} {{ slice \"hello\" 1 3 }} {{ slice \"hello\" }}", "ello el hello"),
        TemplateCase("{{ print 1 2 \"a\" \"b\" 3 nil }}|{{ println 1 \"x\" }}|{{ print }}", "1 2ab3 <nil>|1 x\n|"),
        TemplateCase("{{ html \"<a href='x'>&\\\"\" }} {{ js \"a'b\\\"<>\" }} {{ urlquery \"a b&c=d/é\" }}",
                     "&lt;a href=&#39;x&#39;&gt;&amp;&#34; a\\'b\\\"\\u003C\\u003E a+b%26c%3Dd%2F%C3%A9"),
        // Control structures.
        TemplateCase("{{ if 0 }}a{{ else if \"\" }}b{{ else if 1.5 }}c{{ else }}d{{ end }}", "c"),
        TemplateCase("{{ with \"x\" }}{{ . }}{{ else }}none{{ end }}{{ with \"\" }}{{ . }}{{ else }}none{{ end }}", "xnone"),
        TemplateCase("{{ range $i, $v := args \"a\" \"b\" \"c\" }}{{ if eq $v \"b\" }}{{ continue }}{{ end }}{{ $i }}={{ $v }} {{ end }}", "arg0=a arg2=c "),
        TemplateCase("{{ range args 1 2 3 }}{{ if eq . 2 }}{{ break }}{{ end }}{{ . }}{{ end }}", "1"),
        TemplateCase("{{ range $x := args }}x{{ else }}empty{{ end }}", "empty"),
        TemplateCase("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ $y := 3 }}{{ end }}{{ $x }}", "2"),
        TemplateCase("{{- \"  trimmed  \" -}}  \n x {{- /* comment */ -}} y", "  trimmed  xy"),
        TemplateCase("{{ 'a' }} {{ '\\n' }} {{ 0x1F }} {{ 1e2 }} {{ 1_000 }} {{ -0.5 }} {{ 0o17 }} {{ 0b101 }}", "97 10 31 100 1000 -0.5 15 5"),
        TemplateCase("{{ `raw \\n` }}", "raw \\n"),
        TemplateCase("{{ (args 1).arg0 }}", "1"),
        // fmt.
        TemplateCase("{{ printf \"%d|%5d|%-5d|%05d|%+d|%x|%X|%#x|%o|%#o|%b|%c|%q|%U|%#U\" 42 42 42 42 42 255 255 255 8 8 5 65 65 9731 9731 }}",
                     "42|   42|42   |00042|+42|ff|FF|0xff|10|010|101|A|'A'|U+2603|U+2603 '☃'"),
        TemplateCase("{{ printf \"%f|%.2f|%8.3f|%-8.1f|%e|%E|%.3e|%g|%G|%.3g|%v\" 3.14159 3.14159 3.14159 3.14159 1234.5678 1234.5678 1234.5678 0.00001234 1e21 1234.5678 1e6 }}",
                     "3.141590|3.14|   3.142|3.1     |1.234568e+03|1.234568E+03|1.235e+03|1.234e-05|1E+21|1.23e+03|1e+06"),
        TemplateCase("{{ printf \"%s|%10s|%-10s|%.2s|%q|%x|% x|%X\" \"go\" \"go\" \"go\" \"golang\" \"a\\\"b\" \"hi\" \"hi\" \"hi\" }}",
                     "go|        go|go        |go|\"a\\\"b\"|6869|68 69|6869"),
        TemplateCase("{{ printf \"%t|%v|%T|%T|%T|%T\" true false 1 1.5 \"s\" (args) }}", "true|false|int|float64|string|map[string]interface {}"),
        TemplateCase("{{ printf \"%[2]d %[1]d\" 1 2 }}|{{ printf \"%*d|%.*f\" 5 42 2 3.14159 }}", "2 1|   42|3.14"),
        TemplateCase("{{ printf \"%[2]d %[1]d|%*d\" 1 2 5 }}", "2 1| 5"),
        TemplateCase("{{ printf \"%d %s\" \"x\" 1.5 }}", "%!d(string=x) %!s(float64=1.5)"),
        TemplateCase("{{ printf \"%d %d\" 1 }}|{{ printf \"%d\" 1 2 }}|{{ printf \"%\" }}|{{ printf \"%z\" 1 }}", "1 %!d(MISSING)|1%!(EXTRA int=2)|%!(NOVERB)|%!z(int=1)"),
        TemplateCase("{{ printf \"%99999999d\" 1 }}", "%!(NOVERB)%!(EXTRA int=1)"),
        TemplateCase("{{ printf \"%v|%+v|%d\" (args \"a\" 1) (args \"a\") (args \"a\") }}", "map[arg0:a arg1:1]|map[arg0:a]|map[%!d(string=arg0):%!d(string=a)]"),
        TemplateCase("{{ printf \"%.1f|%.0f|%.0f|%.2f\" 0.05 0.5 1.5 2.675 }}", "0.1|0|2|2.67"),
        TemplateCase("{{ printf \"%v %v %v %v %v\" 100000.0 1000000.0 0.0001 0.00001 -0.0 }}", "100000 1e+06 0.0001 1e-05 -0"),
        TemplateCase("{{ printf \"%6.2f|%-8v|%08.3f|%+.1e|% d\" -1.5 \"x\" -3.14159 12345.678 5 }}", " -1.50|x       |-003.142|+1.2e+04| 5"),
        TemplateCase("{{ printf \"%v %.2f %5v\" (1.0 | humanize) -0.0 \"NaN\" }}", "1 -0.00   NaN"),
    ])
    func expands(_ test: TemplateCase) {
        #expect(expand(test.text) == test.expected)
    }

    @Test("reports errors as Go does", arguments: [
        // Parse errors.
        TemplateCase("{{", "parse: template: test:1: unclosed action"),
        TemplateCase("{{\u{A0}}}", "parse: template: test:1: unrecognized character in action: U+00A0"),
        TemplateCase("{{ }}", "parse: template: test:1: missing value for command"),
        TemplateCase("{{ foo }}", "parse: template: test:1: function \"foo\" not defined"),
        TemplateCase("{{ $x }}", "parse: template: test:1: undefined variable \"$x\""),
        TemplateCase("{{ end }}", "parse: template: test:1: unexpected {{end}}"),
        TemplateCase("{{ else }}", "parse: template: test:1: unexpected {{else}}"),
        TemplateCase("{{ if true }}", "parse: template: test:1: unexpected EOF"),
        TemplateCase("{{ if }}{{ end }}", "parse: template: test:1: missing value for if"),
        TemplateCase("{{ range }}{{ end }}", "parse: template: test:1: missing value for range"),
        TemplateCase("{{ ) }}", "parse: template: test:1: unexpected \")\" in command"),
        TemplateCase("{{ ( }}", "parse: template: test:1: unclosed left paren"),
        TemplateCase("{{ \"abc }}", "parse: template: test:1: unterminated quoted string"),
        TemplateCase("{{ `abc }}", "parse: template: test:1: unterminated raw quoted string"),
        TemplateCase("{{ 'ab' }}", "parse: template: test:1: malformed character constant: 'ab'"),
        TemplateCase("{{ '' }}", "parse: template: test:1: invalid syntax"),
        TemplateCase("{{ 1x }}", "parse: template: test:1: bad number syntax: \"1x\""),
        TemplateCase("{{ 99999999999999999999 }}", "parse: template: test:1: integer overflow: \"99999999999999999999\""),
        TemplateCase("{{ .a# }}", "parse: template: test:1: bad character U+0023 '#'"),
        TemplateCase("{{ . | 1 }}", "parse: template: test:1: non executable command in pipeline stage 2"),
        TemplateCase("{{ 1.a }}", "parse: template: test:1: bad number syntax: \"1.a\""),
        TemplateCase("{{ \"x\".a }}", "parse: template: test:1: unexpected . after term \"\\\"x\\\"\""),
        TemplateCase("{{ break }}", "parse: template: test:1: {{break}} outside {{range}}"),
        TemplateCase("{{ range . }}{{ continue 1 }}{{ end }}", "parse: template: test:1: unexpected \"1\" in {{continue}}"),
        TemplateCase("{{ range $a, $b, $c := . }}{{ end }}", "parse: template: test:1: too many declarations in range"),
        TemplateCase("{{ $a, $b := 1 }}", "parse: template: test:1: too many declarations in command"),
        TemplateCase("{{/* never closed", "parse: template: test:1: unclosed comment"),
        TemplateCase("{{/* a */ x }}", "parse: template: test:1: comment ends before closing delimiter"),
        TemplateCase("{{ 1 := 2 }}", "parse: template: test:1: unexpected \":=\" in operand"),
        TemplateCase("{{ 1+2i }}", "parse: template: test:1: complex constants are not supported: \"1+2i\""),
        TemplateCase("{{define \"x\"}}a{{end}}{{define \"x\"}}b{{end}}", "parse: template: test:1: template: multiple definition of template \"x\""),
        TemplateCase("line one\n{{ if 1 }}\nline three\n{{ foo }}", "parse: template: test:4: function \"foo\" not defined"),
        TemplateCase("{{ \"a\"\n + }}", "parse: template: test:2: illegal number syntax: \"+\""),
        TemplateCase("{{ printf \"x\"\n\n", "parse: template: test:3: unclosed action started at test:1"),
        // Execution errors.
        TemplateCase("{{ query \"missing\" | first }}",
                     "exec: template: test:1:21: executing \"test\" at <first>: error calling first: first() called on vector with no elements"),
        TemplateCase("{{ (query \"missing\").banana }}",
                     "exec: template: test:1:10: executing \"test\" at <\"missing\">: can't evaluate field banana in type template.queryResult"),
        TemplateCase("{{ humanize \"one\" }}",
                     "exec: template: test:1:3: executing \"test\" at <humanize \"one\">: error calling humanize: strconv.ParseFloat: parsing \"one\": invalid syntax"),
        TemplateCase("{{ \"one\" | humanizePercentage }}",
                     "exec: template: test:1:11: executing \"test\" at <humanizePercentage>: error calling humanizePercentage: strconv.ParseFloat: parsing \"one\": invalid syntax"),
        TemplateCase("{{ humanize true }}",
                     "exec: template: test:1:3: executing \"test\" at <humanize true>: error calling humanize: can't convert bool to float"),
        TemplateCase("{{ humanize \"1e999\" }}",
                     "exec: template: test:1:3: executing \"test\" at <humanize \"1e999\">: error calling humanize: strconv.ParseFloat: parsing \"1e999\": value out of range"),
        TemplateCase("{{ humanizeTimestamp -9223372036854775807 }}",
                     "exec: template: test:1:3: executing \"test\" at <humanizeTimestamp -9223372036854775807>: error calling humanizeTimestamp: -9.223372036854776e+18 cannot be represented as a nanoseconds timestamp since it overflows int64"),
        TemplateCase("{{ humanize }}", "exec: template: test:1:3: executing \"test\" at <humanize>: wrong number of args for humanize: want 1 got 0"),
        TemplateCase("{{ toUpper 1 }}", "exec: template: test:1:11: executing \"test\" at <1>: expected string; found 1"),
        TemplateCase("{{ 1.5 | toUpper }}", "exec: template: test:1:9: executing \"test\" at <toUpper>: wrong type for value; expected string; got float64"),
        TemplateCase("{{ toUpper .Missing }}", "exec: template: test:1:11: executing \"test\" at <.Missing>: invalid value; expected string"),
        TemplateCase("{{ gt 1.5 1 }}", "exec: template: test:1:3: executing \"test\" at <gt 1.5 1>: error calling gt: incompatible types for comparison"),
        TemplateCase("{{ lt true false }}", "exec: template: test:1:3: executing \"test\" at <lt true false>: error calling lt: invalid type for comparison"),
        TemplateCase("{{ eq (args) 1 }}", "exec: template: test:1:3: executing \"test\" at <eq (args) 1>: error calling eq: uncomparable type map[string]interface {}: map[]"),
        TemplateCase("{{ eq 1 }}", "exec: template: test:1:3: executing \"test\" at <eq 1>: error calling eq: missing argument for comparison"),
        TemplateCase("{{ index \"abc\" 5 }}", "exec: template: test:1:3: executing \"test\" at <index \"abc\" 5>: error calling index: index out of range: 5"),
        TemplateCase("{{ index 1 1 }}", "exec: template: test:1:3: executing \"test\" at <index 1 1>: error calling index: can't index item of type int"),
        TemplateCase("{{ len 3 }}", "exec: template: test:1:3: executing \"test\" at <len 3>: error calling len: len of type int"),
        TemplateCase("{{ range 3 }}{{ end }}", "exec: template: test:1:9: executing \"test\" at <3>: range can't iterate over 3"),
        TemplateCase("{{ nil }}", "exec: template: test:1:3: executing \"test\" at <nil>: nil is not a command"),
        TemplateCase("{{ 1 2 }}", "exec: template: test:1:3: executing \"test\" at <1>: can't give argument to non-function 1"),
        TemplateCase("{{ reReplaceAll \"(\" \"\" \"x\" }}", "exec: template: test:1:3: executing \"test\" at <reReplaceAll \"(\" \"\" \"x\">: error calling reReplaceAll: regexp: Compile(`(`): "),
        TemplateCase("{{ template \"nope\" }}", "exec: template: test:1:12: executing \"test\" at <{{template \"nope\"}}>: template \"nope\" not defined"),
        TemplateCase("{{ label \"x\" nil }}", "exec: template: test:1:3: executing \"test\" at <label \"x\" nil>: error calling label: runtime error: invalid memory address or nil pointer dereference"),
        TemplateCase("{{ query \"x\" }}", "exec: template: test:1:3: executing \"test\" at <query \"x\">: error calling query: no query function is available here"),
    ])
    func reportsErrors(_ test: TemplateCase) {
        let result = test.text == "{{ query \"x\" }}" ? expandWithoutQuery(test.text) : expand(test.text)
        if test.expected.hasSuffix("): ") {
            #expect(result.hasPrefix(test.expected), "\(result)")
        } else {
            #expect(result == test.expected)
        }
    }

    private func expandWithoutQuery(_ text: String) -> String {
        do {
            let parsed = try TemplateParser.parse(text, name: "test", functions: TemplateFunctions.names)
            var executor = TemplateExecutor(parsed, functions: TemplateFunctions.all, environment: TemplateEnvironment())
            return try executor.execute(.invalid)
        } catch {
            return "exec: \(error.message)"
        }
    }

    @Test func queryResultsAreSamples() {
        let samples = [
            "metric": [
                TemplateSample(labels: ["__name__": "metric", "instance": "b"], value: 21),
                TemplateSample(labels: ["__name__": "metric", "instance": "a"], value: 11),
            ],
            "strvalue": [TemplateSample(labels: ["__value__": "text"], value: 0)],
        ]
        #expect(expand("{{ range query \"metric\" | sortByLabel \"instance\" }}{{.Labels.instance}}:{{.Value}}: {{end}}", samples: samples) == "a:11: b:21: ")
        #expect(expand("{{ query \"metric\" | first | value }} {{ query \"metric\" | first | label \"instance\" }}", samples: samples) == "21 b")
        #expect(expand("{{ $x := query \"metric\" | first }}{{ $x.Labels.foo }}", samples: samples) == "")
        #expect(expand("{{ query \"strvalue\" | first | strvalue }}", samples: samples) == "text")
        #expect(expand("{{ query \"metric\" | first }}", samples: samples) == "{map[__name__:metric instance:b] 21}")
        #expect(expand("{{ len (query \"metric\") }} {{ index (query \"metric\") 1 | value }}", samples: samples) == "2 11")
    }

    // MARK: - Alert templates

    private let labels = Labels(["__name__": "node_load1", "instance": "db-1:9100", "job": "node"])

    @Test func alertTemplatesSeeLabelsValueAndExternals() throws {
        let template = try AlertTemplate(
            "{{ $labels.instance }} {{ .Labels.job }} {{ $value }} {{ $externalLabels.env }} {{ $externalURL }} {{ pathPrefix }}",
            name: "__alert_Load")
        let text = try template.expand(
            labels: labels, externalLabels: Labels(["env": "prod"]), value: 0.5, externalURL: "https://p.example/prom")
        #expect(text == "db-1:9100 node 0.5 prod https://p.example/prom /prom")
    }

    @Test func textWithoutActionsIsItself() throws {
        let template = try AlertTemplate("Disk {{ nearly }} full".replacingAction(), name: "__alert_X")
        #expect(try template.expand(labels: labels, value: 1) == "Disk nearly full")
    }

    @Test func executionErrorsCountTheDefinitionsLikePrometheus() throws {
        let template = try AlertTemplate("Load {{ humanize \"abc\" }}", name: "__alert_Load")
        #expect(throws: TemplateError.self) { try template.expand(labels: labels, value: 1) }
        let placeholder = template.expandOrPlaceholder(labels: labels, value: 1)
        #expect(placeholder == "<error expanding template: error executing template __alert_Load: template: __alert_Load:1:120: "
            + "executing \"__alert_Load\" at <humanize \"abc\">: error calling humanize: strconv.ParseFloat: parsing \"abc\": invalid syntax>")
    }

    @Test func parseErrorsNameTheTemplate() {
        do {
            _ = try AlertTemplate("{{ humanise $value }}", name: "__alert_Load")
            Issue.record("expected a parse error")
        } catch {
            #expect(error.phase == .parse)
            #expect(error.message == "template: __alert_Load:1: function \"humanise\" not defined")
            #expect(error.expanderMessage == "error parsing template __alert_Load: template: __alert_Load:1: function \"humanise\" not defined")
        }
    }

    @Test func definitionsCannotBeRedeclaredAwayButCanBeShadowed() throws {
        let template = try AlertTemplate("{{ $value := 2 }}{{ $value }} {{ $labels = 1 }}{{ $labels }}", name: "__alert_X")
        #expect(try template.expand(labels: labels, value: 1) == "2 1")
    }

    // MARK: - Hostile templates

    @Test("fails cleanly on hostile templates", arguments: [
        TemplateCase(String(repeating: "{{ if 1 }}", count: 5000) + String(repeating: "{{ end }}", count: 5000), "max expression depth exceeded"),
        TemplateCase("{{ " + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000) + " }}", "max expression depth exceeded"),
        TemplateCase(String(repeating: "{{ range $labels }}", count: 50) + "x" + String(repeating: "{{ end }}", count: 50), "exceeded"),
        TemplateCase("{{ printf \"%999999d%999999d\" 1 1 }}", "exceeds"),
        TemplateCase("{{ printf \"%.999999f%.999999f\" 1.0 1.0 }}", "exceeds"),
        TemplateCase("{{ define \"a\" }}{{ template \"a\" . }}{{ end }}{{ template \"a\" . }}", "exceeded maximum template depth"),
        TemplateCase("{{ $x := printf \"%900000s\" \"\" }}{{ $y := printf \"%s%s\" $x $x }}{{ $y }}", "exceeds"),
        TemplateCase("{{ reReplaceAll \"\" \"0123456789\" (printf \"%200000s\" \"\") }}", "exceeds"),
        TemplateCase("{{ .}}{{ .Labels.a.b.c }}", "can't evaluate field b in type string"),
        TemplateCase("{{ {{ }} }}", "unexpected \"{\" in command"),
        TemplateCase("{{ \u{0} }}", "unrecognized character in action: U+0000"),
        TemplateCase("}}{{ `\u{1}` }}", ""),
        TemplateCase("{{ printf \"%[9999999999999]d %[0]d %[-1]d\" 1 }}", ""),
        TemplateCase("{{ printf \"%.*d|%*d\" 99999999999 1 -3 2 }}", ""),
        TemplateCase("{{ slice \"abc\" 2 1 }}", "invalid slice index: 2 > 1"),
        TemplateCase("{{ humanizeDuration 1e300 }} {{ humanize 1e308 }} {{ humanize1024 -1e308 }} {{ humanizePercentage 1e308 }}", ""),
    ])
    func hostile(_ test: TemplateCase) {
        let labels = Labels((0..<10).map { Label("l\($0)", "v") })
        let result: String
        do {
            let template = try AlertTemplate(test.text, name: "__alert_Hostile")
            result = (try? template.expand(labels: labels, value: 1)) ?? template.expandOrPlaceholder(labels: labels, value: 1)
        } catch {
            result = error.message
        }
        let bounded = result.utf8.count <= TemplateExecutor.maxOutput + 200
        let found = result.contains(test.expected)
        #expect(bounded, "\(result.utf8.count) bytes")
        #expect(found, "\(result.prefix(300))")
    }
}

extension String {
    /// Test helper: a text without template actions.
    fileprivate func replacingAction() -> String {
        replacing("{{ nearly }}", with: "nearly")
    }
}
