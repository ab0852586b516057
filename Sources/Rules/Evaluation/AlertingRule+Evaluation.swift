import struct Foundation.Date

extension AlertingRule {
    /// The condition's active samples at `time`, from the series the store returned for
    /// ``seriesRequest(at:)``. Pure: the same input always gives the same output, in a stable order.
    public func evaluate(_ series: [FunctionSeries], at time: Date) -> [AlertSample] {
        switch condition {
        case .hotspot(let hotspot): hotspot.evaluate(series, at: time)
        case .allocation(let allocation): allocation.evaluate(series, at: time)
        case .leak(let leak): leak.evaluate(series, at: time)
        }
    }
}
