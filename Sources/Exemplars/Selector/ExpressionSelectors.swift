extension SeriesSelector {
    /// The series selectors of a PromQL expression, in order, as Prometheus's `query_exemplars`
    /// takes them: Grafana sends a panel's whole query, such as
    /// `histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{job="api"}[5m])))`,
    /// and the exemplars of every series any selector matches are the answer.
    ///
    /// This reads the expression only far enough to find the selectors: function and aggregation
    /// calls, the label lists of `by`/`without`/`on`/`ignoring`/`group_left`/`group_right`,
    /// strings, numbers, durations, ranges and operators are stepped over, not checked. A bare
    /// selector is an expression too, so `metric{…}` gives itself. Errors name the column.
    public static func selectors(inExpression expression: String) throws(SelectorError) -> [SeriesSelector] {
        var parser = SelectorParser(expression)
        let found = try parser.selectorsInExpression()
        guard !found.isEmpty else {
            throw SelectorError(column: 1, "no series selector in the query (expected a metric name or '{…}')")
        }
        return found.map(SeriesSelector.init(matchers:))
    }
}

extension SelectorParser {
    /// Keywords after which a parenthesised list of label names follows (not selectors).
    static let labelListKeywords: Set<String> = ["by", "without", "on", "ignoring", "group_left", "group_right"]
    /// Aggregation operators: `sum by (le) (…)` puts the modifier before the parenthesis.
    static let aggregations: Set<String> = [
        "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
        "bottomk", "topk", "quantile", "limitk", "limit_ratio",
    ]
    /// Words that are neither selectors nor followed by a call: set operators, `bool`,
    /// `offset`, `atan2`, and the number literals `Inf` and `NaN`.
    static let otherKeywords: Set<String> = ["and", "or", "unless", "bool", "offset", "atan2", "inf", "nan"]

    mutating func selectorsInExpression() throws(SelectorError) -> [[LabelMatcher]] {
        var found: [[LabelMatcher]] = []
        var labelListNext = false
        while true {
            skipBlanksAndComments()
            guard let scalar = current else { return found }
            let afterKeyword = labelListNext
            labelListNext = false
            switch scalar {
            case "\"", "'", "`":
                _ = try string()
            case "(" where afterKeyword:
                try skipPast(")", opening: "(")
            case "[":
                try skipPast("]", opening: "[")
            case "{":
                found.append(try selector())
            case "0"..."9", ".":
                numberOrDuration()
            case _ where isNameStart(scalar, colon: true):
                let start = index
                let word = identifier(colon: true)
                let lower = word.lowercased()
                skipBlanksAndComments()
                if Self.labelListKeywords.contains(lower) {
                    labelListNext = true
                } else if Self.aggregations.contains(lower) || Self.otherKeywords.contains(lower) || current == "(" {
                    continue
                } else {
                    index = start
                    found.append(try selector())
                }
            default:
                index += 1  // operators, commas, parentheses, `@`
            }
        }
    }

    mutating func skipBlanksAndComments() {
        while true {
            skipBlanks()
            guard current == "#" else { return }
            while let scalar = current, scalar != "\n" { index += 1 }
        }
    }

    /// Steps past the `closing` that ends the group opened at `index`, over strings.
    mutating func skipPast(_ closing: Unicode.Scalar, opening: Unicode.Scalar) throws(SelectorError) {
        let start = column
        index += 1
        while let scalar = current {
            if scalar == closing {
                index += 1
                return
            }
            if scalar == "\"" || scalar == "'" || scalar == "`" {
                _ = try string()
            } else {
                index += 1
            }
        }
        throw SelectorError(column: start, "'\(opening)' is not closed")
    }

    /// A number (`1`, `0.5`, `1e-3`, `0x1f`) or a duration (`5m`, `1h30m`).
    mutating func numberOrDuration() {
        while let scalar = current {
            let isExponent = (scalar == "e" || scalar == "E") && index + 1 < scalars.count
                && (scalars[index + 1] == "+" || scalars[index + 1] == "-")
            if isExponent {
                index += 2
            } else if ("0"..."9").contains(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "." || scalar == "_" {
                index += 1
            } else {
                return
            }
        }
    }
}
