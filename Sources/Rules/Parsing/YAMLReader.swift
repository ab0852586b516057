import Yams

/// Walks a Yams node tree, collecting every error with its line and column instead of stopping
/// at the first, as `promtool check rules` does.
struct YAMLReader {
    /// Where in the document the reader is: used for every error it records.
    struct Context {
        var group: String?
        var rule: String?
        var path: [String] = []

        func appending(_ key: String) -> Context {
            var copy = self
            copy.path.append(key)
            return copy
        }

        var field: String? { path.isEmpty ? nil : path.joined(separator: ".") }
    }

    let file: String
    private(set) var errors: [RuleFileError] = []

    init(file: String) {
        self.file = file
    }

    func location(_ node: Node) -> SourceLocation? {
        node.mark.map { SourceLocation(file: file, line: $0.line, column: $0.column) }
    }

    mutating func fail(_ code: RuleFileError.Code, _ message: String, at node: Node?, _ context: Context) {
        errors.append(
            RuleFileError(
                code: code, message: message, location: node.flatMap(location),
                group: context.group, rule: context.rule, field: context.field
            )
        )
    }

    /// Composes the document, recording a syntax error (with Yams' mark) on failure.
    mutating func compose(_ text: String) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            let (mark, problem) = Self.describe(error)
            errors.append(
                RuleFileError(
                    code: .syntax, message: problem,
                    location: mark.map { SourceLocation(file: file, line: $0.line, column: $0.column) }
                )
            )
        } catch {
            errors.append(RuleFileError(code: .syntax, message: "\(error)", location: nil))
        }
        return nil
    }

    private static func describe(_ error: YamlError) -> (Mark?, String) {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let text = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            return (mark, text)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return (context.mark, "duplicate key \(duplicates.map { "\"\($0)\"" }.joined(separator: ", ")) in mapping")
        case .reader(let problem, _, _, _):
            return (nil, problem)
        default:
            return (nil, "\(error)")
        }
    }

    /// The entries of a mapping node by key, recording unknown keys, non-string keys and a
    /// node that isn't a mapping. Values that are YAML `null` are left out (an empty `for:`
    /// means the default, as in Prometheus).
    mutating func mapping(_ node: Node, allowed: Set<String>, _ context: Context) -> [String: Node]? {
        guard let mapping = node.mapping else {
            fail(.invalidValue, "expected a mapping, got \(Self.kind(node))", at: node, context)
            return nil
        }
        var result: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                fail(.invalidValue, "mapping keys must be strings", at: keyNode, context)
                continue
            }
            guard allowed.contains(key) else {
                let known = allowed.sorted().joined(separator: ", ")
                fail(.unknownKey, "unknown key \"\(key)\" (expected one of: \(known))", at: keyNode, context)
                continue
            }
            if value.null != nil { continue }
            result[key] = value
        }
        return result
    }

    /// A map of strings to strings (labels, annotations, selectors).
    mutating func stringMap(_ node: Node, _ context: Context) -> [String: String] {
        guard let mapping = node.mapping else {
            fail(.invalidValue, "expected a mapping of strings, got \(Self.kind(node))", at: node, context)
            return [:]
        }
        var result: [String: String] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                fail(.invalidValue, "mapping keys must be strings", at: keyNode, context)
                continue
            }
            guard let text = value.scalar?.string else {
                fail(.invalidValue, "value of \"\(key)\" must be a string, got \(Self.kind(value))", at: value, context)
                continue
            }
            result[key] = text
        }
        return result
    }

    mutating func string(_ node: Node, _ context: Context) -> String? {
        guard let scalar = node.scalar else {
            fail(.invalidValue, "expected a string, got \(Self.kind(node))", at: node, context)
            return nil
        }
        return scalar.string
    }

    mutating func nonEmptyString(_ node: Node, _ context: Context) -> String? {
        guard let text = string(node, context) else { return nil }
        guard !text.isEmpty else {
            fail(.invalidValue, "must not be empty", at: node, context)
            return nil
        }
        return text
    }

    mutating func duration(_ node: Node, _ context: Context, positive: Bool = false) -> Duration? {
        guard let text = string(node, context) else { return nil }
        guard let duration = Duration(prometheus: text) else {
            fail(.invalidValue, "invalid duration \"\(text)\"", at: node, context)
            return nil
        }
        if positive, duration <= .zero {
            fail(.invalidValue, "must be greater than 0", at: node, context)
            return nil
        }
        return duration
    }

    mutating func number(_ node: Node, _ context: Context, in range: ClosedRange<Double>? = nil) -> Double? {
        guard let scalar = node.scalar, let value = node.float ?? Double(scalar.string), value.isFinite else {
            fail(.invalidValue, "expected a number, got \(Self.describe(node))", at: node, context)
            return nil
        }
        if let range, !range.contains(value) {
            fail(.invalidValue, "\(value) is out of range \(range.lowerBound)...\(range.upperBound)", at: node, context)
            return nil
        }
        return value
    }

    mutating func integer(_ node: Node, _ context: Context, atLeast minimum: Int) -> Int? {
        guard let scalar = node.scalar, let value = Int(scalar.string) else {
            fail(.invalidValue, "expected an integer, got \(Self.describe(node))", at: node, context)
            return nil
        }
        guard value >= minimum else {
            fail(.invalidValue, "must be at least \(minimum)", at: node, context)
            return nil
        }
        return value
    }

    mutating func oneOf<Value: RawRepresentable & CaseIterable>(
        _ node: Node, _ type: Value.Type, _ context: Context
    ) -> Value? where Value.RawValue == String {
        guard let text = string(node, context) else { return nil }
        guard let value = Value(rawValue: text) else {
            let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
            fail(.invalidValue, "invalid value \"\(text)\" (expected one of: \(allowed))", at: node, context)
            return nil
        }
        return value
    }

    mutating func sequence(_ node: Node, _ context: Context) -> [Node]? {
        guard let sequence = node.sequence else {
            fail(.invalidValue, "expected a list, got \(Self.kind(node))", at: node, context)
            return nil
        }
        return Array(sequence)
    }

    static func kind(_ node: Node) -> String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar(let scalar): "\"\(scalar.string)\""
        case .alias: "an alias"
        }
    }

    private static func describe(_ node: Node) -> String { kind(node) }
}
