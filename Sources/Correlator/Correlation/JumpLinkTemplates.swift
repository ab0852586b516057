import Foundation

/// URL templates for external tools (`jump_links:` in the configuration file), rendered next to
/// every link. Placeholders: `{{trace_id}}`, `{{span_id}}`, `{{profile_id}}`, `{{service}}`,
/// `{{profile_type}}`, `{{start}}`, `{{end}}` (RFC 3339) and `{{start_ms}}`, `{{end_ms}}` (Unix
/// milliseconds). Values are percent-encoded for a URL query.
///
/// ```yaml
/// jump_links:
///   grafana: "https://grafana.example/explore?left={\"queries\":[{\"profileTypeId\":\"process_cpu:cpu:nanoseconds:cpu:nanoseconds\",\"spanSelector\":[\"{{span_id}}\"],\"labelSelector\":\"{service_name=\\\"{{service}}\\\"}\"}],\"range\":{\"from\":\"{{start_ms}}\",\"to\":\"{{end_ms}}\"}}"
///   tempo: "https://grafana.example/explore?left={\"datasource\":\"tempo\",\"queries\":[{\"query\":\"{{trace_id}}\"}]}"
///   jaeger: "http://jaeger.example:16686/trace/{{trace_id}}?uiFind={{span_id}}"
/// ```
public struct JumpLinkTemplates: Sendable, Hashable {
    /// Name → template, rendered in name order.
    public var templates: [String: String]

    public init(_ templates: [String: String] = [:]) { self.templates = templates }

    public static let placeholders = ["trace_id", "span_id", "profile_id", "service", "profile_type", "start", "end", "start_ms", "end_ms"]

    /// Checks a template names only known placeholders; returns the unknown one.
    public static func unknownPlaceholder(in template: String) -> String? {
        var rest = template[...]
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { return String(rest[open.lowerBound...]) }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if !placeholders.contains(name) { return name }
            rest = rest[close.upperBound...]
        }
        return nil
    }

    /// Every template rendered for one link.
    public func render(_ link: ProfileLink) -> [String: String] {
        let values: [String: String] = [
            "trace_id": link.traceID, "span_id": link.spanID, "profile_id": link.profileID,
            "service": link.service, "profile_type": link.profileType,
            "start": Timestamp.rfc3339(link.startNanos), "end": Timestamp.rfc3339(link.endNanos),
            "start_ms": String(link.startNanos / 1_000_000), "end_ms": String(link.endNanos / 1_000_000),
        ]
        var result: [String: String] = [:]
        for (name, template) in templates {
            var text = template
            for (key, value) in values {
                let encoded = value.addingPercentEncoding(withAllowedCharacters: Self.allowed) ?? value
                text = text.replacingOccurrences(of: "{{\(key)}}", with: encoded)
                text = text.replacingOccurrences(of: "{{ \(key) }}", with: encoded)
            }
            result[name] = text
        }
        return result
    }

    private static let allowed: CharacterSet = {
        var set = CharacterSet.alphanumerics
        set.insert(charactersIn: "-._~:")
        return set
    }()
}
