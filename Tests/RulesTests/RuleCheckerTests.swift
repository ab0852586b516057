import Testing
@testable import Rules

@Suite struct RuleCheckerTests {
    @Test func validFileSucceedsWithRuleCount() {
        let results = RuleChecker.check([.init(file: "ok.yml", yaml: RuleFileParsingTests.example)])
        #expect(results.map(\.succeeded) == [true])
        #expect(results[0].description == "Checking ok.yml\n  SUCCESS: 3 rules found")
    }

    @Test func unknownTemplateVariablesAreReportedButDoNotStopLoading() throws {
        let yaml = """
            groups:
              - name: x
                rules:
                  - alert: Leak
                    leak: {service: api, window: 1h, min_relative_growth: 0.2}
                    labels: {team: '{{function}}'}
                    annotations:
                      summary: '{{service}} grows {{slope_per_hour | bytes}}/h ({{share}}, {{labels.team}}, {{labels.x}})'
            """
        let result = try #require(RuleChecker.check([.init(file: "r.yml", yaml: yaml)]).first)
        #expect(result.problems.map(\.description) == [
            #"r.yml:6:24: group "x", rule "Leak": labels.team: unknown template variable "function" expands to """#,
            #"r.yml:8:20: group "x", rule "Leak": annotations.summary: unknown template variable "share" expands to """#,
            #"r.yml:8:20: group "x", rule "Leak": annotations.summary: unknown template variable "labels.x" expands to """#,
        ])
        #expect(result.problems.allSatisfy { $0.code == .unknownTemplateVariable })
        #expect(result.ruleCount == 1)
        // The file still loads: unknown variables are empty, not fatal.
        #expect(throws: Never.self) { try RuleFile.parse(yaml: yaml, file: "r.yml") }
    }

    @Test func eachFileIsCheckedOnItsOwn() {
        let group = "groups: [{name: same, rules: []}]"
        let results = RuleChecker.check([.init(file: "a.yml", yaml: group), .init(file: "b.yml", yaml: group + "\nextra: 1")])
        #expect(results.map(\.succeeded) == [true, false])
        #expect(results[1].description == """
            Checking b.yml
              FAILED:
            b.yml:2:1: unknown key "extra" (expected one of: groups)
            """)
    }
}
