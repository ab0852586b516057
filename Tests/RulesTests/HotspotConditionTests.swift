import Foundation
import Testing
@testable import Rules

@Suite struct HotspotConditionTests {
    /// Profiles every minute. The current window (last 10 minutes) has totals of 2,000 per
    /// profile; yesterday's baseline had 1,000 per profile (half the traffic).
    static func input(encode: (current: Double, baseline: Double), other: Double = 100) -> [FunctionSeries] {
        func points(_ value: Double, total: Double, endingAt end: Date) -> [SeriesPoint] {
            (0..<10).map { SeriesPoint(time: end.addingTimeInterval(-Double($0) * 60), value: value, total: total) }
        }
        let now = at(hours: 24)
        let yesterday = at(hours: 0)
        return [
            FunctionSeries(service: "api", function: "encoding/json.Marshal", file: "encode.go",
                           points: points(encode.baseline, total: 1_000, endingAt: yesterday) + points(encode.current, total: 2_000, endingAt: now)),
            FunctionSeries(service: "api", function: "main.handle", file: "main.go",
                           points: points(other, total: 1_000, endingAt: yesterday) + points(other, total: 2_000, endingAt: now)),
        ]
    }

    static func condition(share: Double? = nil, growth: Double? = nil) throws -> HotspotCondition {
        HotspotCondition(
            selector: ServiceSelector(service: "api"), function: try FunctionPattern("encoding/json\\..*"),
            shareAbove: share, growthAbove: growth, window: .seconds(600),
            baseline: growth == nil ? nil : .init(offset: .seconds(86_400))
        )
    }

    @Test func shareAboveThresholdFires() throws {
        // 500 of 2,000 → 25 %.
        let samples = try Self.condition(share: 0.2).evaluate(Self.input(encode: (500, 100)), at: at(hours: 24))
        #expect(samples.map(\.labels) == [["service": "api", "function": "encoding/json.Marshal"]])
        #expect(samples.first?.value == 0.25)
        #expect(try Self.condition(share: 0.3).evaluate(Self.input(encode: (500, 100)), at: at(hours: 24)).isEmpty)
    }

    /// Raw values doubled (200 → 400) only because traffic doubled: normalised to the same
    /// total, the share is 20 % both days, so no growth.
    @Test func growthIsNormalisedToTheSameTotal() throws {
        let samples = try Self.condition(growth: 0.5).evaluate(Self.input(encode: (400, 200)), at: at(hours: 24))
        #expect(samples.isEmpty)
    }

    /// 10 % yesterday (100 / 1,000) → 30 % today (600 / 2,000): growth +200 %.
    @Test func realGrowthFires() throws {
        let samples = try Self.condition(growth: 0.5).evaluate(Self.input(encode: (600, 100)), at: at(hours: 24))
        let sample = try #require(samples.first)
        #expect(abs(sample.value - 2) < 1e-12)
        #expect(abs(sample.details["baseline_share"]! - 0.1) < 1e-12)
        #expect(abs(sample.details["share"]! - 0.3) < 1e-12)
    }

    @Test func bothThresholdsMustHold() throws {
        // Growth +200 % but the share (3 %) is under 5 %.
        let small = try Self.condition(share: 0.05, growth: 0.5).evaluate(Self.input(encode: (60, 10)), at: at(hours: 24))
        #expect(small.isEmpty)
        let big = try Self.condition(share: 0.05, growth: 0.5).evaluate(Self.input(encode: (600, 100)), at: at(hours: 24))
        #expect(big.count == 1)
    }

    @Test func newFunctionHasInfiniteGrowth() throws {
        let samples = try Self.condition(growth: 0.5).evaluate(Self.input(encode: (600, 0)), at: at(hours: 24))
        #expect(samples.first?.value == .infinity)
    }

    @Test func noBaselineDataMeansNoGrowthAlert() throws {
        let current = Self.input(encode: (600, 100)).map { series in
            var copy = series
            copy.points = series.points.filter { $0.time > at(hours: 12) }
            return copy
        }
        #expect(try Self.condition(growth: 0.5).evaluate(current, at: at(hours: 24)).isEmpty)
    }

    @Test func totalsCountEveryProfileOnce() throws {
        // Two functions sharing profiles: the total is 2,000 per profile, not 4,000.
        let condition = HotspotCondition(selector: ServiceSelector(service: "api"), shareAbove: 0.04, window: .seconds(600))
        let samples = condition.evaluate(Self.input(encode: (500, 100)), at: at(hours: 24))
        #expect(samples.map { $0.labels["function"]! } == ["encoding/json.Marshal", "main.handle"])
        #expect(samples.map(\.value) == [0.25, 0.05])
    }

    @Test func oneAlertPerServiceAndFunction() {
        let condition = HotspotCondition(shareAbove: 0.5, window: .seconds(600))
        let now = at(hours: 1)
        func series(_ service: String, _ function: String, file: String = "", value: Double) -> FunctionSeries {
            FunctionSeries(service: service, function: function, file: file, points: [SeriesPoint(time: now, value: value, total: 100)])
        }
        let samples = condition.evaluate([
            series("a", "f", file: "x.go", value: 30), series("a", "f", file: "y.go", value: 30),
            series("b", "f", value: 60), series("b", "g", value: 10),
        ], at: now)
        #expect(samples.map(\.labels) == [["service": "a", "function": "f"], ["service": "b", "function": "f"]])
        #expect(samples.map(\.value) == [0.6, 0.6])
    }

    @Test(arguments: [
        ("encoding/json.Marshal", true),
        ("encoding/json.(*encodeState).marshal", true),
        ("x/encoding/json.Marshal", false),
        ("encoding/jsonx", false),
    ])
    func functionPatternIsAnchored(name: String, matches: Bool) throws {
        #expect(try FunctionPattern("encoding/json\\..*").matcher().matches(name) == matches)
    }

    @Test func selectorMatchesProfileLabels() {
        let condition = HotspotCondition(selector: ServiceSelector(service: "api", labels: ["region": "eu"]), shareAbove: 0.5, window: .seconds(60))
        let now = at(minutes: 1)
        let point = [SeriesPoint(time: now, value: 90, total: 100)]
        let samples = condition.evaluate([
            FunctionSeries(service: "api", labels: ["region": "eu"], function: "f", points: point),
            FunctionSeries(service: "api", labels: ["region": "us"], function: "g", points: point),
            FunctionSeries(service: "web", labels: ["region": "eu"], function: "h", points: point),
        ], at: now)
        #expect(samples.map { $0.labels["function"] } == ["f"])
    }
}
