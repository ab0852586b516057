/// Sustained growth of `inuse_space` / `inuse_objects` (heap) or of the goroutine count.
///
/// Over the points in the window, fits a robust line (``TheilSen``) and fires only when **all** hold:
/// the slope is positive (and at least `minSlopePerHour` when given), the relative growth over
/// the window on the fitted line is at least `minRelativeGrowth`, and there are at least
/// `minPoints` points. Relative growth is `slope × (last − first time) / fitted value at the first
/// time` (infinite when that value is ≤ 0 and the slope is positive). There is no significance
/// test: a p-value alone never fires. Without `function`, the service totals are used; with it,
/// one sample per matching (service, function). The sample's value is the slope per hour.
public struct LeakCondition: Sendable, Hashable {
    /// `min_points` when the rule file doesn't set it.
    public static let defaultMinPoints = 10

    /// Which services (`service:` or `selector:`); omitted means all.
    public var selector: ServiceSelector
    /// `heap` for inuse_*, `goroutine` for goroutine (derived from the sample type unless given).
    public var profileType: ProfileType
    /// `inuse_space`, `inuse_objects` or `goroutine`.
    public var sampleType: String
    /// Per matching function when set; the service total otherwise.
    public var function: FunctionPattern?
    /// `flat` or `cum`, for per-function series (default `flat`).
    public var measure: Measure
    /// The fit uses the points in `(time − window, time]`.
    public var window: Duration
    /// Fewer points in the window never fire (`min_points:`, default 10, at least 3).
    public var minPoints: Int
    /// Growth on the fitted line over the window, as a ratio (`0.2` = +20 %).
    public var minRelativeGrowth: Double
    /// In the sample type's unit per hour (bytes, objects, goroutines).
    public var minSlopePerHour: Double?

    public init(
        selector: ServiceSelector = ServiceSelector(),
        sampleType: String = "inuse_space",
        profileType: ProfileType? = nil,
        function: FunctionPattern? = nil,
        measure: Measure = .flat,
        window: Duration,
        minPoints: Int = LeakCondition.defaultMinPoints,
        minRelativeGrowth: Double,
        minSlopePerHour: Double? = nil
    ) {
        self.selector = selector
        self.sampleType = sampleType
        self.profileType = profileType ?? (sampleType == "goroutine" ? .goroutine : .heap)
        self.function = function
        self.measure = measure
        self.window = window
        self.minPoints = minPoints
        self.minRelativeGrowth = minRelativeGrowth
        self.minSlopePerHour = minSlopePerHour
    }
}
