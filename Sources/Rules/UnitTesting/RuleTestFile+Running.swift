import struct Foundation.Date

/// The outcome of running a rule test file.
public struct RuleTestReport: Sendable, Hashable, CustomStringConvertible {
    /// The outcome of one test case.
    public struct CaseResult: Sendable, Hashable {
        /// The test's `name`, or `tests[i]`.
        public var name: String
        /// One entry per failed check, each saying what was expected, what came, and the difference.
        public var failures: [String]
        public var passed: Bool { failures.isEmpty }
    }

    /// The test file name.
    public var file: String
    /// One result per entry of `tests`, in order.
    public var cases: [CaseResult]
    /// Whether every test case passed.
    public var passed: Bool { cases.allSatisfy(\.passed) }

    /// `promtool` style: `Unit Testing: tests.yml`, then `  SUCCESS` or `  FAILED:` and each failure.
    public var description: String {
        var lines = ["Unit Testing: \(file)"]
        if passed {
            lines.append("  SUCCESS")
        } else {
            lines.append("  FAILED:")
            for result in cases where !result.passed {
                lines.append("    \(result.name):")
                lines += result.failures.map { $0.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n") }
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension RuleTestFile {
    /// Runs every test against the given rule files (the ones named by ``ruleFiles``, already
    /// read and parsed by the caller).
    public func run(ruleFiles: [RuleFile]) -> RuleTestReport {
        let rules = ruleFiles.flatMap { $0.groups.flatMap(\.rules) }
        let cases = tests.enumerated().map { index, test in
            RuleTestReport.CaseResult(name: test.name ?? "tests[\(index)]", failures: run(test, rules: rules))
        }
        return RuleTestReport(file: file, cases: cases)
    }

    private static let epoch = Date(timeIntervalSince1970: 0)

    private func run(_ test: TestCase, rules: [AlertingRule]) -> [String] {
        var failures: [String] = []
        let knownNames = Set(rules.map(\.name))
        for check in test.alertTests where !knownNames.contains(check.alertname) {
            failures.append("alertname: \(check.alertname), time: \(check.evalTime.prometheusDescription): no rule with this name")
        }
        guard let lastCheck = test.alertTests.map(\.evalTime).max() else { return failures }
        let input = TestInput(series: test.inputSeries, step: (test.interval ?? evaluationInterval).timeInterval)
        var states = Array(repeating: AlertingRuleState(), count: rules.count)
        var pending = test.alertTests.sorted { $0.evalTime < $1.evalTime }[...]
        let step = evaluationInterval.timeInterval
        var tick = 0
        while true {
            let seconds = Double(tick) * step
            if seconds > lastCheck.timeInterval { break }
            let time = Self.epoch.addingTimeInterval(seconds)
            for (index, rule) in rules.enumerated() {
                let samples = rule.evaluate(input.series(for: rule.seriesRequest(at: time)), at: time)
                do {
                    try states[index].update(rule: rule, samples: samples, at: time)
                } catch {
                    failures.append("time: \(Duration.seconds(seconds).prometheusDescription): \(error)")
                }
            }
            // Checks are made after the last evaluation at or before their eval_time.
            while let check = pending.first, check.evalTime.timeInterval < seconds + step {
                pending.removeFirst()
                let got = rules.indices.filter { rules[$0].name == check.alertname }.flatMap { index in
                    states[index].alerts.values.filter { $0.state == .firing }.map {
                        RenderedAlert(labels: $0.labels, annotations: $0.annotations)
                    }
                }
                let expected = check.expected.map {
                    RenderedAlert(labels: $0.labels.merging(["alertname": check.alertname]) { _, name in name }, annotations: $0.annotations)
                }
                if let failure = Self.compare(expected: expected, got: got, check: check) { failures.append(failure) }
            }
            tick += 1
        }
        return failures
    }

    private static func compare(expected: [RenderedAlert], got: [RenderedAlert], check: AlertTest) -> String? {
        let expectedSorted = expected.map(\.description).sorted()
        let gotSorted = got.map(\.description).sorted()
        guard expectedSorted != gotSorted else { return nil }
        var missing = expectedSorted
        var unexpected: [String] = []
        for alert in gotSorted {
            if let index = missing.firstIndex(of: alert) { missing.remove(at: index) } else { unexpected.append(alert) }
        }
        var lines = ["alertname: \(check.alertname), time: \(check.evalTime.prometheusDescription),"]
        lines.append("    exp: [\(expectedSorted.joined(separator: ", "))]")
        lines.append("    got: [\(gotSorted.joined(separator: ", "))]")
        lines += missing.map { "    - missing:    \($0)" }
        lines += unexpected.map { "    + unexpected: \($0)" }
        return lines.joined(separator: "\n")
    }
}

/// A firing alert in the canonical text form used for comparison and diffs.
private struct RenderedAlert: CustomStringConvertible {
    var labels: [String: String]
    var annotations: [String: String]

    var description: String {
        func render(_ map: [String: String]) -> String {
            "{" + map.keys.sorted().map { "\($0)=\"\(map[$0]!)\"" }.joined(separator: ", ") + "}"
        }
        return "labels: \(render(labels)), annotations: \(render(annotations))"
    }
}

/// Turns a test's input series into the ``FunctionSeries`` a rule's request would get from the store.
private struct TestInput {
    let series: [RuleTestFile.InputSeries]
    let step: Double

    private static let reserved: Set<String> = ["service", "function", "file", "sample_type", "profile_type", "measure"]

    func series(for request: SeriesRequest) -> [FunctionSeries] {
        func accepts(_ input: RuleTestFile.InputSeries) -> Bool {
            if let sampleType = input.labels["sample_type"], sampleType != request.sampleType { return false }
            if let profileType = input.labels["profile_type"], profileType != request.profileType.rawValue { return false }
            if input.name == "function", let measure = input.labels["measure"], measure != request.measure.rawValue { return false }
            return true
        }
        struct Key: Hashable {
            var service: String
            var labels: [String: String]
        }
        func key(_ input: RuleTestFile.InputSeries) -> Key {
            Key(service: input.labels["service"]!, labels: input.labels.filter { !Self.reserved.contains($0.key) })
        }
        let selected = series.filter(accepts)
        // Totals per (service, labels) and step: the `total` series, else the sum of the function values.
        var explicitTotals: [Key: [Int: Double]] = [:]
        var summedTotals: [Key: [Int: Double]] = [:]
        for input in selected {
            for (index, value) in input.values.enumerated() {
                guard let value else { continue }
                if input.name == "total" {
                    explicitTotals[key(input), default: [:]][index, default: 0] += value
                } else {
                    summedTotals[key(input), default: [:]][index, default: 0] += value
                }
            }
        }
        func total(_ key: Key, _ index: Int) -> Double? {
            explicitTotals[key]?[index] ?? summedTotals[key]?[index]
        }
        func time(_ index: Int) -> Date { Date(timeIntervalSince1970: Double(index) * step) }

        var result: [FunctionSeries] = []
        for input in selected where input.name == "function" {
            let key = key(input)
            let points = input.values.enumerated().compactMap { index, value -> SeriesPoint? in
                guard let value else { return nil }
                return SeriesPoint(time: time(index), value: value, total: total(key, index) ?? value)
            }
            result.append(FunctionSeries(service: key.service, labels: key.labels, function: input.labels["function"]!, file: input.labels["file"] ?? "", points: points))
        }
        // One service-level series per (service, labels), carrying the totals.
        for key in Set(explicitTotals.keys).union(summedTotals.keys) {
            let indices = Set(explicitTotals[key]?.keys ?? [:].keys).union(summedTotals[key]?.keys ?? [:].keys).sorted()
            let points = indices.compactMap { index in total(key, index).map { SeriesPoint(time: time(index), value: $0, total: $0) } }
            result.append(FunctionSeries(service: key.service, labels: key.labels, function: "", points: points))
        }
        return result
    }
}
