/// The `series` and `values` strings of a rule test's `input_series`, as `promtool test rules` reads them.
enum SeriesNotation {
    struct SyntaxError: Error {
        var message: String
    }

    /// Parses `name{label="value", other="x"}` (label values in double quotes, `\"` and `\\`
    /// escaped; the braces may be omitted when there are no labels).
    static func parseSeries(_ text: String) throws(SyntaxError) -> (name: String, labels: [String: String]) {
        var scalars = Substring(text.trimmingSpaces())
        let name = String(scalars.prefix { $0 != "{" }).trimmingSpaces()
        guard !name.isEmpty, RuleFileParser.isValidLabelName(name.replacingColons()) else {
            throw SyntaxError(message: "invalid series \"\(text)\": expected a metric name")
        }
        scalars = scalars.dropFirst(scalars.prefix { $0 != "{" }.count)
        var labels: [String: String] = [:]
        guard !scalars.isEmpty else { return (name, labels) }
        scalars.removeFirst()  // "{"
        func skipSpaces() { scalars = scalars.drop(while: { $0 == " " }) }
        while true {
            skipSpaces()
            if scalars.first == "}" {
                scalars.removeFirst()
                break
            }
            let label = String(scalars.prefix { $0 != "=" && $0 != " " })
            guard RuleFileParser.isValidLabelName(label) else {
                throw SyntaxError(message: "invalid series \"\(text)\": invalid label name \"\(label)\"")
            }
            scalars = scalars.dropFirst(label.count)
            skipSpaces()
            guard scalars.first == "=" else { throw SyntaxError(message: "invalid series \"\(text)\": expected \"=\" after \(label)") }
            scalars.removeFirst()
            skipSpaces()
            guard scalars.first == "\"" else { throw SyntaxError(message: "invalid series \"\(text)\": label values must be double-quoted") }
            scalars.removeFirst()
            var value = ""
            var closed = false
            while let character = scalars.first {
                scalars.removeFirst()
                if character == "\\", let next = scalars.first {
                    scalars.removeFirst()
                    value.append(next == "n" ? "\n" : next)
                } else if character == "\"" {
                    closed = true
                    break
                } else {
                    value.append(character)
                }
            }
            guard closed else { throw SyntaxError(message: "invalid series \"\(text)\": unterminated label value") }
            labels[label] = value
            skipSpaces()
            if scalars.first == "," { scalars.removeFirst() }
        }
        guard scalars.allSatisfy({ $0 == " " }) else {
            throw SyntaxError(message: "invalid series \"\(text)\": unexpected text after \"}\"")
        }
        return (name, labels)
    }

    /// Expands promtool's values notation into one optional value per step (`nil` = no sample).
    ///
    /// - `1 2 3`: literal values; `_`: no sample; `stale`: no sample (the series ends there).
    /// - `a+bxN` / `a-bxN`: `a`, then `N` more values going up (down) by `b` (N + 1 values).
    /// - `axN`: `a` N + 1 times. `_xN`: N missing samples.
    static func parseValues(_ text: String) throws(SyntaxError) -> [Double?] {
        var values: [Double?] = []
        for token in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
            if token == "_" || token == "stale" {
                values.append(nil)
                continue
            }
            guard let x = token.lastIndex(of: "x") else {
                guard let value = Double(token) else { throw SyntaxError(message: "invalid value \"\(token)\"") }
                values.append(value)
                continue
            }
            guard let count = Int(token[token.index(after: x)...]), count >= 0 else {
                throw SyntaxError(message: "invalid repetition in \"\(token)\"")
            }
            let head = token[..<x]
            if head == "_" {
                values += Array(repeating: nil, count: count)
                continue
            }
            var start = head
            var step = 0.0
            if let sign = head.indices.dropFirst().last(where: {
                (head[$0] == "+" || head[$0] == "-") && head[head.index(before: $0)] != "e" && head[head.index(before: $0)] != "E"
            }) {
                guard let magnitude = Double(head[head.index(after: sign)...]) else {
                    throw SyntaxError(message: "invalid step in \"\(token)\"")
                }
                step = head[sign] == "+" ? magnitude : -magnitude
                start = head[..<sign]
            }
            guard let first = Double(start) else { throw SyntaxError(message: "invalid value in \"\(token)\"") }
            for index in 0...count { values.append(first + Double(index) * step) }
        }
        return values
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    fileprivate func replacingColons() -> String {
        String(map { $0 == ":" ? "_" : $0 })
    }
}
