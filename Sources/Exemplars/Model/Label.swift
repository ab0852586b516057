/// One label: a name and a value, as in Prometheus.
public struct Label: Sendable, Hashable, CustomStringConvertible {
    /// The label name, such as `__name__`, `le` or `trace_id`.
    public var name: String
    /// The label value (unescaped).
    public var value: String

    @inlinable
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// The label in exposition syntax: `name="value"` with `\`, `"` and newlines escaped.
    public var description: String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return "\(name)=\"\(escaped)\""
    }
}

extension Label {
    /// `__name__`, the name of the label that holds a series' metric name.
    public static let metricNameKey = "__name__"
}
