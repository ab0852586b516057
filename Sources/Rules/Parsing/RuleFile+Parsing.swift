import Yams

extension RuleFile {
    /// Parses and validates a rule file, throwing its first error.
    ///
    /// - Parameters:
    ///   - yaml: The file's text.
    ///   - file: The name errors report (usually the path the user gave).
    public static func parse(yaml: String, file: String) throws(RuleFileError) -> RuleFile {
        let (ruleFile, errors) = validate(yaml: yaml, file: file)
        if let first = errors.first { throw first }
        return ruleFile!
    }

    /// Parses and validates a rule file, returning every error found (in document order) and the
    /// rule file when there were none.
    public static func validate(yaml: String, file: String) -> (RuleFile?, [RuleFileError]) {
        let (ruleFile, errors, _) = check(yaml: yaml, file: file)
        return (ruleFile, errors)
    }

    /// Like ``validate(yaml:file:)``, and also lists template variables the rules' alerts will
    /// never have (``RuleFileError/Code/unknownTemplateVariable``), which don't stop the file
    /// from loading.
    public static func check(yaml: String, file: String) -> (RuleFile?, errors: [RuleFileError], templateProblems: [RuleFileError]) {
        var parser = RuleFileParser(reader: YAMLReader(file: file))
        let ruleFile = parser.parse(yaml)
        let errors = parser.reader.errors
        return (errors.isEmpty ? ruleFile : nil, errors, parser.templateProblems)
    }
}

/// Builds a ``RuleFile`` from YAML nodes, recording every error with its mark.
struct RuleFileParser {
    var reader: YAMLReader
    /// Template variables no alert of the rule will have: not errors (they expand to ""), but
    /// `rules check` reports them.
    var templateProblems: [RuleFileError] = []
    typealias Context = YAMLReader.Context

    mutating func parse(_ text: String) -> RuleFile? {
        guard let root = reader.compose(text) else {
            // An empty file has no groups, as in Prometheus.
            return reader.errors.isEmpty ? RuleFile(file: reader.file, groups: []) : nil
        }
        guard let top = reader.mapping(root, allowed: ["groups"], Context()) else { return nil }
        var groups: [RuleGroup] = []
        var seen: [String: SourceLocation?] = [:]
        if let groupsNode = top["groups"], let nodes = reader.sequence(groupsNode, Context(path: ["groups"])) {
            for node in nodes {
                guard let group = parseGroup(node) else { continue }
                if let first = seen[group.name] {
                    let previous = first.map { " (first defined at \($0.line):\($0.column))" } ?? ""
                    reader.fail(
                        .duplicateGroup, "groupname: \"\(group.name)\" is repeated in the same file\(previous)",
                        at: node, Context(group: group.name)
                    )
                    continue
                }
                seen[group.name] = group.location
                groups.append(group)
            }
        }
        return RuleFile(file: reader.file, groups: groups)
    }

    private mutating func parseGroup(_ node: Node) -> RuleGroup? {
        guard let map = reader.mapping(node, allowed: ["name", "interval", "rules"], Context()) else { return nil }
        guard let nameNode = map["name"] else {
            reader.fail(.missingKey, "groupname must not be empty", at: node, Context())
            return nil
        }
        guard let name = reader.nonEmptyString(nameNode, Context(path: ["name"])) else { return nil }
        let context = Context(group: name)
        let interval = map["interval"].flatMap { reader.duration($0, context.appending("interval"), positive: true) }
        var rules: [AlertingRule] = []
        if let rulesNode = map["rules"], let nodes = reader.sequence(rulesNode, context.appending("rules")) {
            for ruleNode in nodes {
                if let rule = parseRule(ruleNode, group: name) { rules.append(rule) }
            }
        }
        return RuleGroup(name: name, interval: interval, rules: rules, location: reader.location(node))
    }

    private static let conditionKeys = ["hotspot", "allocation", "leak"]

    private mutating func parseRule(_ node: Node, group: String) -> AlertingRule? {
        var context = Context(group: group)
        let allowed = Set(["alert", "for", "keep_firing_for", "labels", "annotations", "record", "expr"] + Self.conditionKeys)
        guard let map = reader.mapping(node, allowed: allowed, context) else { return nil }
        var valid = true
        if let record = map["record"] {
            reader.fail(.invalidValue, "recording rules are not supported, only alerting rules", at: record, context.appending("record"))
            valid = false
        }
        guard let alertNode = map["alert"] else {
            reader.fail(.missingKey, "alert name must be set (\"alert:\")", at: node, context)
            return nil
        }
        guard let name = reader.nonEmptyString(alertNode, context.appending("alert")) else { return nil }
        context.rule = name
        if let expr = map["expr"] {
            reader.fail(.invalidValue, "PromQL expressions are not supported; use one of hotspot, allocation, leak", at: expr, context.appending("expr"))
            valid = false
        }

        let holdDuration = map["for"].map { reader.duration($0, context.appending("for")) } ?? .zero
        let keepFiringFor = map["keep_firing_for"].map { reader.duration($0, context.appending("keep_firing_for")) } ?? .zero
        let labels = map["labels"].map { reader.stringMap($0, context.appending("labels")) } ?? [:]
        let annotations = map["annotations"].map { reader.stringMap($0, context.appending("annotations")) } ?? [:]
        if let labelsNode = map["labels"] { validateLabelNames(labelsNode, context.appending("labels")) }
        for (key, templateNode) in [("labels", map["labels"]), ("annotations", map["annotations"])] {
            if let templateNode { validateTemplates(templateNode, context.appending(key)) }
        }

        let present = Self.conditionKeys.filter { map[$0] != nil }
        var condition: RuleCondition?
        switch present.count {
        case 0:
            guard map["expr"] == nil, map["record"] == nil else { break }
            reader.fail(.missingKey, "one condition must be set: hotspot, allocation or leak", at: node, context)
        case 1:
            let key = present[0]
            let conditionContext = context.appending(key)
            let conditionNode = map[key]!
            switch key {
            case "hotspot": condition = parseHotspot(conditionNode, conditionContext).map(RuleCondition.hotspot)
            case "allocation": condition = parseAllocation(conditionNode, conditionContext).map(RuleCondition.allocation)
            default: condition = parseLeak(conditionNode, conditionContext).map(RuleCondition.leak)
            }
        default:
            let later = present.compactMap { map[$0] }.max { ($0.mark?.line ?? 0, $0.mark?.column ?? 0) < ($1.mark?.line ?? 0, $1.mark?.column ?? 0) }
            reader.fail(
                .invalidValue, "only one condition may be set, found \(present.sorted().joined(separator: ", "))",
                at: later, context
            )
        }
        if let condition {
            checkTemplateVariables(map, condition: condition, ruleLabels: Set(labels.keys), context)
        }
        guard valid, let condition, let holdDuration, let keepFiringFor else { return nil }
        return AlertingRule(
            name: name, condition: condition, holdDuration: holdDuration, keepFiringFor: keepFiringFor,
            labels: labels, annotations: annotations, location: reader.location(node)
        )
    }

    private mutating func validateLabelNames(_ node: Node, _ context: Context) {
        guard let mapping = node.mapping else { return }
        for (keyNode, _) in mapping {
            guard let key = keyNode.scalar?.string else { continue }
            if !Self.isValidLabelName(key) {
                reader.fail(.invalidValue, "invalid label name \"\(key)\"", at: keyNode, context)
            } else if key == "alertname" {
                reader.fail(.invalidValue, "label \"alertname\" is set from \"alert\" and cannot be overridden", at: keyNode, context)
            }
        }
    }

    static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else {
            return false
        }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    private mutating func validateTemplates(_ node: Node, _ context: Context) {
        guard let mapping = node.mapping else { return }
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string, let text = value.scalar?.string else { continue }
            do {
                _ = try AnnotationTemplate(text)
            } catch {
                reader.fail(.invalidValue, "template: \(error.message)", at: value, context.appending(key))
            }
        }
    }

    /// Records, as ``RuleFileError/Code/unknownTemplateVariable`` problems, template variables
    /// that the rule's alerts will never have; they expand to the empty string.
    private mutating func checkTemplateVariables(
        _ map: [String: Node], condition: RuleCondition, ruleLabels: Set<String>, _ context: Context
    ) {
        let sampleLabels = condition.sampleLabelNames
        let variables = condition.templateVariableNames.union(["value", "alertname"])
        for (key, labelNames) in [("labels", sampleLabels), ("annotations", sampleLabels.union(ruleLabels).union(["alertname"]))] {
            guard let mapping = map[key]?.mapping else { continue }
            for (keyNode, value) in mapping {
                guard let name = keyNode.scalar?.string, let text = value.scalar?.string,
                    let template = try? AnnotationTemplate(text)
                else { continue }
                for placeholder in template.placeholders {
                    let variable = placeholder.name
                    let known: Bool
                    if variable.hasPrefix("labels.") {
                        known = labelNames.contains(String(variable.dropFirst("labels.".count)))
                    } else {
                        known = variables.contains(variable) || labelNames.contains(variable)
                    }
                    if !known {
                        templateProblems.append(
                            RuleFileError(
                                code: .unknownTemplateVariable,
                                message: "unknown template variable \"\(variable)\" expands to \"\"",
                                location: reader.location(value), group: context.group, rule: context.rule,
                                field: context.appending(key).appending(name).field
                            )
                        )
                    }
                }
            }
        }
    }

    // MARK: Conditions

    private static let selectorKeys: Set<String> = ["service", "selector", "profile_type", "sample_type", "function", "measure", "window"]

    private struct Common {
        var selector = ServiceSelector()
        var profileType: ProfileType?
        var sampleType: String?
        var function: FunctionPattern?
        var measure: Measure = .flat
        var window: Duration?
        var valid = true
    }

    private mutating func parseCommon(_ map: [String: Node], _ node: Node, _ context: Context) -> Common {
        var common = Common()
        if let service = map["service"], let selector = map["selector"] {
            _ = service
            reader.fail(.invalidValue, "set either service or selector, not both", at: selector, context.appending("selector"))
            common.valid = false
        }
        if let service = map["service"] {
            if let name = reader.nonEmptyString(service, context.appending("service")) {
                common.selector.service = name
            } else {
                common.valid = false
            }
        }
        if let selectorNode = map["selector"] {
            var labels = reader.stringMap(selectorNode, context.appending("selector"))
            common.selector.service = labels.removeValue(forKey: "service")
            common.selector.labels = labels
        }
        if let profileType = map["profile_type"] {
            common.profileType = reader.oneOf(profileType, ProfileType.self, context.appending("profile_type"))
            if common.profileType == nil { common.valid = false }
        }
        if let sampleType = map["sample_type"] {
            common.sampleType = reader.nonEmptyString(sampleType, context.appending("sample_type"))
            if common.sampleType == nil { common.valid = false }
        }
        if let function = map["function"] {
            if let pattern = reader.nonEmptyString(function, context.appending("function")) {
                do {
                    common.function = try FunctionPattern(pattern)
                } catch {
                    reader.fail(.invalidValue, "invalid regular expression \"\(pattern)\": \(error)", at: function, context.appending("function"))
                    common.valid = false
                }
            } else {
                common.valid = false
            }
        }
        if let measure = map["measure"] {
            if let value = reader.oneOf(measure, Measure.self, context.appending("measure")) {
                common.measure = value
            } else {
                common.valid = false
            }
        }
        if let window = map["window"] {
            common.window = reader.duration(window, context.appending("window"), positive: true)
            if common.window == nil { common.valid = false }
        } else {
            reader.fail(.missingKey, "window must be set", at: node, context)
            common.valid = false
        }
        return common
    }

    private mutating func parseHotspot(_ node: Node, _ context: Context) -> HotspotCondition? {
        let allowed = Self.selectorKeys.union(["share_above", "growth_above", "baseline"])
        guard let map = reader.mapping(node, allowed: allowed, context) else { return nil }
        let common = parseCommon(map, node, context)
        var valid = common.valid
        var shareAbove: Double?
        var growthAbove: Double?
        if let share = map["share_above"] {
            shareAbove = reader.number(share, context.appending("share_above"), in: 0...1)
            if shareAbove == nil { valid = false }
        }
        if let growth = map["growth_above"] {
            growthAbove = reader.number(growth, context.appending("growth_above"), in: 0...Double.greatestFiniteMagnitude)
            if growthAbove == nil { valid = false }
        }
        if map["share_above"] == nil, map["growth_above"] == nil {
            reader.fail(.missingKey, "share_above or growth_above (or both) must be set", at: node, context)
            valid = false
        }
        var baseline: HotspotCondition.Baseline?
        if let baselineNode = map["baseline"] {
            let baselineContext = context.appending("baseline")
            if let baselineMap = reader.mapping(baselineNode, allowed: ["offset", "window"], baselineContext) {
                let offset = baselineMap["offset"].flatMap { reader.duration($0, baselineContext.appending("offset"), positive: true) }
                let window = baselineMap["window"].flatMap { reader.duration($0, baselineContext.appending("window"), positive: true) }
                if baselineMap["offset"] == nil {
                    reader.fail(.missingKey, "offset must be set", at: baselineNode, baselineContext)
                }
                if let offset, baselineMap["window"] == nil || window != nil {
                    baseline = HotspotCondition.Baseline(offset: offset, window: window)
                } else {
                    valid = false
                }
            } else {
                valid = false
            }
            if map["growth_above"] == nil {
                reader.fail(.invalidValue, "baseline is only used with growth_above", at: baselineNode, baselineContext)
                valid = false
            }
        } else if map["growth_above"] != nil {
            reader.fail(.missingKey, "growth_above needs a baseline (offset, window)", at: node, context)
            valid = false
        }
        guard valid, let window = common.window else { return nil }
        let profileType = common.profileType ?? .cpu
        return HotspotCondition(
            selector: common.selector, profileType: profileType, sampleType: common.sampleType,
            function: common.function, measure: common.measure, shareAbove: shareAbove,
            growthAbove: growthAbove, window: window, baseline: baseline
        )
    }

    private mutating func parseAllocation(_ node: Node, _ context: Context) -> AllocationCondition? {
        let allowed = Self.selectorKeys.union(["per_second_above", "counter"])
        guard let map = reader.mapping(node, allowed: allowed, context) else { return nil }
        let common = parseCommon(map, node, context)
        var valid = common.valid
        let sampleType = common.sampleType ?? "alloc_space"
        if !["alloc_space", "alloc_objects"].contains(sampleType) {
            reader.fail(.invalidValue, "invalid value \"\(sampleType)\" (expected one of: alloc_space, alloc_objects)", at: map["sample_type"], context.appending("sample_type"))
            valid = false
        }
        if let profileType = common.profileType, ![.allocs, .heap].contains(profileType) {
            reader.fail(.invalidValue, "invalid value \"\(profileType.rawValue)\" (expected one of: allocs, heap)", at: map["profile_type"], context.appending("profile_type"))
            valid = false
        }
        var perSecondAbove: Double?
        if let rate = map["per_second_above"] {
            perSecondAbove = reader.number(rate, context.appending("per_second_above"), in: 0...Double.greatestFiniteMagnitude)
        } else {
            reader.fail(.missingKey, "per_second_above must be set", at: node, context)
        }
        var counter = AllocationCondition.Counter.cumulative
        if let counterNode = map["counter"] {
            if let value = reader.oneOf(counterNode, AllocationCondition.Counter.self, context.appending("counter")) {
                counter = value
            } else {
                valid = false
            }
        }
        guard valid, let window = common.window, let perSecondAbove else { return nil }
        return AllocationCondition(
            selector: common.selector, profileType: common.profileType ?? .allocs, sampleType: sampleType,
            function: common.function, measure: common.measure, perSecondAbove: perSecondAbove,
            window: window, counter: counter
        )
    }

    private mutating func parseLeak(_ node: Node, _ context: Context) -> LeakCondition? {
        let allowed = Self.selectorKeys.union(["min_points", "min_relative_growth", "min_slope_per_hour"])
        guard let map = reader.mapping(node, allowed: allowed, context) else { return nil }
        let common = parseCommon(map, node, context)
        var valid = common.valid
        let sampleType = common.sampleType ?? "inuse_space"
        if !["inuse_space", "inuse_objects", "goroutine"].contains(sampleType) {
            reader.fail(.invalidValue, "invalid value \"\(sampleType)\" (expected one of: inuse_space, inuse_objects, goroutine)", at: map["sample_type"], context.appending("sample_type"))
            valid = false
        }
        if let profileType = common.profileType, ![.heap, .goroutine].contains(profileType) {
            reader.fail(.invalidValue, "invalid value \"\(profileType.rawValue)\" (expected one of: heap, goroutine)", at: map["profile_type"], context.appending("profile_type"))
            valid = false
        }
        var minPoints = LeakCondition.defaultMinPoints
        if let pointsNode = map["min_points"] {
            if let value = reader.integer(pointsNode, context.appending("min_points"), atLeast: 3) { minPoints = value } else { valid = false }
        }
        var minRelativeGrowth: Double?
        if let growth = map["min_relative_growth"] {
            minRelativeGrowth = reader.number(growth, context.appending("min_relative_growth"), in: 0...Double.greatestFiniteMagnitude)
        } else {
            reader.fail(.missingKey, "min_relative_growth must be set", at: node, context)
        }
        var minSlope: Double?
        if let slope = map["min_slope_per_hour"] {
            minSlope = reader.number(slope, context.appending("min_slope_per_hour"), in: 0...Double.greatestFiniteMagnitude)
            if minSlope == nil { valid = false }
        }
        guard valid, let window = common.window, let minRelativeGrowth else { return nil }
        return LeakCondition(
            selector: common.selector, sampleType: sampleType, profileType: common.profileType,
            function: common.function, measure: common.measure, window: window, minPoints: minPoints,
            minRelativeGrowth: minRelativeGrowth, minSlopePerHour: minSlope
        )
    }
}
