import struct Foundation.Date

extension LeakCondition {
    /// The services (or, with `function`, the (service, function) pairs) whose value grows
    /// steadily over the window ending at `time`; see ``LeakCondition`` for the exact test.
    public func evaluate(_ series: [FunctionSeries], at time: Date) -> [AlertSample] {
        var samples: [AlertSample] = []
        for group in SeriesWindow.grouped(series, selector: selector, function: function) {
            if function == nil {
                let points = SeriesWindow.serviceTotals(group.all, end: time, length: window)
                if let sample = sample(points, labels: ["service": group.service]) { samples.append(sample) }
            } else {
                for function in group.functions {
                    let points = SeriesWindow.merged(function.series, end: time, length: window)
                    let labels = ["service": group.service, "function": function.name]
                    if let sample = sample(points, labels: labels) { samples.append(sample) }
                }
            }
        }
        return samples
    }

    private func sample(_ points: [SeriesPoint], labels: [String: String]) -> AlertSample? {
        guard let trend = trend(points) else { return nil }
        guard trend.slopePerHour > 0 else { return nil }
        if let minSlopePerHour, trend.slopePerHour < minSlopePerHour { return nil }
        guard trend.relativeGrowth >= minRelativeGrowth else { return nil }
        let details: [String: Double] = [
            "slope_per_hour": trend.slopePerHour, "relative_growth": trend.relativeGrowth,
            "points": Double(points.count), "first": trend.first, "last": trend.last,
        ]
        return AlertSample(labels: labels, value: trend.slopePerHour, details: details, evidence: points)
    }

    /// The fitted trend of `points`, or `nil` when there are fewer than `minPoints`.
    func trend(_ points: [SeriesPoint]) -> (slopePerHour: Double, relativeGrowth: Double, first: Double, last: Double)? {
        guard points.count >= minPoints, let start = points.first?.time, let end = points.last?.time else { return nil }
        let hours = end.timeIntervalSince(start) / 3600
        guard hours > 0 else { return nil }
        let xy = points.map { (x: $0.time.timeIntervalSince(start) / 3600, y: $0.value) }
        guard let fit = TheilSen.fit(xy) else { return nil }
        let first = fit.value(at: 0)
        let last = fit.value(at: hours)
        let relativeGrowth: Double
        if first > 0 {
            relativeGrowth = (last - first) / first
        } else {
            relativeGrowth = fit.slope > 0 ? .infinity : 0
        }
        return (fit.slope, relativeGrowth, first, last)
    }
}
