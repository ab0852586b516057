import Exemplars
import ProfileIndex

/// What makes profiles one series for merging: service, type, labels and sample types (names
/// and units, in order). Its fingerprint is the `series_fp` of `profile_series` and
/// `profile_stacks`.
///
/// The fingerprint is the ``LabelSet`` fingerprint (the one exemplar series use, fixed
/// forever) of the labels plus three reserved ones: `__service__`, `__type__` and
/// `__sample_types__` (`samples/count,cpu/nanoseconds`). Reserved names start with `__`, which
/// Prometheus reserves too, so no user label collides with them.
public struct ProfileSeriesKey: Sendable, Hashable {
    public let service: String
    public let type: String
    public let labels: [String: String]
    public let sampleTypes: [ProfileValueType]

    public init(service: String, type: String, labels: [String: String], sampleTypes: [ProfileValueType]) {
        self.service = service
        self.type = type
        self.labels = labels
        self.sampleTypes = sampleTypes
    }

    public var fingerprint: Int64 {
        var all = labels.map { Label(name: $0.key, value: $0.value) }
        all.append(Label(name: "__service__", value: service))
        all.append(Label(name: "__type__", value: type))
        all.append(Label(name: "__sample_types__", value: sampleTypes.map { "\($0.type)/\($0.unit)" }.joined(separator: ",")))
        return Int64(bitPattern: LabelSet(all).fingerprint)
    }

    /// The labels a selector is matched against: the profile's own, plus `service_name` (the
    /// name Pyroscope and Grafana use) and `service` for the service, unless the profile has
    /// labels of those names itself.
    public var selectorLabels: LabelSet {
        var all = labels
        if all["service_name"] == nil { all["service_name"] = service }
        if all["service"] == nil { all["service"] = service }
        return LabelSet(all.map { Label(name: $0.key, value: $0.value) })
    }
}
