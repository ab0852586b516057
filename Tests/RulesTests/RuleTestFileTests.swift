import Testing
@testable import Rules

@Suite struct RuleTestFileTests {
    @Test(arguments: [
        ("1 2 3", [1.0, 2, 3] as [Double?]),
        ("-2+4x3", [-2, 2, 6, 10]),
        ("1-2x4", [1, -1, -3, -5, -7]),
        ("1x4", [1, 1, 1, 1, 1]),
        ("1 _x3 stale", [1, nil, nil, nil, nil]),
        ("1e3+1e3x2", [1000, 2000, 3000]),
        ("_ 5", [nil, 5]),
    ])
    func expandsPromtoolNotation(text: String, expected: [Double?]) throws {
        #expect(try SeriesNotation.parseValues(text) == expected)
    }

    @Test(arguments: ["1+x3", "ax3", "1+2xy", "one"])
    func rejectsBadValues(text: String) {
        #expect(throws: SeriesNotation.SyntaxError.self) { try SeriesNotation.parseValues(text) }
    }

    @Test func parsesSeriesSelectors() throws {
        let (name, labels) = try SeriesNotation.parseSeries(#"function{service="api", function="main.(*T).Do", file="a \"b\".go"}"#)
        #expect(name == "function")
        #expect(labels == ["service": "api", "function": "main.(*T).Do", "file": #"a "b".go"#])
        #expect(try SeriesNotation.parseSeries("total").labels.isEmpty)
        #expect(throws: SeriesNotation.SyntaxError.self) { try SeriesNotation.parseSeries("total{service=api}") }
    }

    static let rules = """
        groups:
          - name: api
            rules:
              - alert: JSONHotspot
                hotspot: {service: api, function: 'encoding/json\\..*', window: 5m, share_above: 0.3}
                for: 3m
                labels: {severity: page}
                annotations: {summary: '{{function}} at {{share | percent}}'}
              - alert: GoroutineLeak
                leak: {service: api, sample_type: goroutine, window: 30m, min_points: 10, min_relative_growth: 0.5}
        """

    static let tests = """
        rule_files: [rules.yml]
        evaluation_interval: 1m
        tests:
          - name: hotspot fires after for
            input_series:
              - series: 'function{service="api", function="encoding/json.Marshal", sample_type="cpu"}'
                values: '10x4 50x20'
              - series: 'total{service="api", sample_type="cpu"}'
                values: '100x30'
            alert_rule_test:
              - eval_time: 4m
                alertname: JSONHotspot
              - eval_time: 12m
                alertname: JSONHotspot
                exp_alerts:
                  - exp_labels: {service: api, function: encoding/json.Marshal, severity: page}
                    exp_annotations: {summary: encoding/json.Marshal at 50%}
          - name: goroutine leak
            interval: 3m
            input_series:
              - series: 'total{service="api", sample_type="goroutine"}'
                values: '100+10x20'
              - series: 'total{service="other", sample_type="goroutine"}'
                values: '100 101 99 100 102 98 100 101 99 100 100 101'
            alert_rule_test:
              - eval_time: 30m
                alertname: GoroutineLeak
                exp_alerts:
                  - exp_labels: {service: api}
        """

    @Test func passingTestsPass() throws {
        let ruleFile = try RuleFile.parse(yaml: Self.rules, file: "rules.yml")
        let testFile = try RuleTestFile.parse(yaml: Self.tests, file: "tests.yml")
        #expect(testFile.ruleFiles == ["rules.yml"])
        let report = testFile.run(ruleFiles: [ruleFile])
        #expect(report.passed, "\(report)")
        #expect(report.description == "Unit Testing: tests.yml\n  SUCCESS")
    }

    @Test func failuresShowExpectedGotAndTheDifference() throws {
        let ruleFile = try RuleFile.parse(yaml: Self.rules, file: "rules.yml")
        let wrong = Self.tests
            .replacingOccurrences(of: "exp_annotations: {summary: encoding/json.Marshal at 50%}", with: "exp_annotations: {summary: wrong}")
            .replacingOccurrences(of: "- exp_labels: {service: api}", with: "- exp_labels: {service: other}")
        let report = try RuleTestFile.parse(yaml: wrong, file: "tests.yml").run(ruleFiles: [ruleFile])
        #expect(report.cases.map(\.passed) == [false, false])
        #expect(report.cases[0].failures == [
            """
            alertname: JSONHotspot, time: 12m,
                exp: [labels: {alertname="JSONHotspot", function="encoding/json.Marshal", service="api", severity="page"}, annotations: {summary="wrong"}]
                got: [labels: {alertname="JSONHotspot", function="encoding/json.Marshal", service="api", severity="page"}, annotations: {summary="encoding/json.Marshal at 50%"}]
                - missing:    labels: {alertname="JSONHotspot", function="encoding/json.Marshal", service="api", severity="page"}, annotations: {summary="wrong"}
                + unexpected: labels: {alertname="JSONHotspot", function="encoding/json.Marshal", service="api", severity="page"}, annotations: {summary="encoding/json.Marshal at 50%"}
            """
        ])
        #expect(report.description.hasPrefix("Unit Testing: tests.yml\n  FAILED:\n    hotspot fires after for:\n      alertname: JSONHotspot"))
    }

    @Test func unknownAlertnameFails() throws {
        let ruleFile = try RuleFile.parse(yaml: Self.rules, file: "rules.yml")
        let yaml = "tests: [{alert_rule_test: [{eval_time: 1m, alertname: Nope}]}]"
        let report = try RuleTestFile.parse(yaml: yaml, file: "t.yml").run(ruleFiles: [ruleFile])
        #expect(report.cases.first?.failures == ["alertname: Nope, time: 1m: no rule with this name"])
    }

    @Test func testFileErrorsCarryLines() {
        let yaml = """
            tests:
              - input_series:
                  - series: 'cpu{service="api"}'
                    values: '1 2'
            """
        #expect {
            try RuleTestFile.parse(yaml: yaml, file: "t.yml")
        } throws: { error in
            (error as? RuleFileError)?.description == #"t.yml:3:17: tests[0].input_series.series: series name must be "function" or "total", got "cpu""#
        }
    }
}
