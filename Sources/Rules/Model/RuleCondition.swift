/// The condition of an alerting rule: one of the three profile conditions.
public enum RuleCondition: Sendable, Hashable {
    /// A function's share of a sample type, and/or its growth over a baseline.
    case hotspot(HotspotCondition)
    /// Allocation rate of a service or a function.
    case allocation(AllocationCondition)
    /// Sustained growth of in-use memory or goroutines.
    case leak(LeakCondition)

    /// The YAML key of the condition: `hotspot`, `allocation` or `leak`.
    public var kind: String {
        switch self {
        case .hotspot: "hotspot"
        case .allocation: "allocation"
        case .leak: "leak"
        }
    }
}

/// The kind of pprof profile a series comes from.
public enum ProfileType: String, Sendable, Hashable, Codable, CaseIterable {
    case cpu, heap, allocs, goroutine, block, mutex

    /// The sample type a rule uses when it names none: `cpu`, `inuse_space`, `alloc_space`,
    /// `goroutine`, `delay`, `delay`.
    public var defaultSampleType: String {
        switch self {
        case .cpu: "cpu"
        case .heap: "inuse_space"
        case .allocs: "alloc_space"
        case .goroutine: "goroutine"
        case .block, .mutex: "delay"
        }
    }
}

/// Which per-function value a rule reads: self time (`flat`) or including callees (`cum`).
public enum Measure: String, Sendable, Hashable, Codable, CaseIterable {
    case flat, cum
}
