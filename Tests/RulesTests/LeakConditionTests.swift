import Foundation
import Testing
@testable import Rules

@Suite struct LeakConditionTests {
    /// Six hours of heap at one point per 10 minutes (37 points), 100 MB baseline.
    static let leak = LeakCondition(
        selector: ServiceSelector(service: "api"), window: .seconds(6 * 3600 + 60),
        minPoints: 12, minRelativeGrowth: 0.2
    )
    static let end = at(hours: 6)
    static let base = 100_000_000.0

    @Test func clearLinearGrowthFires() throws {
        // +50 MB over 6 h: slope 8.33 MB/h, relative growth 0.5.
        let values = (0...36).map { Self.base + Double($0) * 50_000_000 / 36 }
        let samples = Self.leak.evaluate([serviceSeries("api", values: values)], at: Self.end)
        let sample = try #require(samples.first)
        #expect(samples.count == 1)
        #expect(sample.labels == ["service": "api"])
        #expect(abs(sample.value - 50_000_000.0 / 6) < 1)
        #expect(abs(sample.details["relative_growth"]! - 0.5) < 1e-9)
        #expect(sample.details["points"] == 37)
        #expect(sample.evidence.count == 37)
    }

    @Test func growthWithGarbageCollectionSawtoothStillFires() {
        // A leak under a GC sawtooth: ±10 MB teeth on a +40 % trend.
        let values: [Double] = (0...36).map { (index: Int) -> Double in
            let trend = Self.base * (1 + 0.4 * Double(index) / 36)
            let tooth = (Double(index % 4) - 1.5) * 6_000_000
            return trend + tooth
        }
        #expect(Self.leak.evaluate([serviceSeries("api", values: values)], at: Self.end).count == 1)
    }

    /// Series that look busy but do not leak; none may fire.
    static func noise() -> [(String, [Double])] {
        var generator = SplitMix64(seed: 42)
        let uniform = (0...36).map { _ in Self.base * (1 + Double.random(in: -0.1...0.1, using: &generator)) }
        // A mean-reverting random walk (AR(1), φ = 0.8) around the base.
        var level = 0.0
        let walk = (0...36).map { _ in
            level = 0.8 * level + Double.random(in: -0.05...0.05, using: &generator)
            return Self.base * (1 + level)
        }
        // GC sawtooth: grows 30 % then drops, six times.
        let sawtooth = (0...36).map { Self.base * (1 + 0.3 * Double($0 % 6) / 5) }
        // Flat, with one huge spike near the end.
        var spike = Array(repeating: Self.base, count: 37)
        spike[34] = Self.base * 5
        return [("uniform noise", uniform), ("AR(1) walk", walk), ("sawtooth", sawtooth), ("single spike", spike)]
    }

    @Test(arguments: noise())
    func noiseDoesNotFire(name: String, values: [Double]) {
        let samples = Self.leak.evaluate([serviceSeries("api", values: values)], at: Self.end)
        #expect(samples.isEmpty, "\(name) fired: \(samples.first?.details ?? [:])")
    }

    /// A perfectly straight +1 % over six hours is as "significant" as a trend can be (any
    /// test would give a p-value near 0), but it is under the minimum relative growth: no alert.
    @Test func significantButSmallGrowthDoesNotFire() {
        let values = (0...36).map { Self.base * (1 + 0.01 * Double($0) / 36) }
        #expect(Self.leak.evaluate([serviceSeries("api", values: values)], at: Self.end).isEmpty)
    }

    @Test func tooFewPointsDoNotFire() {
        // A steep leak, but 11 points < min_points 12 (one per 30 minutes over 5 hours).
        let values = (0...10).map { Self.base * (1 + Double($0)) }
        let series = serviceSeries("api", values: values, stepMinutes: 30, start: at(hours: 1))
        #expect(Self.leak.evaluate([series], at: Self.end).isEmpty)
    }

    @Test func slopeBelowMinimumDoesNotFire() {
        var leak = Self.leak
        leak.minSlopePerHour = 10_000_000
        let values = (0...36).map { Self.base + Double($0) * 50_000_000 / 36 }
        #expect(leak.evaluate([serviceSeries("api", values: values)], at: Self.end).isEmpty)
    }

    @Test func shrinkingDoesNotFire() {
        let values = (0...36).map { Self.base * 2 - Double($0) * 1_000_000 }
        #expect(Self.leak.evaluate([serviceSeries("api", values: values)], at: Self.end).isEmpty)
    }

    @Test func onlyPointsInTheWindowCount() {
        // Growth happened 12–6 h ago; the last 6 h are flat.
        let values = (0...72).map { Self.base * (1 + min(Double($0), 36) / 36) }
        let series = serviceSeries("api", values: values, start: at(hours: -6))
        #expect(Self.leak.evaluate([series], at: Self.end).isEmpty)
    }

    @Test func goroutinesPerFunction() throws {
        let leak = LeakCondition(
            selector: ServiceSelector(service: "api"), sampleType: "goroutine",
            function: try FunctionPattern("net/http\\..*"),
            window: .seconds(3600), minPoints: 5, minRelativeGrowth: 0.5
        )
        #expect(leak.profileType == .goroutine)
        func series(_ function: String, _ values: [Double]) -> FunctionSeries {
            FunctionSeries(service: "api", function: function, points: values.enumerated().map {
                SeriesPoint(time: at(minutes: Double($0.offset * 10)), value: $0.element, total: 1_000)
            })
        }
        let input = [
            series("net/http.(*conn).serve", [10, 20, 30, 40, 50, 60, 70]),
            series("net/http.(*Transport).dialConn", [10, 10, 11, 10, 10, 11, 10]),
            series("main.worker", [10, 20, 30, 40, 50, 60, 70]),
        ]
        let samples = leak.evaluate(input, at: at(minutes: 60))
        #expect(samples.map(\.labels) == [["service": "api", "function": "net/http.(*conn).serve"]])
        #expect(samples.first?.value == 60)
    }
}
