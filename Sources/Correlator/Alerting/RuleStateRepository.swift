import Foundation
import Logging
import PostgresNIO
import Rules

/// The outcome of one rule's evaluation, as persisted.
public struct RuleEvaluationRecord: Sendable {
    /// `group/alert`: keys `rule_state` and the `rule` column of `alerts`.
    public var ruleKey: String
    public var groupKey: String
    public var state: AlertingRuleState
    /// Evidence of the current alerts, by fingerprint.
    public var evidence: [AlertFingerprint: AlertEvidence]
    /// `ok`, `err`, or `unknown` (never evaluated).
    public var health: String
    public var lastError: String?
    public var lastEvaluation: Date
    public var evaluationSeconds: Double
}

/// A rule's persisted state and status, as read back.
public struct PersistedRuleState: Sendable {
    public var state: AlertingRuleState
    public var evidence: [AlertFingerprint: AlertEvidence]
    public var health: String
    public var lastError: String?
    public var lastEvaluation: Date?
    public var evaluationSeconds: Double?
}

/// One row of `alerts`, for `GET /api/v1/alerts`.
public struct StoredAlert: Sendable {
    public var rule: String
    public var labels: [String: String]
    public var annotations: [String: String]
    public var state: String
    public var activeAt: Date?
    public var firedAt: Date?
    public var value: Double?
    public var evidence: AlertEvidence?
}

/// Reads and writes `rule_state` (the state machines, JSON) and `alerts` (one row per current
/// alert, with its evidence). A cycle's rules are written in two statements whatever their number.
public struct RuleStateRepository: Sendable {
    public let client: PostgresClient
    public let tenant: String
    let logger: Logger

    public init(client: PostgresClient, tenant: String, logger: Logger) {
        self.client = client
        self.tenant = tenant
        self.logger = logger
    }

    /// The persisted state of every rule of the tenant, by rule key.
    public func load() async throws -> [String: PersistedRuleState] {
        let rows = try await client.query(
            """
            SELECT rule, state::text, evidence::text, health, last_error, last_evaluation, evaluation_seconds
            FROM rule_state WHERE tenant = \(tenant)
            """
        )
        var result: [String: PersistedRuleState] = [:]
        let decoder = AlertingJSON.decoder()
        for try await (rule, stateJSON, evidenceJSON, health, lastError, lastEvaluation, seconds) in rows.decode(
            (String, String, String, String, String?, Date?, Double?).self
        ) {
            let state = (try? decoder.decode(AlertingRuleState.self, from: Data(stateJSON.utf8))) ?? AlertingRuleState()
            let byText = (try? decoder.decode([String: AlertEvidence].self, from: Data(evidenceJSON.utf8))) ?? [:]
            var evidence: [AlertFingerprint: AlertEvidence] = [:]
            for (text, value) in byText {
                if let raw = UInt64(text, radix: 16) { evidence[AlertFingerprint(rawValue: raw)] = value }
            }
            result[rule] = PersistedRuleState(
                state: state, evidence: evidence, health: health, lastError: lastError,
                lastEvaluation: lastEvaluation, evaluationSeconds: seconds
            )
        }
        return result
    }

    private struct StateRow: Encodable {
        var rule: String
        var group_key: String
        var state: AlertingRuleState
        var evidence: [String: AlertEvidence]
        var health: String
        var last_error: String?
        var last_evaluation: Date
        var evaluation_seconds: Double
    }

    private struct AlertRow: Encodable {
        var rule: String
        var fingerprint: Int64
        var labels: [String: String]
        var annotations: [String: String]
        var state: String
        var active_at: Date
        var fired_at: Date?
        var resolved_at: Date?
        var last_sent_at: Date?
        var valid_until: Date?
        var value: Double?
        var evidence: AlertEvidence?
    }

    /// Writes the records of one cycle and replaces those rules' rows in `alerts`, in one transaction.
    public func save(_ records: [RuleEvaluationRecord]) async throws {
        guard !records.isEmpty else { return }
        var states: [StateRow] = []
        var alerts: [AlertRow] = []
        for record in records {
            states.append(
                StateRow(
                    rule: record.ruleKey, group_key: record.groupKey, state: record.state,
                    evidence: Dictionary(uniqueKeysWithValues: record.evidence.map { ($0.key.description, $0.value) }),
                    health: record.health, last_error: record.lastError, last_evaluation: record.lastEvaluation,
                    evaluation_seconds: record.evaluationSeconds
                )
            )
            for alert in record.state.alerts.values {
                let evidence = record.evidence[alert.fingerprint]
                alerts.append(
                    AlertRow(
                        rule: record.ruleKey, fingerprint: alert.fingerprint.int64, labels: alert.labels,
                        annotations: alert.annotations.merging(evidence?.annotations ?? [:]) { own, _ in own },
                        state: alert.state.rawValue, active_at: alert.activeAt, fired_at: alert.firedAt,
                        resolved_at: alert.resolvedAt, last_sent_at: alert.lastSentAt, valid_until: alert.validUntil,
                        value: alert.value.isFinite ? alert.value : nil, evidence: evidence
                    )
                )
            }
        }
        let statesJSON = try AlertingJSON.string(states)
        let alertsJSON = try AlertingJSON.string(alerts)
        let rules = records.map(\.ruleKey)
        let tenant = self.tenant
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query(
                """
                INSERT INTO rule_state (tenant, rule, group_key, state, evidence, health, last_error, last_evaluation, evaluation_seconds, updated_at)
                SELECT \(tenant), r.rule, r.group_key, r.state, r.evidence, r.health, r.last_error, r.last_evaluation, r.evaluation_seconds, now()
                FROM jsonb_to_recordset(\(statesJSON)::jsonb) AS r(
                    rule text, group_key text, state jsonb, evidence jsonb, health text, last_error text,
                    last_evaluation timestamptz, evaluation_seconds float8)
                ON CONFLICT (tenant, rule) DO UPDATE SET
                    group_key = EXCLUDED.group_key, state = EXCLUDED.state, evidence = EXCLUDED.evidence,
                    health = EXCLUDED.health, last_error = EXCLUDED.last_error,
                    last_evaluation = EXCLUDED.last_evaluation, evaluation_seconds = EXCLUDED.evaluation_seconds,
                    updated_at = EXCLUDED.updated_at
                """,
                logger: logger
            )
            try await connection.query(
                "DELETE FROM alerts WHERE tenant = \(tenant) AND rule = ANY(\(rules))",
                logger: logger
            )
            try await connection.query(
                """
                INSERT INTO alerts (tenant, rule, fingerprint, labels, annotations, state, active_at, fired_at,
                                    resolved_at, last_sent_at, valid_until, value, evidence, updated_at)
                SELECT \(tenant), a.rule, a.fingerprint, a.labels, a.annotations, a.state, a.active_at, a.fired_at,
                       a.resolved_at, a.last_sent_at, a.valid_until, a.value, coalesce(a.evidence, '{}'), now()
                FROM jsonb_to_recordset(\(alertsJSON)::jsonb) AS a(
                    rule text, fingerprint bigint, labels jsonb, annotations jsonb, state text, active_at timestamptz,
                    fired_at timestamptz, resolved_at timestamptz, last_sent_at timestamptz, valid_until timestamptz,
                    value float8, evidence jsonb)
                ON CONFLICT (tenant, rule, fingerprint) DO UPDATE SET
                    labels = EXCLUDED.labels, annotations = EXCLUDED.annotations, state = EXCLUDED.state,
                    active_at = EXCLUDED.active_at, fired_at = EXCLUDED.fired_at, resolved_at = EXCLUDED.resolved_at,
                    last_sent_at = EXCLUDED.last_sent_at, valid_until = EXCLUDED.valid_until, value = EXCLUDED.value,
                    evidence = EXCLUDED.evidence, updated_at = EXCLUDED.updated_at
                """,
                logger: logger
            )
        }
    }

    /// Pending and firing alerts (not resolved ones), oldest first.
    public func activeAlerts() async throws -> [StoredAlert] {
        let rows = try await client.query(
            """
            SELECT rule, labels::text, annotations::text, state, active_at, fired_at, value, evidence::text
            FROM alerts WHERE tenant = \(tenant) AND state IN ('pending', 'firing')
            ORDER BY active_at, rule, fingerprint
            """
        )
        let decoder = AlertingJSON.decoder()
        var result: [StoredAlert] = []
        for try await (rule, labels, annotations, state, activeAt, firedAt, value, evidence) in rows.decode(
            (String, String, String, String, Date?, Date?, Double?, String).self
        ) {
            result.append(
                StoredAlert(
                    rule: rule,
                    labels: (try? decoder.decode([String: String].self, from: Data(labels.utf8))) ?? [:],
                    annotations: (try? decoder.decode([String: String].self, from: Data(annotations.utf8))) ?? [:],
                    state: state, activeAt: activeAt, firedAt: firedAt, value: value,
                    evidence: try? decoder.decode(AlertEvidence.self, from: Data(evidence.utf8))
                )
            )
        }
        return result
    }
}
