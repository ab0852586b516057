import Testing

@testable import Exemplars

@Suite struct SeriesSelectorTests {
    static let checkout = LabelSet([
        "__name__": "http_server_request_duration_seconds_bucket", "route": "/checkout", "le": "0.1",
        "service": "checkout-api",
    ])
    static let health = LabelSet([
        "__name__": "http_server_request_duration_seconds_bucket", "route": "/health", "le": "+Inf",
        "service": "checkout-api",
    ])
    static let other = LabelSet(["__name__": "up", "job": "api"])

    @Test(arguments: [
        ("http_server_request_duration_seconds_bucket", [true, true, false]),
        ("http_server_request_duration_seconds_bucket{}", [true, true, false]),
        (#"{__name__="up"}"#, [false, false, true]),
        (#"http_server_request_duration_seconds_bucket{route="/checkout"}"#, [true, false, false]),
        (#"http_server_request_duration_seconds_bucket{route!="/checkout"}"#, [false, true, false]),
        (#"{route=~"/check.*"}"#, [true, false, false]),
        // Anchored: "/check" alone does not match "/checkout".
        (#"{route=~"/check"}"#, [false, false, false]),
        (#"{__name__=~".+", route!~"/health|/invoice"}"#, [true, false, true]),
        (#"{service="checkout-api", le=~"\\+Inf|0\\.1",}"#, [true, true, false]),
        // A missing label is the empty string.
        (#"{__name__=~".+", route=""}"#, [false, false, true]),
        (#"{__name__=~".+", route!=""}"#, [true, true, false]),
        ("  up { job = 'api' } ", [false, false, true]),
        ("{job=`api`}", [false, false, true]),
        (#"{job="\u0061pi"}"#, [false, false, true]),
    ])
    func selects(_ query: String, _ expected: [Bool]) throws {
        let selector = try SeriesSelector(parsing: query)
        let got = [Self.checkout, Self.health, Self.other].map { selector.matches($0) }
        #expect(got == expected)
    }

    /// Profile selectors may match every series (`{}`), as Pyroscope's do; Prometheus's may not.
    @Test func emptyMatchingSelectorsOnlyWhenAllowed() throws {
        #expect(throws: SelectorError.self) { try SeriesSelector(parsing: "{}") }
        #expect(throws: SelectorError.self) { try SeriesSelector(parsing: #"{version!="1.2"}"#) }
        #expect(try SeriesSelector(parsing: "{}", allowingEmptyMatch: true).matchers.isEmpty)
        let selector = try SeriesSelector(parsing: #"{version!="1.2"}"#, allowingEmptyMatch: true)
        #expect(selector.matches(LabelSet(["version": "1.3"])))
        #expect(selector.matches(LabelSet()))
        #expect(!selector.matches(LabelSet(["version": "1.2"])))
    }

    @Test func metricNameForIndexLookup() throws {
        #expect(try SeriesSelector(parsing: #"up{job="api"}"#).metricName == "up")
        #expect(try SeriesSelector(parsing: #"{__name__="up"}"#).metricName == "up")
        #expect(try SeriesSelector(parsing: #"{__name__=~"u.*"}"#).metricName == nil)
        let matcher = try #require(try SeriesSelector(parsing: #"{a=~"x|y"}"#).matchers.first)
        #expect(matcher.anchoredPattern == "^(?:x|y)$")
        #expect(try SeriesSelector(parsing: #"up{job="a\"b"}"#).description == #"{__name__="up", job="a\"b"}"#)
    }

    @Test(arguments: [
        ("", 1 as Int, "expected a metric name or '{', found the end of the query" as String),
        ("up{job}", 7, "expected '=', '!=', '=~' or '!~' after label name, found '}'"),
        (#"up{job="api""#, 13, "expected ',' or '}' after a matcher, found the end of the query"),
        (#"up{job="api}"#, 8, "unterminated string"),
        ("up{job=api}", 8, "expected a quoted string, found 'a'"),
        (#"up{,}"#, 4, "expected a label name, found ','"),
        (#"up{job="a"} offset 5m"#, 13, "unexpected 'o' after the selector"),
        (#"up[5m]"#, 3, "unexpected '[' after the selector"),
        (#"{job=""}"#, 1, "selector must contain at least one matcher that does not match the empty string"),
        (#"{job=~".*"}"#, 1, "selector must contain at least one matcher that does not match the empty string"),
        (#"up{__name__="x"}"#, 4, "metric name is given twice"),
        (#"{é="x"}"#, 2, "expected a label name, found 'é'"),
        (#"{a="\q"}"#, 5, #"unknown escape sequence '\q'"#),
    ])
    func errorsNameTheColumn(_ query: String, _ column: Int, _ reason: String) {
        do {
            _ = try SeriesSelector(parsing: query)
            Issue.record("expected an error for \(query)")
        } catch {
            #expect(error.column == column)
            #expect(error.reason == reason)
            #expect(error.description == "column \(column): \(reason)")
        }
    }

    @Test func invalidRegexNamesItsColumn() {
        do {
            _ = try SeriesSelector(parsing: #"{a=~"(unclosed"}"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.column == 5)
            #expect(error.reason.hasPrefix("invalid regular expression \"(unclosed\""))
        }
    }

    /// The selectors Prometheus's `parser.ExtractSelectors` finds in these expressions, written
    /// as `description`s (Tests/e2e/exemplars.sh asks the real Prometheus the same kind of query).
    @Test(arguments: [
        ("up", [#"{__name__="up"}"#]),
        (#"histogram_quantile(0.99, sum by (le) (rate(http_bucket{job="api"}[5m])))"#, [#"{__name__="http_bucket", job="api"}"#]),
        (#"sum(rate(a_bucket[1m] offset 5m)) by (le, route) / on (route) group_left (team) sum(rate(a_count{x="1"}[1m] @ end())) by (route)"#,
         [#"{__name__="a_bucket"}"#, #"{__name__="a_count", x="1"}"#]),
        (#"a or b{c="d"} unless {__name__="e"} # c"#, [#"{__name__="a"}"#, #"{__name__="b", c="d"}"#, #"{__name__="e"}"#]),
        (#"label_replace(up, "dst", "$1", "src", "(.*)") > bool Inf"#, [#"{__name__="up"}"#]),
        (#"topk by (job) (5, max_over_time(x[10m:1m])) * on() group_left y - 1e-3 + 0x1f - NaN"#, [#"{__name__="x"}"#, #"{__name__="y"}"#]),
        ("count_values without (instance) (\"v\", build_info)\n# no selector in a comment: z\n", [#"{__name__="build_info"}"#]),
    ])
    func selectorsOfAnExpression(_ expression: String, _ expected: [String]) throws {
        #expect(try SeriesSelector.selectors(inExpression: expression).map(\.description) == expected)
    }

    @Test(arguments: [
        ("vector(1) + 2", 1 as Int, "no series selector in the query (expected a metric name or '{…}')" as String),
        (#"rate(up{job="a"[5m])"#, 16, "expected ',' or '}' after a matcher, found '['"),
        ("sum by (le", 8, "'(' is not closed"),
        (#"up + {job=""}"#, 6, "selector must contain at least one matcher that does not match the empty string"),
    ])
    func expressionErrorsNameTheColumn(_ expression: String, _ column: Int, _ reason: String) {
        do {
            _ = try SeriesSelector.selectors(inExpression: expression)
            Issue.record("expected an error for \(expression)")
        } catch {
            #expect(error.column == column && error.reason == reason, "\(error)")
        }
    }
}
