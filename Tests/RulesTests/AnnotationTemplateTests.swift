import Testing
@testable import Rules

@Suite struct AnnotationTemplateTests {
    static let values = TemplateValues(
        labels: ["service": "api", "function": "encoding/json.Marshal", "severity": "page"],
        variables: ["value": .number(0.25), "share": .number(0.2345), "bytes": .number(1_572_864), "alertname": .text("Hot")]
    )

    @Test(arguments: [
        ("{{service}}", "api"),
        ("{{ function }} in {{labels.service}}", "encoding/json.Marshal in api"),
        ("{{$value}} / {{ $labels.severity }}", "0.25 / page"),
        ("{{share | percent}}", "23.5%"),
        ("{{bytes|bytes}}", "1.5MiB"),
        ("{{bytes | humanize}}", "1.57M"),
        ("{{nope}}|{{labels.nope}}|", "||"),
        ("<b>{{alertname}}</b> & co", "<b>Hot</b> & co"),
        ("no placeholders", "no placeholders"),
        ("}} stray", "}} stray"),
    ])
    func renders(template: String, expected: String) throws {
        #expect(try AnnotationTemplate(template).render(Self.values) == expected)
    }

    @Test(arguments: ["{{service", "{{}}", "{{ a b }}", "{{x | upper}}"])
    func rejectsBadSyntax(template: String) {
        #expect(throws: AnnotationTemplate.SyntaxError.self) { try AnnotationTemplate(template) }
    }

    @Test func numbersPrintCompactly() {
        #expect(TemplateValues.Value.plain(3) == "3")
        #expect(TemplateValues.Value.plain(0.1) == "0.1")
        #expect(TemplateValues.Value.plain(.infinity) == "+Inf")
        #expect(TemplateValues.Value.plain(1e20) == "1e+20")
    }
}
