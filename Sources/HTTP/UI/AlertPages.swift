import Correlator
import Foundation
import ProfileIndex

/// The model of `/ui/alerts`: pending and firing alerts with their values and evidence, and
/// links to the example slow requests' trace pages.
struct AlertsPage {
    struct KeyValue {
        var key: String
        var value: String
    }

    struct Example {
        var traceID: String
        var url: String
        var spanName: String
        var duration: String
        var samples: String
    }

    struct Row {
        var rule: String
        var state: String
        var value: String
        var activeAt: String
        var firedAt: String?
        var labels: String
        var annotations: [KeyValue]
        var details: [KeyValue]
        var points: String?
        var examples: [Example]
        var hasExamples: Bool
    }

    var search = ""
    var alerts: [Row]
    // Stored, not computed: mustache reads values through Mirror, which sees stored properties only.
    var hasAlerts: Bool

    init(alerts stored: [StoredAlert]) {
        alerts = stored.map { alert in
            let evidence = alert.evidence
            let points = evidence?.points.suffix(30).map { AlertEvidence.format($0.value) }.joined(separator: " ")
            return Row(
                rule: alert.rule, state: alert.state, value: alert.value.map { AlertEvidence.format($0) } ?? "NaN",
                activeAt: alert.activeAt.map(UIFormat.time) ?? "", firedAt: alert.firedAt.map(UIFormat.time),
                labels: OverviewPage.labelText(alert.labels),
                annotations: alert.annotations.sorted { $0.key < $1.key }.map { KeyValue(key: $0.key, value: $0.value) },
                details: (evidence?.details ?? [:]).sorted { $0.key < $1.key }.map { KeyValue(key: $0.key, value: AlertEvidence.format($0.value)) },
                points: points?.isEmpty == false ? points : nil,
                examples: (evidence?.exampleTraces ?? []).map { example in
                    Example(
                        traceID: example.traceID, url: "/ui/traces/\(example.traceID)", spanName: example.spanName ?? "",
                        duration: example.durationSeconds.map { PprofUnits.scaledLabel(Int64(($0 * 1e9).rounded()), unit: "nanoseconds", to: "minimum") } ?? "",
                        samples: example.samples.map { AlertEvidence.format($0) } ?? ""
                    )
                },
                hasExamples: evidence?.exampleTraces.isEmpty == false
            )
        }
        hasAlerts = !alerts.isEmpty
    }
}

/// The model of `/ui/rules`: every group's rules with state, health, last evaluation and error.
struct RulesPage {
    struct Rule {
        var name: String
        var state: String
        var health: String
        var lastError: String?
        var query: String
        var holdFor: String
        var lastEvaluation: String
        var evaluationTime: String
        var alertCount: Int
    }

    struct Group {
        var name: String
        var file: String
        var interval: String
        var lastEvaluation: String?
        var rules: [Rule]
    }

    var search = ""
    var warnings: [String]
    var groups: [Group]
    var hasGroups: Bool

    init(groups api: [APIGroup], warnings: [String]?) {
        self.warnings = warnings ?? []
        groups = api.map { group in
            Group(
                name: group.name, file: group.file, interval: UIFormat.seconds(group.interval),
                lastEvaluation: group.lastEvaluation.map(UIFormat.time),
                rules: group.rules.map { rule in
                    Rule(
                        name: rule.name, state: rule.state, health: rule.health,
                        lastError: rule.lastError.isEmpty ? nil : rule.lastError, query: rule.query,
                        holdFor: UIFormat.seconds(rule.duration),
                        lastEvaluation: rule.lastEvaluation.map(UIFormat.time) ?? "never",
                        evaluationTime: String(format: "%.1f ms", rule.evaluationTime * 1000),
                        alertCount: rule.alerts.count
                    )
                }
            )
        }
        hasGroups = !groups.isEmpty
    }
}

/// Times and durations as the pages print them.
enum UIFormat {
    static func time(_ date: Date) -> String {
        Timestamp.rfc3339(Int64((date.timeIntervalSince1970 * 1e9).rounded()))
    }

    /// `30s`, `5m`, `1h30m`.
    static func seconds(_ value: Double) -> String {
        let total = Int(value.rounded())
        if total == 0 { return "0s" }
        var parts = ""
        if total >= 3600 { parts += "\(total / 3600)h" }
        if total % 3600 >= 60 { parts += "\(total % 3600 / 60)m" }
        if total % 60 > 0 { parts += "\(total % 60)s" }
        return parts
    }
}
