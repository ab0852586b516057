/// Allocation rate (bytes or objects per second) of a service or of each matching function.
///
/// Without `function`, the rate is the service's total of the sample type (the profile totals);
/// with it, one sample per matching (service, function). `counter: cumulative` (the default, what
/// Go's `/debug/pprof/allocs` serves) treats values as a counter since process start and computes
/// `increase / elapsed` between the first and last point in the window, counting a drop as a
/// restart as Prometheus's `rate` does (no extrapolation). `counter: delta` treats each point as
/// what was allocated during its profile and divides the sum by the summed profile durations (or
/// by the window when durations are unknown).
public struct AllocationCondition: Sendable, Hashable {
    /// How allocation values accumulate across profiles.
    public enum Counter: String, Sendable, Hashable, Codable, CaseIterable {
        case cumulative, delta
    }

    /// Which services (`service:` or `selector:`); omitted means all.
    public var selector: ServiceSelector
    /// `allocs` (default) or `heap`: Go reports the alloc_* sample types in both, so pick one.
    public var profileType: ProfileType
    /// `alloc_space` (bytes) or `alloc_objects`.
    public var sampleType: String
    /// Per matching function when set; the service total otherwise.
    public var function: FunctionPattern?
    /// `flat` or `cum`, for per-function rates (default `flat`).
    public var measure: Measure
    /// Fires when the rate per second is above this.
    public var perSecondAbove: Double
    /// The rate is over `(time − window, time]`.
    public var window: Duration
    /// How values accumulate (`counter:`, default `cumulative`).
    public var counter: Counter

    public init(
        selector: ServiceSelector = ServiceSelector(),
        profileType: ProfileType = .allocs,
        sampleType: String = "alloc_space",
        function: FunctionPattern? = nil,
        measure: Measure = .flat,
        perSecondAbove: Double,
        window: Duration,
        counter: Counter = .cumulative
    ) {
        self.selector = selector
        self.profileType = profileType
        self.sampleType = sampleType
        self.function = function
        self.measure = measure
        self.perSecondAbove = perSecondAbove
        self.window = window
        self.counter = counter
    }
}
