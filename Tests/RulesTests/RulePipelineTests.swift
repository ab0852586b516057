import Foundation
import Testing
@testable import Rules

/// What the scheduler does each interval: request series, evaluate, update state, notify.
@Suite struct RulePipelineTests {
    static let yaml = """
        groups:
          - name: memory
            interval: 10m
            rules:
              - alert: HeapLeak
                leak:
                  selector: {service: api, region: eu}
                  window: 2h
                  min_points: 6
                  min_relative_growth: 0.2
                for: 30m
                labels: {severity: ticket}
                annotations:
                  summary: '{{service}} heap grows {{slope_per_hour | bytes}}/h (+{{relative_growth | percent}} in 2h)'
        """

    /// A heap growing 10 MB per 10 minutes from 100 MB in region eu, flat in region us.
    static func store(_ request: SeriesRequest) -> [FunctionSeries] {
        func series(region: String, growth: Double) -> FunctionSeries {
            let points = stride(from: 0.0, through: 600, by: 10).compactMap { minute -> SeriesPoint? in
                let time = at(minutes: minute)
                guard time > request.start, time <= request.end else { return nil }
                let value = 100e6 + growth * minute / 10
                return SeriesPoint(time: time, value: value, total: value)
            }
            return FunctionSeries(service: "api", labels: ["region": region], function: "", points: points)
        }
        return [series(region: "eu", growth: 10e6), series(region: "us", growth: 0)]
    }

    @Test func leakFiresAfterForAndNotifies() throws {
        let file = try RuleFile.parse(yaml: Self.yaml, file: "memory.yml")
        let group = try #require(file.groups.first)
        let rule = try #require(group.rules.first)
        let interval = try #require(group.interval)
        var state = AlertingRuleState()
        var firstNotification: (minute: Int, notification: AlertNotification)?
        for minute in stride(from: 0, through: 300, by: 10) {
            let time = at(minutes: Double(minute))
            let request = rule.seriesRequest(at: time)
            #expect(request.start == time.addingTimeInterval(-7200))
            #expect(request.perFunction == false)
            try state.evaluate(rule: rule, series: Self.store(request), at: time)
            if firstNotification == nil, let sent = state.notifications(at: time, interval: interval).first {
                firstNotification = (minute, sent)
            }
        }
        // 6 points are there at minute 50 (0…50); pending from 50, firing 30 minutes later.
        let (minute, notification) = try #require(firstNotification)
        #expect(minute == 80)
        #expect(notification.labels == ["alertname": "HeapLeak", "service": "api", "severity": "ticket"])
        #expect(notification.startsAt == at(minutes: 80))
        #expect(notification.endsAt == at(minutes: 80 + 40))
        // At minute 80: slope 60 MB/h = 57.22 MiB/h; points 0…80 rise from 100 MB to 180 MB.
        #expect(notification.annotations["summary"] == "api heap grows 57.22MiB/h (+80% in 2h)")
        #expect(state.activeAlerts.count == 1)
    }
}
