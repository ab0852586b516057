extension RuleCondition {
    /// The labels every sample of this condition carries: `service`, and `function` for
    /// per-function conditions.
    public var sampleLabelNames: Set<String> {
        switch self {
        case .hotspot: ["service", "function"]
        case .allocation(let allocation): allocation.function == nil ? ["service"] : ["service", "function"]
        case .leak(let leak): leak.function == nil ? ["service"] : ["service", "function"]
        }
    }

    /// The detail variables (``AlertSample/details``) this condition's samples carry.
    public var templateVariableNames: Set<String> {
        switch self {
        case .hotspot(let hotspot):
            hotspot.growthAbove == nil ? ["share", "total"] : ["share", "total", "baseline_share", "growth"]
        case .allocation:
            ["per_second"]
        case .leak:
            ["slope_per_hour", "relative_growth", "points", "first", "last"]
        }
    }
}
