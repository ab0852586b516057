/// An evaluation whose result cannot become alerts. The rule's state is left unchanged.
public struct RuleEvaluationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of error; a struct around a private enum so kinds can be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case duplicateLabelSet
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Two samples have the same labels once the rule's labels are applied (Prometheus's
        /// "vector contains metrics with the same labelset after applying alert labels").
        public static let duplicateLabelSet = Code(.duplicateLabelSet)

        public var description: String { base.rawValue }
    }

    /// The kind of error.
    public var code: Code
    /// The rule (alert name).
    public var rule: String
    /// The offending label set.
    public var labels: [String: String]

    public var description: String {
        let rendered = labels.keys.sorted().map { "\($0)=\"\(labels[$0]!)\"" }.joined(separator: ", ")
        return "rule \"\(rule)\": samples have the same label set {\(rendered)} after applying the rule's labels"
    }
}
