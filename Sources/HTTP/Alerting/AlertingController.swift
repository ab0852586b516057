import Correlator
import Foundation
import Hummingbird
import PostgresNIO
import Rules

/// `GET /api/v1/rules`, `GET /api/v1/alerts` (Prometheus's response shapes, read from the
/// database so every replica answers the same) and `POST /-/reload`.
///
/// Rules run for one tenant (`alerting.tenant`); every other tenant sees no rules and no alerts.
struct AlertingController {
    let rules: RuleManager
    let repository: RuleStateRepository
    /// Reloads the TLS certificate too (nil without `tls:`); returns why it failed.
    var reloadTLS: (@Sendable () -> String?)? = nil

    func addRoutes(to router: Router<CorrelatorRequestContext>) {
        router.get("/api/v1/rules") { _, context -> Response in
            try await rulesResponse(tenant: context.tenant)
        }
        router.get("/api/v1/alerts") { _, context -> Response in
            let alerts = try await activeAlerts(tenant: context.tenant)
            return try Self.json(APIResponse(data: AlertsData(alerts: alerts.map(APIAlert.init))))
        }
        router.post("/-/reload") { _, _ -> Response in
            let status = await rules.reload()
            if let error = reloadTLS?() {
                return try Self.json(APIResponse<Empty>(status: "error", errorType: "bad_data", error: error), status: .badRequest)
            }
            if let error = status.error {
                return try Self.json(APIResponse<Empty>(status: "error", errorType: "bad_data", error: "rule reload failed, keeping the previous rules:\n\(error)"), status: .badRequest)
            }
            return try Self.json(APIResponse(data: Empty()))
        }
    }

    private func rulesResponse(tenant: String) async throws -> Response {
        let (result, warnings) = try await ruleGroups(tenant: tenant)
        return try Self.json(APIResponse(data: RulesData(groups: result), warnings: warnings))
    }

    /// Every loaded group with its rules' persisted state, last evaluation and alerts (one query),
    /// and a warning when the last reload failed: `/api/v1/rules` and the rules page. The rules
    /// run for `alerting.tenant`; other tenants see none.
    func ruleGroups(tenant: String) async throws -> (groups: [APIGroup], warnings: [String]?) {
        guard tenant == repository.tenant else { return ([], nil) }
        let groups = await rules.groups
        let lastReload = await rules.lastReload
        let persisted = try await withDatabase { try await repository.load() }
        var result: [APIGroup] = []
        for loaded in groups {
            var apiRules: [APIRule] = []
            for rule in loaded.group.rules {
                let state = persisted[loaded.ruleKey(rule)]
                let alerts = (state?.state.alerts.values.filter { $0.state != .inactive } ?? []).sorted { $0.activeAt < $1.activeAt }
                apiRules.append(
                    APIRule(
                        state: (state?.state.ruleState ?? .inactive).rawValue, name: rule.name, query: Self.query(rule.condition),
                        duration: rule.holdDuration.timeInterval, keepFiringFor: rule.keepFiringFor.timeInterval,
                        labels: rule.labels, annotations: rule.annotations,
                        alerts: alerts.map { alert in
                            APIAlert(
                                labels: alert.labels,
                                annotations: alert.annotations.merging(state?.evidence[alert.fingerprint]?.annotations ?? [:]) { own, _ in own },
                                state: alert.state.rawValue, activeAt: alert.activeAt, value: AlertEvidence.format(alert.value),
                                evidence: state?.evidence[alert.fingerprint]
                            )
                        },
                        health: state?.health ?? "unknown", lastError: state?.lastError ?? "",
                        evaluationTime: state?.evaluationSeconds ?? 0, lastEvaluation: state?.lastEvaluation
                    )
                )
            }
            result.append(
                APIGroup(
                    name: loaded.group.name, file: loaded.file, interval: loaded.interval.timeInterval, rules: apiRules,
                    evaluationTime: apiRules.reduce(0) { $0 + $1.evaluationTime },
                    lastEvaluation: apiRules.compactMap(\.lastEvaluation).max()
                )
            )
        }
        let warnings = lastReload.error.map { ["rule reload failed at \(lastReload.at.formatted(.iso8601)), the previous rules are still in force: \($0)"] }
        return (result, warnings)
    }

    /// Pending and firing alerts, oldest first: `/api/v1/alerts` and the alerts page.
    func activeAlerts(tenant: String) async throws -> [StoredAlert] {
        guard tenant == repository.tenant else { return [] }
        return try await withDatabase { try await repository.activeAlerts() }
    }

    private func withDatabase<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError {
            throw HTTPError(.serviceUnavailable, headers: [.retryAfter: "5"], message: "database unavailable: \(error.serverInfo?[.message] ?? "\(error.code)")")
        }
    }

    static func query(_ condition: RuleCondition) -> String {
        func selector(_ selector: ServiceSelector) -> String {
            var parts = selector.service.map { ["service=\"\($0)\""] } ?? []
            parts += selector.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }
            return parts.joined(separator: ", ")
        }
        switch condition {
        case .hotspot(let c):
            var parts = [selector(c.selector), "profile_type=\(c.profileType.rawValue)", "sample_type=\(c.sampleType)", "measure=\(c.measure.rawValue)", "window=\(c.window.prometheusDescription)"]
            if let f = c.function { parts.append("function=~\"\(f.pattern)\"") }
            if let s = c.shareAbove { parts.append("share_above=\(s)") }
            if let g = c.growthAbove { parts.append("growth_above=\(g)") }
            return "hotspot{\(parts.filter { !$0.isEmpty }.joined(separator: ", "))}"
        case .allocation(let c):
            var parts = [selector(c.selector), "profile_type=\(c.profileType.rawValue)", "sample_type=\(c.sampleType)", "window=\(c.window.prometheusDescription)", "per_second_above=\(c.perSecondAbove)"]
            if let f = c.function { parts.append("function=~\"\(f.pattern)\"") }
            return "allocation{\(parts.filter { !$0.isEmpty }.joined(separator: ", "))}"
        case .leak(let c):
            var parts = [selector(c.selector), "sample_type=\(c.sampleType)", "window=\(c.window.prometheusDescription)", "min_points=\(c.minPoints)", "min_relative_growth=\(c.minRelativeGrowth)"]
            if let f = c.function { parts.append("function=~\"\(f.pattern)\"") }
            return "leak{\(parts.filter { !$0.isEmpty }.joined(separator: ", "))}"
        }
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        }
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(data: try encoder.encode(value)))
        )
    }
}

struct Empty: Encodable {}

struct APIResponse<T: Encodable>: Encodable {
    var status = "success"
    var data: T?
    var errorType: String?
    var error: String?
    var warnings: [String]?

    init(data: T, warnings: [String]? = nil) {
        self.data = data
        self.warnings = warnings
    }

    init(status: String, errorType: String, error: String) {
        self.status = status
        self.errorType = errorType
        self.error = error
    }
}

struct RulesData: Encodable {
    var groups: [APIGroup]
}

struct AlertsData: Encodable {
    var alerts: [APIAlert]
}

struct APIGroup: Encodable {
    var name: String
    var file: String
    var interval: Double
    var limit = 0
    var rules: [APIRule]
    var evaluationTime: Double
    var lastEvaluation: Date?
}

struct APIRule: Encodable {
    var state: String
    var name: String
    var query: String
    var duration: Double
    var keepFiringFor: Double
    var labels: [String: String]
    var annotations: [String: String]
    var alerts: [APIAlert]
    var health: String
    var lastError: String
    var evaluationTime: Double
    var lastEvaluation: Date?
    var type = "alerting"
}

struct APIAlert: Encodable {
    var labels: [String: String]
    var annotations: [String: String]
    var state: String
    var activeAt: Date?
    var value: String
    /// Correlator's addition: the series values and example slow requests behind the alert.
    var evidence: AlertEvidence?

    init(labels: [String: String], annotations: [String: String], state: String, activeAt: Date?, value: String, evidence: AlertEvidence?) {
        self.labels = labels
        self.annotations = annotations
        self.state = state
        self.activeAt = activeAt
        self.value = value
        self.evidence = evidence
    }

    init(_ stored: StoredAlert) {
        self.init(
            labels: stored.labels, annotations: stored.annotations, state: stored.state, activeAt: stored.activeAt,
            value: stored.value.map { AlertEvidence.format($0) } ?? "NaN", evidence: stored.evidence
        )
    }
}
