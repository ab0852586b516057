import struct Foundation.Date

/// What an evaluation of a rule needs from the store: which series, over which time range.
///
/// The store answers with `[FunctionSeries]` whose points have `time` in `start...end`, whose
/// `value` is the requested ``measure``, and whose `total` is the profile's total of the
/// ``sampleType``. When ``perFunction`` is false a single service-level series per service is
/// enough (see ``FunctionSeries``).
public struct SeriesRequest: Sendable, Hashable {
    /// Which services (and profile labels).
    public var selector: ServiceSelector
    /// Which profiles: only those of this type.
    public var profileType: ProfileType
    /// Which pprof sample type the values and totals are of.
    public var sampleType: String
    /// Which per-function value the points' `value` holds.
    public var measure: Measure
    /// Only functions matching this; `nil` means all functions (or the service level when
    /// ``perFunction`` is false).
    public var function: FunctionPattern?
    /// Whether the rule reads per-function values (`true`) or only profile totals (`false`).
    public var perFunction: Bool
    /// Earliest point time needed. Evaluators use points after it (windows are `(end − window, end]`),
    /// so returning points at exactly `start` is harmless.
    public var start: Date
    /// Latest point time needed (inclusive): the evaluation time.
    public var end: Date

    public init(
        selector: ServiceSelector, profileType: ProfileType, sampleType: String, measure: Measure,
        function: FunctionPattern?, perFunction: Bool, start: Date, end: Date
    ) {
        self.selector = selector
        self.profileType = profileType
        self.sampleType = sampleType
        self.measure = measure
        self.function = function
        self.perFunction = perFunction
        self.start = start
        self.end = end
    }
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
