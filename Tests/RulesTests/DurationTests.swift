import Testing
@testable import Rules

@Suite struct DurationTests {
    static let valid: [(String, Int64)] = [
        ("0", 0),
        ("30s", 30_000),
        ("1m", 60_000),
        ("1h30m", 5_400_000),
        ("7d", 604_800_000),
        ("2w", 1_209_600_000),
        ("1y", 31_536_000_000),
        ("500ms", 500),
        ("1d2h3m4s5ms", 93_784_005),
    ]

    @Test(arguments: valid)
    func parsesPrometheusSyntax(text: String, milliseconds: Int64) {
        #expect(Duration(prometheus: text) == .milliseconds(milliseconds))
    }

    @Test(arguments: ["", "5x", "1.5h", "-1m", "m", "30m1h", "1h1h", "5 m", "10"])
    func rejectsInvalidDurations(text: String) {
        #expect(Duration(prometheus: text) == nil)
    }

    @Test(arguments: [("1h30m", "1h30m"), ("90m", "1h30m"), ("0", "0s"), ("7d", "1w"), ("1500ms", "1s500ms")])
    func printsLikePrometheus(text: String, expected: String) throws {
        let duration = try #require(Duration(prometheus: text))
        #expect(duration.prometheusDescription == expected)
    }
}
