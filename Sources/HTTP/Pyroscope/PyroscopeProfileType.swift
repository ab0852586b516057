import Correlator
import ProfileIndex

/// A profile type as Pyroscope names it: `<name>:<sample type>:<sample unit>:<period type>:<period unit>`,
/// e.g. `process_cpu:cpu:nanoseconds:cpu:nanoseconds` or `memory:inuse_space:bytes:space:bytes`.
/// One stored series (a kind, with several sample types) is one type per sample type.
struct PyroscopeProfileType: Hashable, Sendable {
    var name: String
    var sampleType: String
    var sampleUnit: String
    var periodType: String
    var periodUnit: String

    var id: String { "\(name):\(sampleType):\(sampleUnit):\(periodType):\(periodUnit)" }

    init(name: String, sampleType: String, sampleUnit: String, periodType: String, periodUnit: String) {
        self.name = name
        self.sampleType = sampleType
        self.sampleUnit = sampleUnit
        self.periodType = periodType
        self.periodUnit = periodUnit
    }

    /// Parses an id; nil when it is not five non-empty parts (the sample type may not be empty).
    init?(id: String) {
        let parts = id.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        self.init(name: parts[0], sampleType: parts[1], sampleUnit: parts[2], periodType: parts[3], periodUnit: parts[4])
    }

    /// Pyroscope's name of a stored kind and the period Go's profiler gives it.
    static func naming(_ kind: String) -> (name: String, periodType: String, periodUnit: String) {
        switch ProfileKind(rawValue: kind) {
        case .cpu: ("process_cpu", "cpu", "nanoseconds")
        case .heap, .allocs: ("memory", "space", "bytes")
        case .goroutine: ("goroutine", "goroutine", "count")
        case .block: ("block", "contentions", "count")
        case .mutex: ("mutex", "contentions", "count")
        case nil: (kind, "", "")
        }
    }

    /// The types of a stored series: one per sample type.
    static func types(of key: ProfileSeriesKey) -> [PyroscopeProfileType] {
        let naming = naming(key.type)
        return key.sampleTypes.map {
            PyroscopeProfileType(name: naming.name, sampleType: $0.type, sampleUnit: $0.unit, periodType: naming.periodType, periodUnit: naming.periodUnit)
        }
    }

    /// The stored kinds that may hold this type, the likeliest first: `memory` is both Go's
    /// heap and allocs profiles (the same four sample types), so `alloc_*` asks allocs first.
    var kinds: [ProfileKind] {
        switch name {
        case "memory": sampleType.hasPrefix("alloc") ? [.allocs, .heap] : [.heap, .allocs]
        case "process_cpu": [.cpu]
        default: ProfileKind(name: name).map { [$0] } ?? []
        }
    }

    /// The labels Pyroscope gives a series of this type, besides its own: `__name__`,
    /// `__profile_type__`, `__type__`, `__unit__`, `__period_type__`, `__period_unit__`.
    var reservedLabels: [String: String] {
        [
            "__name__": name, "__profile_type__": id, "__type__": sampleType, "__unit__": sampleUnit,
            "__period_type__": periodType, "__period_unit__": periodUnit,
        ]
    }
}
