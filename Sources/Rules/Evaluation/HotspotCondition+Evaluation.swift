import struct Foundation.Date

extension HotspotCondition {
    /// The (service, function) pairs that cross the thresholds at `time`.
    ///
    /// - Parameters:
    ///   - series: What the store returned for ``AlertingRule/seriesRequest(at:)``: per-function
    ///     series whose points carry their profile's total. Series the selector rejects are ignored.
    ///   - time: The evaluation time; the window is `(time − window, time]`.
    public func evaluate(_ series: [FunctionSeries], at time: Date) -> [AlertSample] {
        var samples: [AlertSample] = []
        let baselineEnd = baseline.map { time.addingTimeInterval(-$0.offset.timeInterval) }
        let baselineLength = baseline?.window ?? window
        for group in SeriesWindow.grouped(series, selector: selector, function: function) {
            let currentTotal = SeriesWindow.serviceTotals(group.all, end: time, length: window).reduce(0) { $0 + $1.total }
            guard currentTotal > 0 else { continue }
            let baselineTotal = baselineEnd.map {
                SeriesWindow.serviceTotals(group.all, end: $0, length: baselineLength).reduce(0) { $0 + $1.total }
            }
            for function in group.functions {
                let points = SeriesWindow.merged(function.series, end: time, length: window)
                let share = points.reduce(0) { $0 + $1.value } / currentTotal
                var details: [String: Double] = ["share": share, "total": currentTotal]
                if let shareAbove, !(share > shareAbove) { continue }
                var value = share
                if let growthAbove {
                    guard let baselineEnd, let baselineTotal, baselineTotal > 0 else { continue }
                    let baselineValue = SeriesWindow.merged(function.series, end: baselineEnd, length: baselineLength)
                        .reduce(0) { $0 + $1.value }
                    let baselineShare = baselineValue / baselineTotal
                    let growth: Double
                    if baselineShare > 0 {
                        growth = share / baselineShare - 1
                    } else {
                        growth = share > 0 ? .infinity : 0
                    }
                    details["baseline_share"] = baselineShare
                    details["growth"] = growth
                    guard growth > growthAbove else { continue }
                    value = growth
                }
                samples.append(
                    AlertSample(
                        labels: ["service": group.service, "function": function.name],
                        value: value, details: details, evidence: points
                    )
                )
            }
        }
        return samples
    }
}
