import Foundation
import Testing
@testable import Rules

/// A fixed origin for test timelines, so every time is `origin + offset`.
let origin = Date(timeIntervalSince1970: 1_700_000_000)

func at(minutes: Double) -> Date { origin.addingTimeInterval(minutes * 60) }
func at(hours: Double) -> Date { origin.addingTimeInterval(hours * 3600) }

/// SplitMix64: a small seeded generator, so "random" noise is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A service-level series with one point per `step` minutes, value = total.
func serviceSeries(_ service: String, values: [Double], stepMinutes: Double = 10, start: Date = origin) -> FunctionSeries {
    FunctionSeries(
        service: service, function: "",
        points: values.enumerated().map { index, value in
            SeriesPoint(time: start.addingTimeInterval(Double(index) * stepMinutes * 60), value: value, total: value)
        }
    )
}

func parseRules(_ yaml: String, file: String = "rules.yml") throws -> RuleFile {
    try RuleFile.parse(yaml: yaml, file: file)
}

func rule(_ yaml: String) throws -> AlertingRule {
    try #require(try parseRules(yaml).groups.first?.rules.first)
}
