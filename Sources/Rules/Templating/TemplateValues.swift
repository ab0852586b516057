/// The variables a template can use for one alert: labels, value and the condition's details.
public struct TemplateValues: Sendable, Hashable {
    /// A variable's value: text or a number (formatted on output).
    public enum Value: Sendable, Hashable {
        case text(String)
        case number(Double)

        func formatted(_ formatter: AnnotationTemplate.Formatter) -> String {
            switch self {
            case .text(let text):
                return text
            case .number(let number):
                switch formatter {
                case .plain: return Self.plain(number)
                case .percent: return Self.fixed(number * 100, decimals: 1) + "%"
                case .bytes: return Self.prefixed(number, base: 1024, prefixes: ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]) + "B"
                case .humanize: return Self.prefixed(number, base: 1000, prefixes: ["", "k", "M", "G", "T", "P", "E"])
                }
            }
        }

        /// Integers without a fraction, everything else in Swift's shortest round-tripping form.
        static func plain(_ number: Double) -> String {
            if number.isFinite, number == number.rounded(), abs(number) < 1e15 {
                return String(Int64(number))
            }
            if number == .infinity { return "+Inf" }
            if number == -.infinity { return "-Inf" }
            return number.description
        }

        static func fixed(_ number: Double, decimals: Int) -> String {
            guard number.isFinite else { return plain(number) }
            var scale = 1.0
            for _ in 0..<decimals { scale *= 10 }
            let rounded = (number * scale).rounded() / scale
            return plain(rounded)
        }

        static func prefixed(_ number: Double, base: Double, prefixes: [String]) -> String {
            guard number.isFinite else { return plain(number) }
            var scaled = number
            var index = 0
            while abs(scaled) >= base, index < prefixes.count - 1 {
                scaled /= base
                index += 1
            }
            return fixed(scaled, decimals: 2) + prefixes[index]
        }
    }

    /// The alert's labels (after the rule's labels are applied), reachable as `name` and `labels.name`.
    public var labels: [String: String]
    /// Other variables: `value`, `alertname` and the condition's details.
    public var variables: [String: Value]

    public init(labels: [String: String], variables: [String: Value] = [:]) {
        self.labels = labels
        self.variables = variables
    }

    /// The value of `name`, or `nil` when it is unknown.
    public func lookup(_ name: String) -> Value? {
        if name.hasPrefix("labels.") {
            return labels[String(name.dropFirst("labels.".count))].map(Value.text)
        }
        if let variable = variables[name] { return variable }
        return labels[name].map(Value.text)
    }
}
