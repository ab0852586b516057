import ProfileIndex

/// What a stored profile measures: the `type` column, one of Go's `net/http/pprof` profiles.
public enum ProfileKind: String, Sendable, Hashable, CaseIterable, Codable {
    case cpu, heap, allocs, goroutine, block, mutex

    /// A kind given by name (`?type=`), accepting Pyroscope's names too (`alloc_space`, `goroutines`, …).
    public init?(name: some StringProtocol) {
        let name = name.lowercased()
        if let kind = ProfileKind(rawValue: name) {
            self = kind
            return
        }
        switch name {
        case "itimer", "wall", "samples", "process_cpu", "profile": self = .cpu
        case "inuse_space", "inuse_objects", "memory": self = .heap
        case "alloc_space", "alloc_objects": self = .allocs
        case "goroutines": self = .goroutine
        case "block_count", "block_duration", "contentions": self = .block
        case "mutex_count", "mutex_duration": self = .mutex
        default: return nil
        }
    }

    /// The kind a profile's sample and period types imply, as Go's profiler writes them; nil when
    /// they say nothing known. Block and mutex profiles look alike: contention profiles are `block`
    /// unless named otherwise.
    public init?(inferredFrom profile: Profile) {
        let types = Set(profile.sampleTypes.map(\.type))
        if profile.periodType?.type == "cpu" || types.contains("cpu") {
            self = .cpu
        } else if types.contains("alloc_space") || types.contains("inuse_space") {
            let defaultType = profile.sampleTypes.indices.contains(profile.defaultSampleTypeIndex)
                ? profile.sampleTypes[profile.defaultSampleTypeIndex].type : ""
            self = defaultType.hasPrefix("alloc_") ? .allocs : .heap
        } else if types.contains("goroutine") || types.contains("goroutines") {
            self = .goroutine
        } else if types.contains("contentions") || types.contains("delay") {
            self = .block
        } else {
            return nil
        }
    }
}
