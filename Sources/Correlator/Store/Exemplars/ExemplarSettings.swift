import Exemplars
import Yams

/// The `exemplars:` section of the configuration file: which exemplar labels hold the trace,
/// span and profile ids. Each list replaces the default (``ExemplarIDKeys/default``).
///
/// ```yaml
/// exemplars:
///   trace_id_labels: [trace_id, traceID]
///   span_id_labels: [span_id]
///   profile_id_labels: [profile_id, pyroscope.profile.id]
/// ```
public struct ExemplarSettings: Sendable, Hashable {
    public var idKeys: ExemplarIDKeys = .default

    public init() {}

    static func parse(_ node: Node, path: String) throws -> ExemplarSettings {
        guard let mapping = node.mapping else {
            throw ConfigurationError.invalid("\(path):\(node.mark?.line ?? 0)", "'exemplars' must be a mapping")
        }
        var settings = ExemplarSettings()
        for (key, value) in mapping {
            let name = key.string ?? ""
            let location = "\(path):\(key.mark?.line ?? 0)"
            let list: [String]
            if let sequence = value.sequence {
                list = sequence.compactMap { $0.scalar?.string }
            } else if let scalar = value.scalar?.string {
                list = [scalar]
            } else {
                list = []
            }
            guard !list.isEmpty, list.allSatisfy({ !$0.isEmpty }) else {
                throw ConfigurationError.invalid(location, "'\(name)' must be a non-empty list of label names")
            }
            switch name {
            case "trace_id_labels": settings.idKeys.traceID = list
            case "span_id_labels": settings.idKeys.spanID = list
            case "profile_id_labels": settings.idKeys.profileID = list
            default:
                throw ConfigurationError.invalid(location, "unknown exemplars setting '\(name)' (trace_id_labels, span_id_labels, profile_id_labels)")
            }
        }
        return settings
    }
}
