/// A function's share of a sample type over a threshold, and/or its growth over a baseline window.
///
/// The share is the function's value (flat or cum) summed over the profiles in the window,
/// divided by the total of the same sample type over the same profiles. Growth compares that share
/// with the function's share in the baseline window, which is the same as scaling the baseline to
/// the current total first (pprof's `-normalize`): `growth = share / baselineShare - 1`, so `0.5`
/// means +50 %. When both thresholds are given, both must be crossed. A function absent from a
/// baseline that has profiles has infinite growth; a baseline with no profiles at all gives no
/// growth, so the rule cannot fire on growth alone.
///
/// One sample per (service, function name) that crosses; functions of the same name in different
/// files are added together. Labels: `service`, `function`.
public struct HotspotCondition: Sendable, Hashable {
    /// The baseline window: `window` long, ending `offset` before the evaluation time.
    public struct Baseline: Sendable, Hashable, Codable {
        /// How far back the baseline window ends (`1d` compares with yesterday).
        public var offset: Duration
        /// The baseline window's length; `nil` means the current window's length.
        public var window: Duration?

        public init(offset: Duration, window: Duration? = nil) {
            self.offset = offset
            self.window = window
        }
    }

    /// Which services (`service:` or `selector:`); omitted means all.
    public var selector: ServiceSelector
    /// Which profiles (`profile_type:`, default `cpu`).
    public var profileType: ProfileType
    /// The pprof sample type, such as `cpu`, `samples`, `alloc_space`.
    public var sampleType: String
    /// Only functions whose name matches entirely; `nil` means every function.
    public var function: FunctionPattern?
    /// `flat` (self) or `cum` (with callees) values (`measure:`, default `flat`).
    public var measure: Measure
    /// Fires when the share is above this, 0...1.
    public var shareAbove: Double?
    /// Fires when the growth over the baseline is above this ratio (`0.5` = +50 %).
    public var growthAbove: Double?
    /// The current window, ending at the evaluation time.
    public var window: Duration
    /// Required with `growthAbove`.
    public var baseline: Baseline?

    public init(
        selector: ServiceSelector = ServiceSelector(),
        profileType: ProfileType = .cpu,
        sampleType: String? = nil,
        function: FunctionPattern? = nil,
        measure: Measure = .flat,
        shareAbove: Double? = nil,
        growthAbove: Double? = nil,
        window: Duration,
        baseline: Baseline? = nil
    ) {
        self.selector = selector
        self.profileType = profileType
        self.sampleType = sampleType ?? profileType.defaultSampleType
        self.function = function
        self.measure = measure
        self.shareAbove = shareAbove
        self.growthAbove = growthAbove
        self.window = window
        self.baseline = baseline
    }
}
