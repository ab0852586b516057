/// A label or annotation template: text with `{{name}}` placeholders, Mustache style.
///
/// Deliberately small: placeholders are replaced by values and nothing else happens — no
/// sections, no partials, no HTML escaping (alerts are plain text; a receiver that renders HTML
/// escapes it). Whitespace inside the braces is ignored.
///
/// - `{{service}}`, `{{function}}`, any other label by its name, or `{{labels.severity}}`
/// - `{{alertname}}`, `{{value}}` (the sample's value) and the condition's details: hotspot
///   `share`, `baseline_share`, `growth`; allocation `per_second`; leak `slope_per_hour`,
///   `relative_growth`, `points`, `first`, `last` (see ``AlertSample/details``)
/// - `$value` and `$labels.x` are accepted too, for people used to Prometheus templates.
/// - A formatter after a pipe: `{{share | percent}}` → `23.4%`, `{{value | bytes}}` → `1.5MiB`,
///   `{{value | humanize}}` → `1.5M`.
///
/// An unknown variable expands to the empty string; `rules check` reports it
/// (``RuleChecker``). An unclosed `{{` or an unknown formatter is a syntax error.
public struct AnnotationTemplate: Sendable, Hashable {
    /// A template that cannot be parsed.
    public struct SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong.
        public var message: String
        /// Character offset of the problem in the template text.
        public var offset: Int
        public var description: String { "\(message) at offset \(offset)" }
    }

    /// How a placeholder's value is written.
    public enum Formatter: String, Sendable, Hashable, CaseIterable {
        /// As is: numbers in the shortest form that reads back the same.
        case plain
        /// A ratio as a percentage with one decimal: `0.234` → `23.4%`.
        case percent
        /// Bytes with binary prefixes: `1572864` → `1.5MiB`.
        case bytes
        /// SI prefixes: `1500000` → `1.5M`.
        case humanize
    }

    /// One placeholder: the normalised variable name (`labels.x`, `value`, …) and its formatter.
    public struct Placeholder: Sendable, Hashable {
        public var name: String
        public var formatter: Formatter
    }

    private enum Part: Sendable, Hashable {
        case text(String)
        case placeholder(Placeholder)
    }

    private let parts: [Part]
    /// The template as written.
    public let text: String

    /// Parses `text`, throwing on an unclosed `{{`, an empty placeholder or an unknown formatter.
    public init(_ text: String) throws(SyntaxError) {
        self.text = text
        var parts: [Part] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            let offset = text.distance(from: text.startIndex, to: open.lowerBound)
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw SyntaxError(message: "unclosed \"{{\"", offset: offset)
            }
            let inside = rest[open.upperBound..<close.lowerBound]
            let pieces = inside.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
            var name = trimmed(pieces[0])
            var formatter = Formatter.plain
            if pieces.count == 2 {
                let formatterName = trimmed(pieces[1])
                guard let known = Formatter(rawValue: formatterName) else {
                    let allowed = Formatter.allCases.map(\.rawValue).joined(separator: ", ")
                    throw SyntaxError(message: "unknown formatter \"\(formatterName)\" (expected one of: \(allowed))", offset: offset)
                }
                formatter = known
            }
            if name.hasPrefix("$") { name.removeFirst() }
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) else {
                throw SyntaxError(message: "invalid placeholder \"{{\(inside)}}\"", offset: offset)
            }
            parts.append(.placeholder(Placeholder(name: name, formatter: formatter)))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.parts = parts
    }

    /// The placeholders, in order of appearance.
    public var placeholders: [Placeholder] {
        parts.compactMap { if case .placeholder(let placeholder) = $0 { placeholder } else { nil } }
    }

    /// Expands the template. Unknown variables become the empty string.
    public func render(_ values: TemplateValues) -> String {
        var output = ""
        for part in parts {
            switch part {
            case .text(let text):
                output += text
            case .placeholder(let placeholder):
                output += values.lookup(placeholder.name).map { $0.formatted(placeholder.formatter) } ?? ""
            }
        }
        return output
    }
}

private func trimmed(_ text: Substring) -> String {
    String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
}

extension Substring {
    fileprivate func range(of needle: String) -> Range<Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(needle) {
                return index..<self.index(index, offsetBy: needle.count)
            }
            index = self.index(after: index)
        }
        return nil
    }
}
