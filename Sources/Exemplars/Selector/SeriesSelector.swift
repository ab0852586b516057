/// A Prometheus series selector, as `GET /api/v1/query_exemplars?query=` takes it:
/// `metric`, `metric{l="v", l!="v", l=~"re", l!~"re"}` or `{__name__="metric", …}`.
///
/// Strings may be double-quoted, single-quoted (with Go escapes) or back-quoted (raw); a trailing
/// comma and blanks between tokens are allowed. As in Prometheus, at least one matcher must not
/// match the empty string, so a selector cannot select every series.
public struct SeriesSelector: Sendable, CustomStringConvertible {
    /// The matchers, the metric name first as `__name__="…"` when written outside the braces.
    public let matchers: [LabelMatcher]

    /// The metric name when an equality matcher fixes it, for an index lookup.
    public var metricName: String? {
        matchers.first { $0.name == Label.metricNameKey && $0.operator == .equal }?.value
    }

    /// Parses a selector; errors name the column. `allowingEmptyMatch`: accept a selector
    /// whose matchers all match the empty string (`{}`, `{version!="1.2"}`), as profile
    /// selectors do (Pyroscope's `{}` selects every series of the profile type).
    public init(parsing query: String, allowingEmptyMatch: Bool = false) throws(SelectorError) {
        var parser = SelectorParser(query)
        parser.requiresNonEmptyMatch = !allowingEmptyMatch
        matchers = try parser.parse()
    }

    public init(matchers: [LabelMatcher]) {
        self.matchers = matchers
    }

    /// Whether the series labels satisfy every matcher.
    public func matches(_ labels: LabelSet) -> Bool {
        matchers.allSatisfy { $0.matches(labels[$0.name]) }
    }

    public var description: String {
        "{" + matchers.map(\.description).joined(separator: ", ") + "}"
    }
}

/// A recursive-descent parser over the query's code points.
struct SelectorParser {
    let scalars: [Unicode.Scalar]
    var index = 0
    /// Prometheus's rule: at least one matcher must not match the empty string.
    var requiresNonEmptyMatch = true

    init(_ query: String) {
        scalars = Array(query.unicodeScalars)
    }

    var column: Int { index + 1 }
    var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    mutating func skipBlanks() {
        while let scalar = current, scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
            index += 1
        }
    }

    func found() -> String {
        guard let current else { return "the end of the query" }
        return "'\(current)'"
    }

    /// The whole query is one selector.
    mutating func parse() throws(SelectorError) -> [LabelMatcher] {
        skipBlanks()
        let matchers = try selector()
        guard current == nil else {
            throw SelectorError(column: column, "unexpected \(found()) after the selector")
        }
        return matchers
    }

    /// One selector from `index`: a metric name, a `{…}` of matchers, or both; stops after it.
    mutating func selector() throws(SelectorError) -> [LabelMatcher] {
        var matchers: [LabelMatcher] = []
        let selectorColumn = column
        var hasName = false
        if let scalar = current, isNameStart(scalar, colon: true) {
            let name = identifier(colon: true)
            matchers.append(try LabelMatcher(name: Label.metricNameKey, .equal, name, column: selectorColumn))
            hasName = true
            skipBlanks()
        }
        if current == "{" {
            index += 1
            skipBlanks()
            while current != "}" {
                let start = column
                guard let scalar = current, isNameStart(scalar, colon: false) else {
                    throw SelectorError(column: column, "expected a label name, found \(found())")
                }
                let name = identifier(colon: false)
                if hasName && name == Label.metricNameKey {
                    throw SelectorError(column: start, "metric name is given twice")
                }
                skipBlanks()
                let op = try matchOperator()
                skipBlanks()
                let valueColumn = column
                let value = try string()
                matchers.append(try LabelMatcher(name: name, op, value, column: valueColumn))
                skipBlanks()
                if current == "," {
                    index += 1
                    skipBlanks()
                } else if current != "}" {
                    throw SelectorError(column: column, "expected ',' or '}' after a matcher, found \(found())")
                }
            }
            index += 1
            skipBlanks()
        } else if !hasName {
            throw SelectorError(column: column, "expected a metric name or '{', found \(found())")
        }
        guard !requiresNonEmptyMatch || matchers.contains(where: { !$0.matchesEmpty }) else {
            throw SelectorError(column: selectorColumn, "selector must contain at least one matcher that does not match the empty string")
        }
        return matchers
    }

    mutating func matchOperator() throws(SelectorError) -> LabelMatcher.Operator {
        let first = current
        let second: Unicode.Scalar? = index + 1 < scalars.count ? scalars[index + 1] : nil
        switch (first, second) {
        case ("=", "~"): index += 2; return .matchesRegex
        case ("!", "="): index += 2; return .notEqual
        case ("!", "~"): index += 2; return .doesNotMatchRegex
        case ("=", _): index += 1; return .equal
        default:
            throw SelectorError(column: column, "expected '=', '!=', '=~' or '!~' after label name, found \(found())")
        }
    }

    mutating func identifier(colon: Bool) -> String {
        var result = String.UnicodeScalarView()
        while let scalar = current, isNameStart(scalar, colon: colon) || ("0"..."9").contains(scalar) {
            result.append(scalar)
            index += 1
        }
        return String(result)
    }

    func isNameStart(_ scalar: Unicode.Scalar, colon: Bool) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_" || (colon && scalar == ":")
    }

    /// A PromQL string literal: "…" or '…' with Go escapes, or `…` raw.
    mutating func string() throws(SelectorError) -> String {
        let start = column
        guard let quote = current, quote == "\"" || quote == "'" || quote == "`" else {
            throw SelectorError(column: column, "expected a quoted string, found \(found())")
        }
        index += 1
        var result = String.UnicodeScalarView()
        while true {
            guard let scalar = current else {
                throw SelectorError(column: start, "unterminated string")
            }
            index += 1
            if scalar == quote { break }
            if quote == "`" {
                result.append(scalar)
                continue
            }
            if scalar == "\n" { throw SelectorError(column: start, "unterminated string") }
            guard scalar == "\\" else {
                result.append(scalar)
                continue
            }
            result.append(try escape(quote: quote))
        }
        return String(result)
    }

    /// The character an escape sequence stands for; `index` is just past the backslash.
    mutating func escape(quote: Unicode.Scalar) throws(SelectorError) -> Unicode.Scalar {
        let escapeColumn = column - 1
        guard let scalar = current else { throw SelectorError(column: escapeColumn, "unterminated string") }
        index += 1
        switch scalar {
        case "a": return "\u{07}"
        case "b": return "\u{08}"
        case "f": return "\u{0C}"
        case "n": return "\n"
        case "r": return "\r"
        case "t": return "\t"
        case "v": return "\u{0B}"
        case "\\": return "\\"
        case "\"" where quote == "\"", "'" where quote == "'": return scalar
        case "x": return try hexEscape(digits: 2, column: escapeColumn)
        case "u": return try hexEscape(digits: 4, column: escapeColumn)
        case "U": return try hexEscape(digits: 8, column: escapeColumn)
        case "0"..."7":
            var value = scalar.value - 48
            for _ in 0..<2 {
                guard let digit = current, ("0"..."7").contains(digit) else {
                    throw SelectorError(column: escapeColumn, "invalid octal escape")
                }
                value = value * 8 + digit.value - 48
                index += 1
            }
            guard value < 256, let result = Unicode.Scalar(value) else {
                throw SelectorError(column: escapeColumn, "invalid octal escape")
            }
            return result
        default:
            throw SelectorError(column: escapeColumn, "unknown escape sequence '\\\(scalar)'")
        }
    }

    mutating func hexEscape(digits: Int, column escapeColumn: Int) throws(SelectorError) -> Unicode.Scalar {
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let scalar = current, scalar.isASCII, let digit = hexValue(UInt8(scalar.value)) else {
                throw SelectorError(column: escapeColumn, "invalid hex escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        guard let result = Unicode.Scalar(value) else {
            throw SelectorError(column: escapeColumn, "escape is not a valid Unicode code point")
        }
        return result
    }
}
