/// An error in a rule file or rule test file, with the place it was found.
///
/// The description reads like `promtool check rules`:
///
/// ```
/// rules.yml:12:7: group "api", rule "CPUHotspot": for: invalid duration "5x"
/// ```
///
/// Match on ``code`` to tell kinds apart; new codes may be added, so a `switch` needs a default.
public struct RuleFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of error. A struct around a private enum, so that kinds can be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case syntax
            case unreadable
            case unknownKey
            case missingKey
            case invalidValue
            case duplicateGroup
            case duplicateRule
            case unknownTemplateVariable
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The text is not well-formed YAML.
        public static let syntax = Code(.syntax)
        /// The file could not be read.
        public static let unreadable = Code(.unreadable)
        /// A mapping has a key the format does not define.
        public static let unknownKey = Code(.unknownKey)
        /// A required key is missing.
        public static let missingKey = Code(.missingKey)
        /// A value has the wrong type or is out of range.
        public static let invalidValue = Code(.invalidValue)
        /// Two groups in one file have the same name.
        public static let duplicateGroup = Code(.duplicateGroup)
        /// Two alerting rules in one group have the same name and labels.
        public static let duplicateRule = Code(.duplicateRule)
        /// A template refers to a variable the rule never provides; it expands to the empty string.
        public static let unknownTemplateVariable = Code(.unknownTemplateVariable)

        public var description: String { base.rawValue }
    }

    /// The kind of error.
    public var code: Code
    /// Where the offending node starts, when known.
    public var location: SourceLocation?
    /// The group the error is in, when known.
    public var group: String?
    /// The rule (its `alert` name) the error is in, when known.
    public var rule: String?
    /// The key path inside the rule or group, such as `for` or `hotspot.share_above`.
    public var field: String?
    /// What is wrong, for people.
    public var message: String

    public init(
        code: Code,
        message: String,
        location: SourceLocation? = nil,
        group: String? = nil,
        rule: String? = nil,
        field: String? = nil
    ) {
        self.code = code
        self.message = message
        self.location = location
        self.group = group
        self.rule = rule
        self.field = field
    }

    public var description: String {
        var parts: [String] = []
        if let location { parts.append(location.description) }
        var context: [String] = []
        if let group { context.append("group \"\(group)\"") }
        if let rule { context.append("rule \"\(rule)\"") }
        if !context.isEmpty { parts.append(context.joined(separator: ", ")) }
        if let field { parts.append(field) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}
