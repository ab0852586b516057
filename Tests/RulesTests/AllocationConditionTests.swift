import Foundation
import Testing
@testable import Rules

@Suite struct AllocationConditionTests {
    @Test func cumulativeRateWithARestart() throws {
        // Bytes since process start, every minute; restart after the 3rd point.
        // Increase: 60M + 60M + (restart) 30M + 60M = 210M over 4 minutes → 875 kB/s.
        let values = [0.0, 60e6, 120e6, 30e6, 90e6]
        let series = serviceSeries("api", values: values, stepMinutes: 1)
        let condition = AllocationCondition(selector: ServiceSelector(service: "api"), perSecondAbove: 800_000, window: .seconds(300))
        let sample = try #require(condition.evaluate([series], at: at(minutes: 4)).first)
        #expect(sample.value == 875_000)
        #expect(sample.labels == ["service": "api"])
        var higher = condition
        higher.perSecondAbove = 900_000
        #expect(higher.evaluate([series], at: at(minutes: 4)).isEmpty)
    }

    @Test func deltaRateDividesByProfileDurations() throws {
        let points = (0..<3).map {
            SeriesPoint(time: at(minutes: Double($0)), value: 10e6, total: 10e6, duration: .seconds(10))
        }
        let condition = AllocationCondition(perSecondAbove: 100, window: .seconds(300), counter: .delta)
        let sample = try #require(condition.evaluate([FunctionSeries(service: "api", function: "", points: points)], at: at(minutes: 3)).first)
        #expect(sample.value == 1e6)
    }

    @Test func perFunctionRates() throws {
        let condition = AllocationCondition(function: try FunctionPattern("main\\..*"), perSecondAbove: 1_000, window: .seconds(600))
        func series(_ function: String, perMinute: Double) -> FunctionSeries {
            FunctionSeries(service: "api", function: function, points: (0...5).map {
                SeriesPoint(time: at(minutes: Double($0)), value: Double($0) * perMinute, total: 0)
            })
        }
        let samples = condition.evaluate([series("main.render", perMinute: 120_000), series("main.idle", perMinute: 600), series("fmt.Sprintf", perMinute: 1e9)], at: at(minutes: 5))
        #expect(samples.map(\.labels) == [["service": "api", "function": "main.render"]])
        #expect(samples.first?.value == 2_000)
    }

    @Test func onePointGivesNoCumulativeRate() {
        let condition = AllocationCondition(perSecondAbove: 0, window: .seconds(300))
        #expect(condition.evaluate([serviceSeries("api", values: [1e9])], at: origin).isEmpty)
    }
}
