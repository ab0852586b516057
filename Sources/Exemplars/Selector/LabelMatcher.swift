/// One condition of a series selector: `name="v"`, `name!="v"`, `name=~"re"` or `name!~"re"`.
///
/// As in Prometheus, a label the series does not have matches as the empty string
/// (`{env=""}` selects series without `env`), and regular expressions are fully anchored:
/// `=~"api"` matches only `api`, not `api-2`. Regexes use Swift's `Regex` (runtime syntax close
/// to RE2's for what selectors use: classes, alternation, repetition, groups) with `.` matching
/// newlines, as Prometheus compiles `^(?s:re)$`.
public struct LabelMatcher: Sendable, CustomStringConvertible {
    /// The comparison a matcher makes.
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case matchesRegex = "=~"
        case doesNotMatchRegex = "!~"
    }

    public let name: String
    public let `operator`: Operator
    /// The string to compare with, or the regex pattern (unanchored, as written).
    public let value: String
    private let regex: CompiledRegex?

    /// A matcher; throws when a regex operator gets a pattern Swift's `Regex` cannot compile.
    public init(name: String, _ operator: Operator, _ value: String) throws(SelectorError) {
        try self.init(name: name, `operator`, value, column: 1)
    }

    init(name: String, _ operator: Operator, _ value: String, column: Int) throws(SelectorError) {
        self.name = name
        self.operator = `operator`
        self.value = value
        switch `operator` {
        case .equal, .notEqual:
            regex = nil
        case .matchesRegex, .doesNotMatchRegex:
            do {
                regex = CompiledRegex(try Regex(value).dotMatchesNewlines())
            } catch {
                throw SelectorError(column: column, "invalid regular expression \"\(value)\": \(error)")
            }
        }
    }

    /// The pattern anchored at both ends, `^(?:re)$`, for a store that evaluates the regex itself
    /// (PostgreSQL's `~` is close to RE2 for the common subset, but not identical).
    public var anchoredPattern: String { "^(?:" + value + ")$" }

    /// Whether a label value satisfies the matcher; nil (absent) counts as "".
    public func matches(_ labelValue: String?) -> Bool {
        let actual = labelValue ?? ""
        switch `operator` {
        case .equal: return actual == value
        case .notEqual: return actual != value
        case .matchesRegex: return regex!.wholeMatches(actual)
        case .doesNotMatchRegex: return !regex!.wholeMatches(actual)
        }
    }

    /// Whether the matcher accepts a series that lacks the label.
    public var matchesEmpty: Bool { matches(nil) }

    public var description: String {
        name + `operator`.rawValue + Label(name: "", value: value).description.dropFirst(1)
    }
}

/// A compiled regex shared by copies of a matcher.
///
/// `@unchecked Sendable`: `Regex<AnyRegexOutput>` is not declared Sendable because its output
/// type could be anything, but a compiled program is immutable after `init` and matching
/// does not mutate it; this wrapper exposes only `wholeMatches`.
final class CompiledRegex: @unchecked Sendable {
    private let regex: Regex<AnyRegexOutput>

    init(_ regex: Regex<AnyRegexOutput>) {
        self.regex = regex
    }

    func wholeMatches(_ string: String) -> Bool {
        (try? regex.wholeMatch(in: string)) != nil
    }
}
