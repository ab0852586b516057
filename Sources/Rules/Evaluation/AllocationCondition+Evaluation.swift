import struct Foundation.Date

extension AllocationCondition {
    /// The services (or, with `function`, the (service, function) pairs) allocating faster than
    /// `perSecondAbove` over the window ending at `time`.
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
        guard let rate = rate(points), rate > perSecondAbove else { return nil }
        return AlertSample(labels: labels, value: rate, details: ["per_second": rate], evidence: points)
    }

    /// Allocation per second over `points` (time-ordered), or `nil` when it cannot be told.
    func rate(_ points: [SeriesPoint]) -> Double? {
        switch counter {
        case .cumulative:
            guard points.count >= 2, let first = points.first, let last = points.last else { return nil }
            let elapsed = last.time.timeIntervalSince(first.time)
            guard elapsed > 0 else { return nil }
            var increase = 0.0
            for (previous, next) in zip(points, points.dropFirst()) {
                // A drop means the process restarted and its counter began again from zero.
                increase += next.value >= previous.value ? next.value - previous.value : next.value
            }
            return increase / elapsed
        case .delta:
            guard !points.isEmpty else { return nil }
            let allocated = points.reduce(0) { $0 + $1.value }
            let durations = points.compactMap(\.duration)
            if durations.count == points.count {
                let covered = durations.reduce(0) { $0 + $1.timeInterval }
                if covered > 0 { return allocated / covered }
            }
            return allocated / window.timeInterval
        }
    }
}
