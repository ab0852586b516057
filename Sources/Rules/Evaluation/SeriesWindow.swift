import struct Foundation.Date

/// Helpers shared by the evaluators: window selection and per-service / per-function merging.
enum SeriesWindow {
    /// Whether `time` lies in the window of `length` ending at `end`: `(end − length, end]`.
    static func contains(_ time: Date, end: Date, length: Duration) -> Bool {
        time <= end && time > end.addingTimeInterval(-length.timeInterval)
    }

    /// One point per distinct time, with the service's total (the profile total) as value.
    static func serviceTotals(_ series: [FunctionSeries], end: Date, length: Duration) -> [SeriesPoint] {
        var byTime: [Date: SeriesPoint] = [:]
        for function in series {
            for point in function.points where contains(point.time, end: end, length: length) {
                if byTime[point.time] == nil {
                    byTime[point.time] = SeriesPoint(time: point.time, value: point.total, total: point.total, duration: point.duration)
                }
            }
        }
        return byTime.values.sorted { $0.time < $1.time }
    }

    /// Points of the given series in the window, added together per time.
    static func merged(_ series: [FunctionSeries], end: Date, length: Duration) -> [SeriesPoint] {
        var byTime: [Date: SeriesPoint] = [:]
        for function in series {
            for point in function.points where contains(point.time, end: end, length: length) {
                if var existing = byTime[point.time] {
                    existing.value += point.value
                    byTime[point.time] = existing
                } else {
                    byTime[point.time] = point
                }
            }
        }
        return byTime.values.sorted { $0.time < $1.time }
    }

    /// Series grouped by service, then by function name, in a stable order, keeping those the
    /// selector and pattern accept.
    static func grouped(
        _ series: [FunctionSeries], selector: ServiceSelector, function pattern: FunctionPattern?
    ) -> [(service: String, all: [FunctionSeries], functions: [(name: String, series: [FunctionSeries])])] {
        let matcher = pattern?.matcher()
        var byService: [String: [FunctionSeries]] = [:]
        for one in series where selector.matches(one) {
            byService[one.service, default: []].append(one)
        }
        return byService.keys.sorted().map { service in
            let all = byService[service]!
            var byFunction: [String: [FunctionSeries]] = [:]
            for one in all where !one.function.isEmpty && (matcher?.matches(one.function) ?? true) {
                byFunction[one.function, default: []].append(one)
            }
            let functions = byFunction.keys.sorted().map { (name: $0, series: byFunction[$0]!) }
            return (service: service, all: all, functions: functions)
        }
    }
}
