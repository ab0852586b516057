import Foundation
import Testing
@testable import Rules

/// Timelines for the state machine, one evaluation per minute. `active` lists the minutes at
/// which the condition's sample is present.
@Suite struct AlertingRuleStateTests {
    static let sample = AlertSample(labels: ["service": "api", "function": "f"], value: 0.3, details: ["share": 0.3])

    static func makeRule(for hold: Duration = .zero, keepFiringFor: Duration = .zero) -> AlertingRule {
        AlertingRule(
            name: "Hot", condition: .hotspot(HotspotCondition(shareAbove: 0.1, window: .seconds(300))),
            holdDuration: hold, keepFiringFor: keepFiringFor,
            labels: ["severity": "page", "team": "{{service}}-team"],
            annotations: ["summary": "{{function}} in {{labels.service}} at {{share | percent}} ({{alertname}}, {{labels.severity}})"]
        )
    }

    /// Runs minutes `0...last`, returning the alert's state after each (nil = no alert).
    static func run(_ rule: AlertingRule, active: Set<Int>, through last: Int, state: inout AlertingRuleState) -> [AlertState?] {
        (0...last).map { minute in
            try! state.update(rule: rule, samples: active.contains(minute) ? [sample] : [], at: at(minutes: Double(minute)))
            return state.alerts.values.first?.state
        }
    }

    @Test func forZeroFiresAtOnceAndResolves() throws {
        var state = AlertingRuleState()
        let states = Self.run(Self.makeRule(), active: [0, 1, 2], through: 4, state: &state)
        #expect(states == [.firing, .firing, .firing, .inactive, .inactive])
        let alert = try #require(state.alerts.values.first)
        #expect(alert.activeAt == at(minutes: 0))
        #expect(alert.firedAt == at(minutes: 0))
        #expect(alert.resolvedAt == at(minutes: 3))
        #expect(alert.labels == ["alertname": "Hot", "service": "api", "function": "f", "severity": "page", "team": "api-team"])
        #expect(alert.annotations == ["summary": "f in api at 30% (Hot, page)"])
        #expect(alert.fingerprint == AlertFingerprint(labels: alert.labels))
    }

    @Test func forFiveMinutesWithFlapsRestartsTheTimer() {
        var state = AlertingRuleState()
        // Active 0–3, gone at 4 (pending alerts are dropped), active again 5–11.
        let states = Self.run(Self.makeRule(for: .seconds(300)), active: Set(0...3).union(5...11), through: 11, state: &state)
        #expect(states == [
            .pending, .pending, .pending, .pending, nil,
            .pending, .pending, .pending, .pending, .pending, .firing, .firing,
        ])
        #expect(state.alerts.values.first?.activeAt == at(minutes: 5))
        #expect(state.alerts.values.first?.firedAt == at(minutes: 10))
    }

    @Test func keepFiringForHoldsTheAlertAfterTheConditionClears() {
        var state = AlertingRuleState()
        // Active 0–2 only; keep_firing_for 3m keeps it firing at 3, 4, 5 (since 3, < 3m) and resolves at 6.
        let states = Self.run(Self.makeRule(keepFiringFor: .seconds(180)), active: [0, 1, 2], through: 7, state: &state)
        #expect(states == [.firing, .firing, .firing, .firing, .firing, .firing, .inactive, .inactive])
        #expect(state.alerts.values.first?.resolvedAt == at(minutes: 6))
    }

    @Test func keepFiringSinceResetsWhenTheConditionReturns() {
        var state = AlertingRuleState()
        let states = Self.run(Self.makeRule(keepFiringFor: .seconds(120)), active: [0, 2, 5], through: 8, state: &state)
        // 1: kept (since 1); 2: active again, reset; 3, 4: kept (since 3); 5: active; 6, 7: kept
        // (since 6, less than 2m); 8: 2m since it cleared, resolved.
        #expect(states == [.firing, .firing, .firing, .firing, .firing, .firing, .firing, .firing, .inactive])
    }

    @Test func keepFiringForDoesNotApplyToPendingAlerts() {
        var state = AlertingRuleState()
        let states = Self.run(Self.makeRule(for: .seconds(600), keepFiringFor: .seconds(600)), active: [0, 1], through: 2, state: &state)
        #expect(states == [.pending, .pending, nil])
    }

    @Test func resolvedAlertsAreKeptFifteenMinutesThenDropped() {
        var state = AlertingRuleState()
        let states = Self.run(Self.makeRule(), active: [0], through: 17, state: &state)
        // Resolved at 1; kept while now − resolvedAt ≤ 15m (through minute 16), dropped at 17.
        #expect(states[1...16].allSatisfy { $0 == .inactive })
        #expect(states[17] == nil)
    }

    @Test func reactivatedResolvedAlertStartsOverAsPending() throws {
        var state = AlertingRuleState()
        let states = Self.run(Self.makeRule(for: .seconds(120)), active: [0, 1, 2, 3, 6, 7, 8], through: 8, state: &state)
        #expect(states == [.pending, .pending, .firing, .firing, .inactive, .inactive, .pending, .pending, .firing])
        let alert = try #require(state.alerts.values.first)
        #expect(alert.resolvedAt == nil)
        #expect(alert.activeAt == at(minutes: 6))
    }

    @Test func raisingForSendsFiringAlertsBackToPending() {
        var state = AlertingRuleState()
        _ = Self.run(Self.makeRule(), active: [0, 1], through: 1, state: &state)
        try! state.update(rule: Self.makeRule(for: .seconds(600)), samples: [Self.sample], at: at(minutes: 2))
        #expect(state.alerts.values.first?.state == .pending)
        #expect(state.alerts.values.first?.firedAt == nil)
    }

    @Test func duplicateLabelSetsAreAnErrorAndLeaveTheStateAlone() {
        var state = AlertingRuleState()
        let rule = AlertingRule(
            name: "Hot", condition: .hotspot(HotspotCondition(shareAbove: 0.1, window: .seconds(300))),
            labels: ["function": "all"]
        )
        let samples = [
            AlertSample(labels: ["service": "api", "function": "f"], value: 1),
            AlertSample(labels: ["service": "api", "function": "g"], value: 1),
        ]
        #expect(throws: RuleEvaluationError.self) { try state.update(rule: rule, samples: samples, at: origin) }
        #expect(state.alerts.isEmpty)
        #expect(state.lastEvaluation == nil)
    }

    // MARK: Notifications

    @Test func firingAlertsAreSentThenResentAfterTheResendDelay() throws {
        var state = AlertingRuleState()
        let rule = Self.makeRule()
        var sentAt: [Int] = []
        var lastEndsAt: Date?
        for minute in 0...5 {
            try state.update(rule: rule, samples: [Self.sample], at: at(minutes: Double(minute)))
            let sent = state.notifications(at: at(minutes: Double(minute)), interval: .seconds(30), resendDelay: .seconds(90))
            if let notification = sent.first {
                sentAt.append(minute)
                lastEndsAt = notification.endsAt
                #expect(notification.startsAt == at(minutes: 0))
                #expect(notification.state == .firing)
            }
        }
        // Sent at 0; due again strictly after 1.5m → 2; then after 3.5m → 4.
        #expect(sentAt == [0, 2, 4])
        // endsAt = now + 4 × max(interval 30s, resend 90s) = 4 + 6 minutes.
        #expect(lastEndsAt == at(minutes: 10))
        #expect(state.alerts.values.first?.validUntil == at(minutes: 10))
    }

    @Test func equalIntervalAndResendDelayResendEverySecondEvaluationAsPrometheus() throws {
        var state = AlertingRuleState()
        var sentAt: [Int] = []
        for minute in 0...4 {
            try state.update(rule: Self.makeRule(), samples: [Self.sample], at: at(minutes: Double(minute)))
            if !state.notifications(at: at(minutes: Double(minute)), interval: .seconds(60)).isEmpty { sentAt.append(minute) }
        }
        #expect(sentAt == [0, 2, 4])
    }

    @Test func pendingAlertsAreNeverSent() throws {
        var state = AlertingRuleState()
        try state.update(rule: Self.makeRule(for: .seconds(300)), samples: [Self.sample], at: origin)
        #expect(state.notifications(at: origin, interval: .seconds(60)).isEmpty)
    }

    @Test func resolvedAlertsAreSentAtOnceThenResentForFifteenMinutes() throws {
        var state = AlertingRuleState()
        let rule = Self.makeRule()
        var sent: [(Int, AlertNotification)] = []
        for minute in 0...20 {
            try state.update(rule: rule, samples: minute < 3 ? [Self.sample] : [], at: at(minutes: Double(minute)))
            for notification in state.notifications(at: at(minutes: Double(minute)), interval: .seconds(60)) {
                sent.append((minute, notification))
            }
        }
        let resolved = sent.filter { $0.1.state == .inactive }
        // Resolved at 3 (sent at once, although the last firing send was at 2), then every 2
        // minutes while retained (resolvedAt + 15m = 18).
        #expect(resolved.map(\.0) == [3, 5, 7, 9, 11, 13, 15, 17])
        #expect(resolved.allSatisfy { $0.1.endsAt == at(minutes: 3) })
        #expect(sent.filter { $0.1.state == .firing }.map(\.0) == [0, 2])
    }

    // MARK: Persistence and restart

    @Test func stateSurvivesEncodingIncludingInfiniteValues() throws {
        var state = AlertingRuleState()
        let sample = AlertSample(labels: ["service": "api", "function": "new"], value: .infinity)
        try state.update(rule: Self.makeRule(for: .seconds(300)), samples: [sample], at: origin)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(state)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let decoded = try decoder.decode(AlertingRuleState.self, from: data)
        #expect(decoded == state)
        #expect(String(decoding: data, as: UTF8.self).contains(#""value":"+Inf""#))
    }

    @Test func restartFromSerializedStateResumesTheForTimer() throws {
        let rule = Self.makeRule(for: .seconds(30 * 60))
        var state = AlertingRuleState()
        for minute in 0...10 {
            try state.update(rule: rule, samples: [Self.sample], at: at(minutes: Double(minute)))
        }
        let data = try JSONEncoder().encode(state)

        // The process is down from minute 10 to minute 15, then resumes from the stored state.
        var restored = try JSONDecoder().decode(AlertingRuleState.self, from: data)
        restored.resume(rule: rule, at: at(minutes: 15))
        // 10 of 30 minutes were spent pending; downtime doesn't count: it fires 20 minutes after
        // the restart, at 35.
        #expect(restored.alerts.values.first?.activeAt == at(minutes: 5))
        var firedAt: Int?
        for minute in 15...40 {
            try restored.update(rule: rule, samples: [Self.sample], at: at(minutes: Double(minute)))
            if firedAt == nil, restored.alerts.values.first?.state == .firing { firedAt = minute }
        }
        #expect(firedAt == 35)
    }

    @Test func restartNearTheEndOfForWaitsTheGracePeriod() throws {
        let rule = Self.makeRule(for: .seconds(30 * 60))
        var state = AlertingRuleState()
        for minute in 0...25 {
            try state.update(rule: rule, samples: [Self.sample], at: at(minutes: Double(minute)))
        }
        state.resume(rule: rule, at: at(minutes: 27))
        // 5 minutes remained (< 10m grace): fires 10 minutes after the restart.
        #expect(state.alerts.values.first?.activeAt == at(minutes: 27 + 10 - 30))
    }

    @Test func firingAlertsStayFiringAcrossARestartWithoutResending() throws {
        let rule = Self.makeRule()
        var state = AlertingRuleState()
        try state.update(rule: rule, samples: [Self.sample], at: origin)
        #expect(state.notifications(at: origin, interval: .seconds(60)).count == 1)
        var restored = try JSONDecoder().decode(AlertingRuleState.self, from: JSONEncoder().encode(state))
        restored.resume(rule: rule, at: at(minutes: 0.5))
        try restored.update(rule: rule, samples: [Self.sample], at: at(minutes: 0.5))
        #expect(restored.alerts.values.first?.state == .firing)
        #expect(restored.notifications(at: at(minutes: 0.5), interval: .seconds(60)).isEmpty)
    }

    @Test func outageLongerThanToleranceStartsOver() throws {
        let rule = Self.makeRule(for: .seconds(600))
        var state = AlertingRuleState()
        try state.update(rule: rule, samples: [Self.sample], at: origin)
        state.resume(rule: rule, at: at(hours: 2))
        #expect(state.alerts.isEmpty)
    }

    @Test func fingerprintIsStableAndOrderIndependent() {
        let labels = ["b": "2", "a": "1", "alertname": "X"]
        #expect(AlertFingerprint(labels: labels) == AlertFingerprint(labels: ["alertname": "X", "a": "1", "b": "2"]))
        #expect(AlertFingerprint(labels: labels) != AlertFingerprint(labels: ["a": "1", "b": "2"]))
        // Separators keep {a="bc"} and {ab="c"} apart.
        #expect(AlertFingerprint(labels: ["a": "bc"]) != AlertFingerprint(labels: ["ab": "c"]))
        // FNV-1a offset basis for the empty set; pinned so a change of hash is noticed.
        #expect(AlertFingerprint(labels: [:]).description == "cbf29ce484222325")
    }
}
