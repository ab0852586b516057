import struct Foundation.Date

/// What an evaluation of a rule needs from the store: which series, over which time range.
///
/// The store answers with `[FunctionSeries]` whose points have `time` in `start...end`, whose
/// `value` is the requested ``measure``, and whose `total` is the profile's total of the
/// ``sampleType``. When ``perFunction`` is false a single service-level series per service is
/// enough (see ``FunctionSeries``).
public struct SeriesRequest: Sendable, Hashable {
    public var selector: ServiceSelector
    public var profileType: ProfileType
    public var sampleType: String
    public var measure: Measure
    /// Only functions matching this; `nil` means all functions (or the service level when
    /// ``perFunction`` is false).
    public var function: FunctionPattern?
    /// Whether the rule reads per-function values (`true`) or only profile totals (`false`).
    public var perFunction: Bool
    /// Earliest point time needed (inclusive).
    public var start: Date
    /// Latest point time needed (inclusive): the evaluation time.
    public var end: Date
}

extension AlertingRule {
    /// The series this rule needs for an evaluation at `time`.
    public func seriesRequest(at time: Date) -> SeriesRequest {
        switch condition {
        case .hotspot(let hotspot):
            var lookback = hotspot.window
            if let baseline = hotspot.baseline, hotspot.growthAbove != nil {
                lookback = max(lookback, baseline.offset + (baseline.window ?? hotspot.window))
            }
            return SeriesRequest(
                selector: hotspot.selector, profileType: hotspot.profileType, sampleType: hotspot.sampleType,
                measure: hotspot.measure, function: hotspot.function, perFunction: true,
                start: time.addingTimeInterval(-lookback.timeInterval), end: time
            )
        case .allocation(let allocation):
            return SeriesRequest(
                selector: allocation.selector, profileType: allocation.profileType,
                sampleType: allocation.sampleType, measure: allocation.measure, function: allocation.function,
                perFunction: allocation.function != nil,
                start: time.addingTimeInterval(-allocation.window.timeInterval), end: time
            )
        case .leak(let leak):
            return SeriesRequest(
                selector: leak.selector, profileType: leak.profileType, sampleType: leak.sampleType,
                measure: leak.measure, function: leak.function, perFunction: leak.function != nil,
                start: time.addingTimeInterval(-leak.window.timeInterval), end: time
            )
        }
    }
}
