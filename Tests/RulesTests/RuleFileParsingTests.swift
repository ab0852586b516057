import Testing
@testable import Rules

@Suite struct RuleFileParsingTests {
    static let example = """
        groups:
          - name: checkout
            interval: 1m
            rules:
              - alert: JSONEncodingHotspot
                hotspot:
                  service: checkout
                  profile_type: cpu
                  function: 'encoding/json\\..*'
                  measure: cum
                  window: 15m
                  share_above: 0.2
                  growth_above: 0.5
                  baseline: {offset: 1d, window: 1h}
                for: 10m
                keep_firing_for: 5m
                labels: {severity: page}
                annotations:
                  summary: '{{function}} uses {{share | percent}} of {{service}} CPU'
              - alert: AllocationRate
                allocation:
                  selector: {service: checkout, region: eu}
                  per_second_above: 50000000
                  window: 5m
                  counter: delta
              - alert: HeapLeak
                leak:
                  service: checkout
                  sample_type: goroutine
                  window: 6h
                  min_points: 12
                  min_relative_growth: 0.2
                  min_slope_per_hour: 100
                for: 30m
          - name: empty
            rules: []
        """

    @Test func parsesTheDocumentedExample() throws {
        let file = try parseRules(Self.example)
        #expect(file.groups.map(\.name) == ["checkout", "empty"])
        let group = file.groups[0]
        #expect(group.interval == .seconds(60))
        #expect(file.groups[1].interval == nil)
        #expect(group.rules.map(\.name) == ["JSONEncodingHotspot", "AllocationRate", "HeapLeak"])

        let hotspotRule = group.rules[0]
        #expect(hotspotRule.holdDuration == .seconds(600))
        #expect(hotspotRule.keepFiringFor == .seconds(300))
        #expect(hotspotRule.labels == ["severity": "page"])
        #expect(hotspotRule.location == SourceLocation(file: "rules.yml", line: 5, column: 9))
        guard case .hotspot(let hotspot) = hotspotRule.condition else {
            Issue.record("expected a hotspot condition")
            return
        }
        #expect(hotspot.selector == ServiceSelector(service: "checkout"))
        #expect(hotspot.profileType == .cpu)
        #expect(hotspot.sampleType == "cpu")
        #expect(hotspot.function?.pattern == "encoding/json\\..*")
        #expect(hotspot.measure == .cum)
        #expect(hotspot.window == .seconds(900))
        #expect(hotspot.shareAbove == 0.2)
        #expect(hotspot.growthAbove == 0.5)
        #expect(hotspot.baseline == HotspotCondition.Baseline(offset: .seconds(86400), window: .seconds(3600)))

        guard case .allocation(let allocation) = group.rules[1].condition else {
            Issue.record("expected an allocation condition")
            return
        }
        #expect(allocation.selector == ServiceSelector(service: "checkout", labels: ["region": "eu"]))
        #expect(allocation.sampleType == "alloc_space")
        #expect(allocation.profileType == .allocs)
        #expect(allocation.perSecondAbove == 50_000_000)
        #expect(allocation.counter == .delta)

        guard case .leak(let leak) = group.rules[2].condition else {
            Issue.record("expected a leak condition")
            return
        }
        #expect(leak.sampleType == "goroutine")
        #expect(leak.profileType == .goroutine)
        #expect(leak.minPoints == 12)
        #expect(leak.minRelativeGrowth == 0.2)
        #expect(leak.minSlopePerHour == 100)
    }

    @Test func emptyFileHasNoGroups() throws {
        #expect(try parseRules("").groups.isEmpty)
    }

    /// Each case: a rule file with one mistake, and the exact message `rules check` prints.
    @Test(arguments: [
        (
            """
            groups:
              - name: x
                rules:
                  - alert: y
                    hotspot: {window: 5m, share_above: 0.1}
                    for: 5x
            """,
            #"rules.yml:6:14: group "x", rule "y": for: invalid duration "5x""#
        ),
        (
            """
            groups:
              - name: x
                rules:
                  - alert: y
                    hotspot:
                      window: 5m
                      share_abov: 0.1
            """,
            #"rules.yml:7:11: group "x", rule "y": hotspot: unknown key "share_abov" (expected one of: baseline, function, growth_above, measure, profile_type, sample_type, selector, service, share_above, window)"#
        ),
        (
            """
            groups:
              - name: x
                rules: []
              - name: x
                rules: []
            """,
            #"rules.yml:4:5: group "x": groupname: "x" is repeated in the same file (first defined at 2:5)"#
        ),
        (
            """
            groups:
              - name: x
                rules:
                  - alert: y
                    leak: {window: 1h, min_relative_growth: 0.1}
                    allocation: {window: 1h, per_second_above: 1}
            """,
            #"rules.yml:6:21: group "x", rule "y": only one condition may be set, found allocation, leak"#
        ),
        (
            """
            groups:
              - name: x
                rules:
                  - alert: y
                    hotspot: {window: 5m, share_above: 1.5}
            """,
            #"rules.yml:5:44: group "x", rule "y": hotspot.share_above: 1.5 is out of range 0.0...1.0"#
        ),
        (
            """
            groups:
              - name: x
                rules:
                  - alert: y
                    hotspot: {window: 5m, growth_above: 0.5}
            """,
            #"rules.yml:5:18: group "x", rule "y": hotspot: growth_above needs a baseline (offset, window)"#
        ),
        (
            """
            groups:
              - name: x
                rules:
                  - alert: y
                    leak: {window: 1h, min_relative_growth: 0.1, sample_type: alloc_space}
            """,
            #"rules.yml:5:67: group "x", rule "y": leak.sample_type: invalid value "alloc_space" (expected one of: inuse_space, inuse_objects, goroutine)"#
        ),
        (
            """
            groups:
              - name: x
                rules:
                  - alert: y
                    expr: up == 0
            """,
            #"rules.yml:5:15: group "x", rule "y": expr: PromQL expressions are not supported; use one of hotspot, allocation, leak"#
        ),
        (
            """
            groups:
              - name: x
                rules:
                  - alert: y
                    hotspot: {window: 5m, share_above: 0.1, function: 'a(b'}
            """,
            #"rules.yml:5:59: group "x", rule "y": hotspot.function: invalid regular expression"#
        ),
        (
            """
            groups:
              - name: x
                rules:
                  - alert: y
                    hotspot: {window: 5m, share_above: 0.1}
                    annotations:
                      summary: '{{service'
            """,
            #"rules.yml:7:20: group "x", rule "y": annotations.summary: template: unclosed "{{""#
        ),
        (
            """
            groups:
              - name: x
                rules:
                  - alert: y
                    hotspot: {window: 5m, share_above: 0.1}
                    labels: {alertname: z}
            """,
            #"rules.yml:6:18: group "x", rule "y": labels: label "alertname" is set from "alert" and cannot be overridden"#
        ),
        (
            """
            groups:
              - name: x
                rules:
                  - alert: y
                    hotspot: {window: 5m, share_above: 0.1
            """,
            "rules.yml:6:1: while parsing a flow mapping did not find expected ',' or '}'"
        ),
        (
            """
            groups:
              - name: x
                interval: 1m
                interval: 2m
                rules: []
            """,
            #"rules.yml:3:5: duplicate key "interval" in mapping"#
        ),
    ])
    func reportsErrorsWithLineAndColumn(yaml: String, expected: String) {
        let (file, errors) = RuleFile.validate(yaml: yaml, file: "rules.yml")
        #expect(file == nil)
        #expect(!errors.isEmpty)
        let description = errors.first?.description ?? ""
        #expect(description.hasPrefix(expected), "got: \(description)")
    }

    @Test func reportsEveryErrorNotJustTheFirst() {
        let yaml = """
            groups:
              - name: x
                interval: soon
                rules:
                  - alert: a
                    for: 5x
                    hotspot: {window: 5m, share_above: 0.1}
                  - alert: b
                    leak: {window: 1h}
            """
        let (_, errors) = RuleFile.validate(yaml: yaml, file: "r.yml")
        #expect(errors.map(\.description) == [
            #"r.yml:3:15: group "x": interval: invalid duration "soon""#,
            #"r.yml:6:14: group "x", rule "a": for: invalid duration "5x""#,
            #"r.yml:9:15: group "x", rule "b": leak: min_relative_growth must be set"#,
        ])
        #expect(errors.map(\.code) == [.invalidValue, .invalidValue, .missingKey])
    }

    @Test func parseThrowsTheFirstError() {
        #expect(throws: RuleFileError.self) {
            _ = try RuleFile.parse(yaml: "groups: [{name: x, rules: [{alert: y}]}]", file: "r.yml")
        }
    }
}
