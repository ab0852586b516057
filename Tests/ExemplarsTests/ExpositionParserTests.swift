import Foundation
import Testing

@testable import Exemplars

@Suite struct FixtureExpositionTests {
    struct Expected: Decodable {
        struct Family: Decodable { var name: String; var type: String }
        struct Item: Decodable {
            var metric: String
            var series: [String: String]
            var labels: [String: String]
            var value: Double
            var timestamp_ms: Int64?
        }
        var sample_count: Int
        var families: [Family]
        var exemplars: [Item]
    }

    struct Span: Decodable {
        var trace_id: String
        var span_id: String
    }

    static func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: FixturePath.expectedExemplars))
    }

    /// The expected values were produced by prometheus_client's OpenMetrics parser
    /// (Fixtures/generate_expected.py), not by this code.
    @Test func exemplarsMatchPythonParser() throws {
        let expected = try Self.expected()
        let bytes = try FixturePath.bytes(FixturePath.metrics)
        let exemplars = try ExpositionParser(format: .openMetrics).exemplars(in: bytes, defaultTimestamp: 0)
        #expect(expected.exemplars.count == 11)
        try #require(exemplars.count == expected.exemplars.count)
        for (got, want) in zip(exemplars, expected.exemplars) {
            #expect(got.metricName == want.metric)
            var series = want.series
            series["__name__"] = want.metric
            #expect(got.series == LabelSet(series.map { Label(name: $0.key, value: $0.value) }))
            #expect(got.labels == LabelSet(want.labels.map { Label(name: $0.key, value: $0.value) }))
            #expect(got.value == want.value)
            #expect(got.timestamp == want.timestamp_ms)
            #expect(got.hasExplicitTimestamp)
            #expect(got.traceID?.hexString == want.labels["trace_id"])
            #expect(got.spanID?.hexString == want.labels["span_id"])
            #expect(got.profileID == nil)
            #expect(!got.exceedsLabelLimit)
        }
    }

    @Test func samplesAndFamiliesMatchPythonParser() throws {
        let expected = try Self.expected()
        let all = try ExpositionParser(format: .openMetrics).samples(in: FixturePath.bytes(FixturePath.metrics))
        #expect(all.count == expected.sample_count)
        var families: [String] = []
        for sample in all where families.last != sample.family { families.append(sample.family) }
        #expect(families == expected.families.map(\.name))
        #expect(Set(all.map(\.type.rawValue)) == Set(expected.families.map(\.type)))
        #expect(all.compactMap(\.exemplar).count == expected.exemplars.count)
    }

    /// Every exemplar names a span that the instrumented program recorded (spans.json).
    @Test func exemplarIDsNameRecordedSpans() throws {
        let spans = try JSONDecoder().decode([Span].self, from: Data(contentsOf: FixturePath.spans))
        let recorded = Set(spans.map { $0.trace_id + "/" + $0.span_id })
        let exemplars = try ExpositionParser(format: .openMetrics)
            .exemplars(in: FixturePath.bytes(FixturePath.metrics), defaultTimestamp: 0)
        #expect(!exemplars.isEmpty)
        for exemplar in exemplars {
            let traceID = try #require(exemplar.traceID)
            let spanID = try #require(exemplar.spanID)
            #expect(recorded.contains(traceID.hexString + "/" + spanID.hexString))
        }
    }

    /// Line 4 of the fixture, checked by hand.
    @Test func fourthLineByHand() throws {
        let all = try ExpositionParser(format: .openMetrics).samples(in: FixturePath.bytes(FixturePath.metrics))
        let first = all[0]
        #expect(first.family == "http_server_request_duration_seconds")
        #expect(first.type == .histogram)
        #expect(first.metricName == "http_server_request_duration_seconds_bucket")
        #expect(first.series["le"] == "0.0005")
        #expect(first.series["route"] == "/checkout")
        #expect(first.series.map(\.name) == ["__name__", "le", "method", "route", "service"])
        #expect(first.value == 268)
        #expect(first.timestamp == nil)
        let exemplar = try #require(first.exemplar)
        #expect(exemplar.value == 0.000211966)
        #expect(exemplar.timestamp == 1_795_442_837_848)
        let stored = try #require(first.storedExemplar(defaultTimestamp: 0))
        #expect(stored.traceID == TraceID(high: 0xca75_fe17_b0f7_abd1, low: 0x2010_a67c_aae0_6857))
        #expect(stored.spanID == SpanID(0xe6a7_c4fa_f461_cf65))
        // The +Inf bucket of /checkout (line 12) has no exemplar; _sum (line 13) keeps all digits.
        #expect(all[8].series["le"] == "+Inf" && all[8].exemplar == nil)
        #expect(all[9].metricName == "http_server_request_duration_seconds_sum")
        #expect(all[9].value == 1.2835570600000001)
        #expect(all[10].metricName == "http_server_request_duration_seconds_count")
    }
}

@Suite struct OpenMetricsTextTests {
    @Test func exemplarOnCounterWithoutTimestampUsesDefault() throws {
        let text = """
            # TYPE requests counter
            # HELP requests Requests served.
            requests_total{path="/a"} 10 1700000000.5 # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736"} 1
            requests_total{path="/b"} 11 # {span_id="00f067aa0ba902b7"} 2
            requests_created{path="/a"} 1700000000
            # EOF

            """
        let exemplars = try ExpositionParser(format: .openMetrics)
            .exemplars(in: Array(text.utf8), defaultTimestamp: 42)
        #expect(exemplars.count == 2)
        #expect(exemplars[0].timestamp == 42 && !exemplars[0].hasExplicitTimestamp)
        #expect(exemplars[0].traceID?.hexString == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(exemplars[0].series.metricName == "requests_total")
        // An exemplar without a trace id is kept.
        #expect(exemplars[1].traceID == nil)
        #expect(exemplars[1].spanID?.hexString == "00f067aa0ba902b7")
        let all = try samples(text)
        #expect(all.map(\.family) == ["requests", "requests", "requests"])
        #expect(all[0].timestamp == 1_700_000_000_500)
    }

    @Test func labelEscapesAndSpecialNumbers() throws {
        let text = #"""
            # TYPE g gauge
            g{a="back\\slash",b="quo\"te",c="new\nline",d="é"} +Inf
            g{a="2"} -inf
            g{a="3"} NaN
            g{a="4"} nan
            g{a="5"} -Infinity
            g{a="6"} 1.5e3
            g{a="7"} .5
            g{a="8"} -0.000211966
            g{a="9"} 123456789012345678
            # EOF
            """#
        let all = try samples(text)
        #expect(all[0].series["a"] == #"back\slash"#)
        #expect(all[0].series["b"] == #"quo"te"#)
        #expect(all[0].series["c"] == "new\nline")
        #expect(all[0].series["d"] == "é")
        #expect(all[0].value == .infinity)
        #expect(all[1].value == -.infinity)
        #expect(all[2].value.isNaN && all[3].value.isNaN)
        #expect(all[4].value == -.infinity)
        #expect(all[5].value == 1500)
        #expect(all[6].value == 0.5)
        #expect(all[7].value == -0.000211966)
        #expect(all[8].value == Double("123456789012345678"))
    }

    @Test func exemplarOnGaugeHistogramBucket() throws {
        let text = """
            # TYPE queue gaugehistogram
            queue_bucket{le="1"} 2 # {traceID="4bf92f3577b34da6a3ce929d0e0e4736",spanID="00f067aa0ba902b7"} 0.5 1.25
            queue_bucket{le="+Inf"} 3
            queue_gcount 3
            queue_gsum 4
            # EOF
            """
        let exemplars = try ExpositionParser(format: .openMetrics).exemplars(in: Array(text.utf8), defaultTimestamp: 0)
        #expect(exemplars.count == 1)
        #expect(exemplars[0].timestamp == 1250)
        #expect(exemplars[0].traceID != nil && exemplars[0].spanID != nil)
        #expect(try samples(text).allSatisfy { $0.type == .gaugehistogram })
    }

    @Test func typesAndFamilies() throws {
        let text = """
            # TYPE a info
            a_info{version="1"} 1
            # TYPE s stateset
            s{s="on"} 1
            # TYPE q summary
            q{quantile="0.5"} 1
            q_sum 2
            q_count 3
            untyped_thing 4
            # EOF
            """
        let all = try samples(text)
        #expect(all.map(\.type) == [.info, .stateset, .summary, .summary, .summary, .unknown])
        #expect(all.map(\.family) == ["a", "s", "q", "q", "q", "untyped_thing"])
    }

    @Test func longExemplarLabelsAreKeptAndFlagged() throws {
        let padding = String(repeating: "x", count: 100)
        let text = """
            # TYPE c counter
            c_total 1 # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736",span_id="00f067aa0ba902b7",note="\(padding)"} 1
            # EOF
            """
        let exemplars = try ExpositionParser(format: .openMetrics).exemplars(in: Array(text.utf8), defaultTimestamp: 0)
        #expect(exemplars.count == 1)
        #expect(exemplars[0].exceedsLabelLimit)
        #expect(exemplars[0].traceID?.hexString == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(exemplars[0].spanID?.hexString == "00f067aa0ba902b7")
    }

    @Test func eofWithoutFinalNewlineIsAccepted() throws {
        #expect(try samples("a 1\n# EOF").count == 1)
        #expect(try samples("# EOF\n").isEmpty)
    }
}

@Suite struct PrometheusTextTests {
    @Test func commentsBlankLinesTabsAndTrailingCommas() throws {
        let text =
            "# HELP http_requests_total The total number of HTTP requests.\n"
            + "# TYPE http_requests_total counter\n"
            + "http_requests_total{method=\"post\",code=\"200\",} 1027 1395066363000\n"
            + "http_requests_total{ method = \"post\" , code=\"400\" }    3   1395066363000\n"
            + "\n"
            + "# A free-form comment, ignored.\n"
            + "#\n"
            + "\tmetric_without_timestamp_and_labels\t12.47\n"
            + "something_weird{problem=\"division by zero\"} +Inf -3982045\n"
            + "   \n"
            + "# HELP rpc_duration_seconds A summary.\n"
            + "# TYPE rpc_duration_seconds summary\n"
            + "rpc_duration_seconds{quantile=\"0.01\"} 3102\n"
            + "rpc_duration_seconds_sum 1.7560473e+07\n"
            + "rpc_duration_seconds_count 2693\n"
            + "# TYPE h histogram\n"
            + "h_bucket{le=\"+Inf\"} 3\n"
            + "# TYPE u untyped\n"
            + "u 1"
        let all = try samples(text, format: .prometheusText)
        #expect(all.count == 9)
        #expect(all[0].family == "http_requests_total" && all[0].type == .counter)
        #expect(all[0].series["code"] == "200" && all[0].timestamp == 1_395_066_363_000)
        #expect(all[1].series["code"] == "400" && all[1].value == 3)
        #expect(all[2].metricName == "metric_without_timestamp_and_labels")
        #expect(all[2].value == 12.47 && all[2].type == .unknown)
        #expect(all[3].value == .infinity && all[3].timestamp == -3_982_045)
        #expect(all[4].type == .summary && all[5].family == "rpc_duration_seconds")
        #expect(all[5].value == 1.7560473e+07)
        #expect(all[7].family == "h" && all[7].type == .histogram)
        #expect(all[8].type == .unknown && all[8].value == 1)
        #expect(try ExpositionParser(format: .prometheusText).exemplars(in: Array(text.utf8), defaultTimestamp: 0).isEmpty)
    }

    @Test func emptyBodyIsValid() throws {
        #expect(try samples("", format: .prometheusText).isEmpty)
        #expect(expositionError("", format: .openMetrics)?.code == .missingEOF)
    }
}

@Suite struct MalformedExpositionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var text: String
        var format: ExpositionFormat = .openMetrics
        var line: Int
        var column: Int
        var code: ExpositionError.Code = .syntax
        var reason: String
        var testDescription: String { "\(format) line \(line) column \(column): \(reason)" }
    }

    static let cases: [Case] = [
        Case(text: "# TYPE foo counter\nfoo_total{a=\"1\" 1\n# EOF\n", line: 2, column: 16,
             reason: "expected ',' or '}' after label value, found a blank"),
        Case(text: "# TYPE foo counter\nfoo_total{a\"1\"} 1\n# EOF\n", line: 2, column: 12,
             reason: "expected '=' after label name"),
        Case(text: "# TYPE foo counter\nfoo_total 1\n", line: 3, column: 1, code: .missingEOF,
             reason: "missing '# EOF' at the end of the exposition"),
        Case(text: "# TYPE g gauge\ng 1 # {trace_id=\"ab\"} 1\n# EOF\n", line: 2, column: 5,
             code: .exemplarNotAllowed,
             reason: "exemplars are only allowed on counter '_total' and histogram '_bucket' samples"),
        Case(text: "# TYPE h histogram\nh_sum 1 # {trace_id=\"ab\"} 1\n# EOF\n", line: 2, column: 9,
             code: .exemplarNotAllowed,
             reason: "exemplars are only allowed on counter '_total' and histogram '_bucket' samples"),
        Case(text: "foo 1\n\nbar 1\n# EOF\n", line: 2, column: 1,
             reason: "empty line; OpenMetrics does not allow blank lines"),
        Case(text: "foo 1\r\n# EOF\n", line: 1, column: 6, reason: "carriage return: lines must end in LF only"),
        Case(text: "# EOF\nfoo 1\n", line: 2, column: 1, reason: "unexpected text after '# EOF'"),
        Case(text: "foo abc\n# EOF\n", line: 1, column: 5, reason: "invalid number 'abc'"),
        Case(text: "foo 1 1e\n# EOF\n", line: 1, column: 7,
             reason: "invalid timestamp '1e' (expected seconds since the epoch)"),
        Case(text: "foo{a=\"x\\t\"} 1\n# EOF\n", line: 1, column: 9,
             reason: #"invalid escape sequence in label value (only \\, \" and \n)"#),
        Case(text: "foo{a=\"1\",a=\"2\"} 1\n# EOF\n", line: 1, column: 11, code: .duplicateLabel,
             reason: "label 'a' appears twice"),
        Case(text: "foo{a=\"é\",b} 1\n# EOF\n", line: 1, column: 12, reason: "expected '=' after label name"),
        Case(text: "foo{a=\"1\",} 1\n# EOF\n", line: 1, column: 11, reason: "expected a label name, found '}'"),
        Case(text: "foo\t1\n# EOF\n", line: 1, column: 4, reason: "expected a space before the value, found a blank"),
        Case(text: "foo{a=\"1\n# EOF\n", line: 1, column: 9,
             reason: "unterminated label value (the line ends inside quotes)"),
        Case(text: "# TYPE a counter\n# TYPE a counter\n# EOF\n", line: 2, column: 1, code: .invalidMetadata,
             reason: "second TYPE line for 'a'"),
        Case(text: "# TYPE a counter\na_total 1\n# HELP a Late.\n# EOF\n", line: 3, column: 1,
             code: .invalidMetadata, reason: "metadata for 'a' after its samples"),
        Case(text: "# TYPE a counter\na_total 1\n# TYPE b gauge\nb 1\n# TYPE a counter\na_total 2\n# EOF\n",
             line: 5, column: 1, code: .invalidMetadata,
             reason: "metric family 'a' repeats or clashes with the earlier name 'a_total'; families must be contiguous"),
        Case(text: "# TYPE a foo\n# EOF\n", line: 1, column: 10, code: .invalidMetadata,
             reason: "unknown metric type 'foo'"),
        Case(text: "# TYPE a untyped\n# EOF\n", line: 1, column: 10, code: .invalidMetadata,
             reason: "unknown metric type 'untyped'"),
        Case(text: "# TYPE a_seconds gauge\n# UNIT a_seconds bytes\n# EOF\n", line: 2, column: 18,
             code: .invalidMetadata, reason: "unit does not match the end of the metric name"),
        Case(text: "# a comment\n# EOF\n", line: 1, column: 3, reason: "expected TYPE, HELP, UNIT or EOF after '# '"),
        Case(text: "# TYPE c counter\nc_total 1 # {a=\"1\"}\n# EOF\n", line: 2, column: 20,
             reason: "expected a space before the exemplar's value"),
        Case(text: "# TYPE c counter\nc_total 1 # {a=\"1\",a=\"2\"} 1\n# EOF\n", line: 2, column: 20,
             code: .duplicateLabel, reason: "label 'a' appears twice in the exemplar"),
        Case(text: "{a=\"1\"} 1\n# EOF\n", line: 1, column: 1, reason: "expected a metric name"),
        Case(text: "foo{__name__=\"bar\"} 1\n# EOF\n", line: 1, column: 5, code: .duplicateLabel,
             reason: "label '__name__' repeats the metric name"),
        // Prometheus 0.0.4
        Case(text: "foo_total 1 # {a=\"b\"} 1\n", format: .prometheusText, line: 1, column: 13,
             code: .exemplarNotAllowed, reason: "exemplars are not allowed in the Prometheus 0.0.4 text format"),
        Case(text: "ok 1\n\nfoo 1 1.5\n", format: .prometheusText, line: 3, column: 7,
             reason: "invalid timestamp '1.5' (expected integer milliseconds)"),
        Case(text: "# TYPE x counter\nx 1\n# TYPE x counter\n", format: .prometheusText, line: 3, column: 1,
             code: .invalidMetadata, reason: "metadata for 'x' after its samples"),
        Case(text: "# TYPE x gauge\n# TYPE x gauge\n", format: .prometheusText, line: 2, column: 1,
             code: .invalidMetadata, reason: "second TYPE line for 'x'"),
        Case(text: "# TYPE x bogus\n", format: .prometheusText, line: 1, column: 10, code: .invalidMetadata,
             reason: "unknown metric type 'bogus'"),
        Case(text: "x{a=\"1\" b=\"2\"} 1\n", format: .prometheusText, line: 1, column: 9,
             reason: "expected ',' or '}' after label value, found 'b=\"2\"}'"),
        Case(text: "x 1 2 3\n", format: .prometheusText, line: 1, column: 7,
             reason: "expected the end of the line, found '3'"),
        Case(text: "x\n", format: .prometheusText, line: 1, column: 2,
             reason: "expected a blank before the value, found the end of the line"),
    ]

    @Test(arguments: cases)
    func namesLineAndColumn(_ test: Case) throws {
        let error = try #require(expositionError(test.text, format: test.format))
        #expect(error.line == test.line)
        #expect(error.column == test.column)
        #expect(error.code == test.code)
        #expect(error.reason == test.reason)
        #expect(error.description == "line \(test.line), column \(test.column): \(test.reason)")
    }

    @Test func invalidUTF8InLabelValue() throws {
        let bytes = Array("foo{a=\"".utf8) + [0xC3, 0x28] + Array("\"} 1\n# EOF\n".utf8)
        let error = try #require(expositionError(bytes))
        #expect(error.code == .invalidUTF8)
        #expect((error.line, error.column) == (1, 8))
    }

    @Test func limitsNameTheirLine() throws {
        var limits = ExemplarLimits.default
        limits.maxSeriesPerRequest = 2
        let tooMany = try #require(expositionError("a 1\nb 1\nc 1\n# EOF\n", limits: limits))
        #expect(tooMany.code == .tooManySeries && tooMany.isLimitViolation)
        #expect((tooMany.line, tooMany.column) == (3, 1))

        limits = .default
        limits.maxLabelValueLength = 3
        let longValue = try #require(expositionError("foo{a=\"abcd\"} 1\n# EOF\n", limits: limits))
        #expect(longValue.code == .labelValueTooLong)
        #expect(longValue.description == "line 1, column 8: value of label 'a' longer than 3 bytes")
        // The limit counts unescaped bytes: \" is one byte.
        #expect(expositionError(#"foo{a="a\"b"} 1"# + "\n# EOF\n", limits: limits) == nil)

        limits = .default
        limits.maxLabelsPerSeries = 2
        let manyLabels = try #require(expositionError("foo{a=\"1\",b=\"2\"} 1\n# EOF\n", limits: limits))
        #expect(manyLabels.code == .tooManyLabels)
        #expect((manyLabels.line, manyLabels.column) == (1, 11))

        limits = .default
        limits.maxLabelNameLength = 2
        let longName = try #require(expositionError("foo{abc=\"1\"} 1\n# EOF\n", limits: limits))
        #expect(longName.code == .labelNameTooLong)
        #expect((longName.line, longName.column) == (1, 5))
    }
}

@Suite struct ExpositionFormatTests {
    @Test(arguments: [
        ("application/openmetrics-text; version=1.0.0; charset=utf-8", ExpositionFormat.openMetrics),
        ("Application/OpenMetrics-Text;Version=\"1.0.0\"", .openMetrics),
        ("application/openmetrics-text", .openMetrics),
        ("application/openmetrics-text; version=0.0.1", .openMetrics),
        ("text/plain; version=0.0.4; charset=utf-8", .prometheusText),
        ("text/plain;version=0.0.4", .prometheusText),
        ("TEXT/PLAIN", .prometheusText),
        ("text/plain; charset=UTF-8", .prometheusText),
    ])
    func recognisesMediaTypes(_ header: String, _ format: ExpositionFormat) {
        #expect(ExpositionFormat(contentType: header) == format)
    }

    @Test(arguments: [
        "application/openmetrics-text; version=2.0.0",
        "text/plain; version=1.0.0",
        "text/plain; charset=latin1",
        "application/json",
        "text/plainx",
        "application/openmetrics-text-extra",
        "",
        "text/",
        "application/x-protobuf",
    ])
    func rejectsOtherMediaTypes(_ header: String) {
        #expect(ExpositionFormat(contentType: header) == nil)
    }

    @Test func contentTypesRoundTrip() {
        for format in ExpositionFormat.allCases {
            #expect(ExpositionFormat(contentType: format.contentType) == format)
        }
    }
}
