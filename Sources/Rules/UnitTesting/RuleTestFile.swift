import Yams

/// A rule unit-test file for `correlator rules test`, modelled on `promtool test rules`.
///
/// ```yaml
/// rule_files: [rules.yml]          # relative to the test file; the CLI reads them
/// evaluation_interval: 1m          # every group is evaluated at each multiple of this
/// tests:
///   - name: json hotspot           # optional
///     interval: 1m                 # step between input values (default: evaluation_interval)
///     input_series:
///       # per-function values: labels service and function are required; file, sample_type,
///       # profile_type and measure are optional filters; any other label is a profile label
///       - series: 'function{service="api", function="encoding/json.Marshal", sample_type="cpu"}'
///         values: '0+10x30'
///       # profile totals of a sample type (default: the sum of the service's function values)
///       - series: 'total{service="api", sample_type="cpu"}'
///         values: '100x30'
///     alert_rule_test:
///       - eval_time: 15m
///         alertname: JSONEncodingHotspot
///         exp_alerts:
///           - exp_labels: {service: api, function: encoding/json.Marshal, severity: page}
///             exp_annotations: {summary: '...'}
/// ```
///
/// Values use promtool's expanding notation (see ``SeriesNotation``): `1 2 3`, `a+bxN`, `a-bxN`,
/// `axN`, `_` and `_xN` for missing samples, `stale` (treated as missing). Input value `i` is at
/// time `i × interval` from 0; `eval_time` counts from 0 too. Expected alerts are the rule's
/// **firing** alerts at the last evaluation at or before `eval_time`, compared as a set of
/// (labels + `alertname`, annotations).
public struct RuleTestFile: Sendable, Hashable {
    /// One `input_series` entry.
    public struct InputSeries: Sendable, Hashable {
        public var name: String
        public var labels: [String: String]
        /// One entry per step, `nil` where there is no sample.
        public var values: [Double?]
        public var location: SourceLocation?
    }

    /// One expected alert.
    public struct ExpectedAlert: Sendable, Hashable {
        /// Without `alertname`, which the runner adds.
        public var labels: [String: String]
        public var annotations: [String: String]
    }

    /// One `alert_rule_test` entry.
    public struct AlertTest: Sendable, Hashable {
        public var evalTime: Duration
        public var alertname: String
        public var expected: [ExpectedAlert]
        public var location: SourceLocation?
    }

    /// One entry of `tests`.
    public struct TestCase: Sendable, Hashable {
        public var name: String?
        public var interval: Duration?
        public var inputSeries: [InputSeries]
        public var alertTests: [AlertTest]
        public var location: SourceLocation?
    }

    /// The test file name given to the parser.
    public var file: String
    /// Rule file paths as written, relative to the test file.
    public var ruleFiles: [String]
    /// Step between evaluations (`evaluation_interval:`, default 1m).
    public var evaluationInterval: Duration
    /// The test cases, in file order.
    public var tests: [TestCase]

    /// Parses a test file, throwing its first error (with line and column).
    public static func parse(yaml: String, file: String) throws(RuleFileError) -> RuleTestFile {
        var reader = YAMLReader(file: file)
        let result = parse(yaml, reader: &reader)
        if let first = reader.errors.first { throw first }
        return result!
    }

    private static func parse(_ yaml: String, reader: inout YAMLReader) -> RuleTestFile? {
        typealias Context = YAMLReader.Context
        guard let root = reader.compose(yaml) else {
            if reader.errors.isEmpty { reader.fail(.missingKey, "empty test file", at: nil, Context()) }
            return nil
        }
        guard let top = reader.mapping(root, allowed: ["rule_files", "evaluation_interval", "tests"], Context()) else { return nil }
        var ruleFiles: [String] = []
        if let node = top["rule_files"], let items = reader.sequence(node, Context(path: ["rule_files"])) {
            ruleFiles = items.compactMap { reader.nonEmptyString($0, Context(path: ["rule_files"])) }
        }
        let interval = top["evaluation_interval"].flatMap { reader.duration($0, Context(path: ["evaluation_interval"]), positive: true) } ?? .seconds(60)
        var tests: [TestCase] = []
        if let node = top["tests"], let items = reader.sequence(node, Context(path: ["tests"])) {
            for (index, item) in items.enumerated() {
                let context = Context(path: ["tests[\(index)]"])
                if let test = parseTest(item, context, reader: &reader) { tests.append(test) }
            }
        }
        return RuleTestFile(file: reader.file, ruleFiles: ruleFiles, evaluationInterval: interval, tests: tests)
    }

    private static func parseTest(_ node: Node, _ context: YAMLReader.Context, reader: inout YAMLReader) -> TestCase? {
        let allowed: Set<String> = ["name", "interval", "input_series", "alert_rule_test", "promql_expr_test", "external_labels", "external_url"]
        guard let map = reader.mapping(node, allowed: allowed, context) else { return nil }
        for unsupported in ["promql_expr_test", "external_labels", "external_url"] {
            if let value = map[unsupported] {
                reader.fail(.invalidValue, "not supported (profile rules have no PromQL)", at: value, context.appending(unsupported))
            }
        }
        let name = map["name"].flatMap { reader.string($0, context.appending("name")) }
        let interval = map["interval"].flatMap { reader.duration($0, context.appending("interval"), positive: true) }
        var inputs: [InputSeries] = []
        if let node = map["input_series"], let items = reader.sequence(node, context.appending("input_series")) {
            for item in items {
                let itemContext = context.appending("input_series")
                guard let entry = reader.mapping(item, allowed: ["series", "values"], itemContext) else { continue }
                guard let seriesNode = entry["series"], let seriesText = reader.string(seriesNode, itemContext.appending("series")) else {
                    reader.fail(.missingKey, "series must be set", at: item, itemContext)
                    continue
                }
                let valuesText = entry["values"].flatMap { reader.string($0, itemContext.appending("values")) } ?? ""
                do {
                    let (name, labels) = try SeriesNotation.parseSeries(seriesText)
                    guard name == "function" || name == "total" else {
                        reader.fail(.invalidValue, "series name must be \"function\" or \"total\", got \"\(name)\"", at: seriesNode, itemContext.appending("series"))
                        continue
                    }
                    guard labels["service"] != nil, name == "total" || labels["function"] != nil else {
                        reader.fail(.missingKey, "series needs a service label\(name == "function" ? " and a function label" : "")", at: seriesNode, itemContext.appending("series"))
                        continue
                    }
                    let values: [Double?]
                    do {
                        values = try SeriesNotation.parseValues(valuesText)
                    } catch {
                        reader.fail(.invalidValue, error.message, at: entry["values"], itemContext.appending("values"))
                        continue
                    }
                    inputs.append(InputSeries(name: name, labels: labels, values: values, location: reader.location(item)))
                } catch {
                    reader.fail(.invalidValue, error.message, at: seriesNode, itemContext.appending("series"))
                }
            }
        }
        var alertTests: [AlertTest] = []
        if let node = map["alert_rule_test"], let items = reader.sequence(node, context.appending("alert_rule_test")) {
            for item in items {
                let itemContext = context.appending("alert_rule_test")
                guard let entry = reader.mapping(item, allowed: ["eval_time", "alertname", "exp_alerts"], itemContext) else { continue }
                guard let timeNode = entry["eval_time"], let alertNode = entry["alertname"] else {
                    reader.fail(.missingKey, "eval_time and alertname must be set", at: item, itemContext)
                    continue
                }
                guard let evalTime = reader.duration(timeNode, itemContext.appending("eval_time")),
                    let alertname = reader.nonEmptyString(alertNode, itemContext.appending("alertname"))
                else { continue }
                var expected: [ExpectedAlert] = []
                if let alertsNode = entry["exp_alerts"], let alerts = reader.sequence(alertsNode, itemContext.appending("exp_alerts")) {
                    for alert in alerts {
                        let alertContext = itemContext.appending("exp_alerts")
                        guard let fields = reader.mapping(alert, allowed: ["exp_labels", "exp_annotations"], alertContext) else { continue }
                        let labels = fields["exp_labels"].map { reader.stringMap($0, alertContext.appending("exp_labels")) } ?? [:]
                        let annotations = fields["exp_annotations"].map { reader.stringMap($0, alertContext.appending("exp_annotations")) } ?? [:]
                        expected.append(ExpectedAlert(labels: labels, annotations: annotations))
                    }
                }
                alertTests.append(AlertTest(evalTime: evalTime, alertname: alertname, expected: expected, location: reader.location(item)))
            }
        }
        return TestCase(name: name, interval: interval, inputSeries: inputs, alertTests: alertTests, location: reader.location(node))
    }
}
