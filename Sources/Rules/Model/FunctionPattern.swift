/// A regular expression a function name must match entirely, as Prometheus anchors `=~` matchers.
///
/// The syntax is Swift's `Regex` (the common RE2 subset: `.`, `*`, `+`, `?`, classes, groups,
/// alternation, `\.` and friends). `encoding/json\..*` matches `encoding/json.Marshal` but not
/// `x/encoding/json.Marshal`.
public struct FunctionPattern: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The pattern as written in the rule file.
    public let pattern: String

    /// Creates a pattern, or throws the compiler's message when it does not compile.
    public init(_ pattern: String) throws {
        _ = try Regex(pattern)
        self.pattern = pattern
    }

    /// A compiled matcher. `Regex` is not `Sendable`, so compile once per evaluation, not once per name.
    public func matcher() -> FunctionMatcher {
        FunctionMatcher(regex: try? Regex(pattern))
    }

    public var description: String { pattern }
}

/// A compiled ``FunctionPattern`` for matching many names in one evaluation.
public struct FunctionMatcher {
    fileprivate let regex: Regex<AnyRegexOutput>?

    /// Whether `name` matches the whole pattern.
    public func matches(_ name: String) -> Bool {
        guard let regex else { return false }
        return (try? regex.wholeMatch(in: name)) != nil
    }
}
