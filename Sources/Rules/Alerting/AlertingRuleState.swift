import struct Foundation.Date

/// The alerts of one alerting rule and their timers: Prometheus's alerting-rule state machine as
/// a value.
///
/// Each evaluation (``update(rule:samples:at:)``) moves every alert as Prometheus's
/// `AlertingRule.Eval` does:
///
/// - a new active label set becomes **pending** (`activeAt = now`), and **firing** in the same
///   evaluation when `for` is 0, or at the first evaluation where `now − activeAt ≥ for`;
/// - an active label set that is already pending or firing only gets its value and annotations
///   updated;
/// - a label set no longer active is dropped if pending; if firing it is **resolved**
///   (`inactive`, `resolvedAt = now`) — unless `keep_firing_for` is set, in which case it stays
///   firing while `now − keepFiringSince < keep_firing_for` (`keepFiringSince` is when the
///   condition first cleared; reset when it is active again);
/// - a resolved alert is kept 15 minutes after `resolvedAt` (``resolvedRetention``) so its
///   resolution is re-sent, then dropped; if it becomes active again a new pending alert replaces it;
/// - if `for` was raised (rule reload) a firing alert active for less than the new `for` goes
///   back to pending.
///
/// ``notifications(at:interval:resendDelay:)`` then picks what to send. The state is `Codable`
/// for persistence; after a restart call ``resume(rule:at:outageTolerance:forGracePeriod:)``.
public struct AlertingRuleState: Sendable, Hashable, Codable {
    /// How long resolved alerts are kept (and their resolution re-sent): 15 minutes, as Prometheus.
    public static let resolvedRetention: Duration = .seconds(15 * 60)
    /// Prometheus's default `--rules.alert.resend-delay`.
    public static let defaultResendDelay: Duration = .seconds(60)

    /// Current alerts (pending, firing, and resolved within retention) by fingerprint.
    public private(set) var alerts: [AlertFingerprint: Alert]
    /// The time of the latest successful ``update(rule:samples:at:)``.
    public private(set) var lastEvaluation: Date?

    public init() {
        self.alerts = [:]
        self.lastEvaluation = nil
    }

    /// Pending and firing alerts (not resolved ones), ordered by fingerprint.
    public var activeAlerts: [Alert] {
        alerts.values.filter { $0.resolvedAt == nil }.sorted { $0.fingerprint < $1.fingerprint }
    }

    /// The rule's state as Prometheus reports it: the highest of its alerts' states, `inactive`
    /// when it has none.
    public var ruleState: AlertState {
        alerts.values.filter { $0.resolvedAt == nil }.map(\.state).max() ?? .inactive
    }

    /// Applies one evaluation: turns the condition's active samples into alerts and advances timers.
    ///
    /// Labels of an alert are the sample's labels, then the rule's labels (templates expanded with
    /// the sample), then `alertname`. Annotations are expanded with those labels, `value`,
    /// `alertname` and the sample's details.
    ///
    /// - Throws: ``RuleEvaluationError`` when two samples end up with the same labels; the state
    ///   is not changed then.
    public mutating func update(rule: AlertingRule, samples: [AlertSample], at time: Date) throws(RuleEvaluationError) {
        var fresh: [AlertFingerprint: Alert] = [:]
        for sample in samples {
            let alert = Self.instantiate(rule: rule, sample: sample, at: time)
            guard fresh[alert.fingerprint] == nil else {
                throw RuleEvaluationError(code: .duplicateLabelSet, rule: rule.name, labels: alert.labels)
            }
            fresh[alert.fingerprint] = alert
        }

        for (fingerprint, alert) in fresh {
            if var existing = alerts[fingerprint], existing.state != .inactive {
                existing.value = alert.value
                existing.annotations = alert.annotations
                alerts[fingerprint] = existing
            } else {
                alerts[fingerprint] = alert
            }
        }

        let hold = rule.holdDuration.timeInterval
        for fingerprint in alerts.keys.sorted() {
            guard var alert = alerts[fingerprint] else { continue }
            if fresh[fingerprint] == nil {
                var keepFiring = false
                if alert.state == .firing, rule.keepFiringFor > .zero {
                    let since = alert.keepFiringSince ?? time
                    alert.keepFiringSince = since
                    keepFiring = time.timeIntervalSince(since) < rule.keepFiringFor.timeInterval
                }
                if alert.state == .pending {
                    alerts[fingerprint] = nil
                    continue
                }
                if let resolvedAt = alert.resolvedAt,
                    time.timeIntervalSince(resolvedAt) > Self.resolvedRetention.timeInterval
                {
                    alerts[fingerprint] = nil
                    continue
                }
                if alert.state != .inactive, !keepFiring {
                    alert.state = .inactive
                    alert.resolvedAt = time
                }
                if !keepFiring {
                    alerts[fingerprint] = alert
                    continue
                }
            } else {
                alert.keepFiringSince = nil
            }

            if alert.state == .pending, time.timeIntervalSince(alert.activeAt) >= hold {
                alert.state = .firing
                alert.firedAt = time
            }
            if alert.state == .firing, time.timeIntervalSince(alert.activeAt) < hold {
                alert.state = .pending
                alert.firedAt = nil
                alert.lastSentAt = nil
                alert.keepFiringSince = nil
            }
            alerts[fingerprint] = alert
        }
        lastEvaluation = time
    }

    /// One full evaluation of `rule` at `time` over the series the store returned for
    /// ``AlertingRule/seriesRequest(at:)``: evaluates the condition and applies the result with
    /// ``update(rule:samples:at:)``. Returns the active samples, whose ``AlertSample/evidence``
    /// the caller can attach to the alerts (match them with ``AlertingRule/alertLabels(for:)``).
    @discardableResult
    public mutating func evaluate(rule: AlertingRule, series: [FunctionSeries], at time: Date) throws(RuleEvaluationError) -> [AlertSample] {
        let samples = rule.evaluate(series, at: time)
        try update(rule: rule, samples: samples, at: time)
        return samples
    }

    /// The notifications to send after an evaluation at `time`, recording them as sent.
    ///
    /// As Prometheus's `sendAlerts`: every alert that ``Alert/needsSending(at:resendDelay:)``
    /// gets `lastSentAt = time` and `validUntil = time + 4 × max(interval, resendDelay)`; the
    /// notification's `endsAt` is `resolvedAt` for resolved alerts and `validUntil` otherwise, its
    /// `startsAt` is `firedAt`. Ordered by fingerprint.
    ///
    /// Note that the re-send test is strict: with `interval == resendDelay` a firing alert is
    /// re-sent every second evaluation, exactly as Prometheus does.
    public mutating func notifications(
        at time: Date, interval: Duration, resendDelay: Duration = AlertingRuleState.defaultResendDelay
    ) -> [AlertNotification] {
        var result: [AlertNotification] = []
        let validity = 4 * max(interval, resendDelay).timeInterval
        for fingerprint in alerts.keys.sorted() {
            guard var alert = alerts[fingerprint], alert.needsSending(at: time, resendDelay: resendDelay) else { continue }
            alert.lastSentAt = time
            let validUntil = time.addingTimeInterval(validity)
            alert.validUntil = validUntil
            alerts[fingerprint] = alert
            result.append(AlertNotification(alert, endsAt: alert.resolvedAt ?? validUntil))
        }
        return result
    }

    /// Adjusts timers after the process was down since ``lastEvaluation``, as Prometheus's
    /// `RestoreForState` does, so that downtime does not count towards `for`:
    ///
    /// - down longer than `outageTolerance` (default 1h): pending and firing alerts are dropped
    ///   and start over at the next evaluation (resolved ones are kept for their re-sends);
    /// - rules with `for` shorter than `forGracePeriod` (default 10m): pending alerts restart
    ///   their `for` timer at `time`;
    /// - otherwise a pending alert's `activeAt` moves forward by the downtime, but it may fire
    ///   no sooner than `forGracePeriod` after `time` (and no later than it would have anyway).
    ///
    /// Firing alerts keep firing (their `lastSentAt` and `validUntil` survive, unlike in
    /// Prometheus, which forgets them and sends again): a restart doesn't page twice.
    public mutating func resume(
        rule: AlertingRule,
        at time: Date,
        outageTolerance: Duration = .seconds(3600),
        forGracePeriod: Duration = .seconds(600)
    ) {
        guard let downAt = lastEvaluation, time > downAt else { return }
        let downtime = time.timeIntervalSince(downAt)
        if downtime > outageTolerance.timeInterval {
            alerts = alerts.filter { $0.value.state == .inactive }
            return
        }
        let hold = rule.holdDuration.timeInterval
        let grace = forGracePeriod.timeInterval
        for (fingerprint, var alert) in alerts where alert.state == .pending {
            if hold < grace {
                alert.activeAt = time
            } else {
                let remaining = hold - downAt.timeIntervalSince(alert.activeAt)
                if remaining <= 0 {
                    // Was due to fire: fires at the next evaluation if still active.
                } else if remaining < grace {
                    alert.activeAt = time.addingTimeInterval(grace - hold)
                } else {
                    alert.activeAt = alert.activeAt.addingTimeInterval(downtime)
                }
            }
            alerts[fingerprint] = alert
        }
    }

    static func instantiate(rule: AlertingRule, sample: AlertSample, at time: Date) -> Alert {
        let labels = rule.alertLabels(for: sample)
        let values = TemplateValues(labels: labels, variables: rule.templateVariables(for: sample))
        var annotations: [String: String] = [:]
        for (name, text) in rule.annotations {
            annotations[name] = (try? AnnotationTemplate(text))?.render(values) ?? text
        }
        return Alert(labels: labels, annotations: annotations, value: sample.value, activeAt: time)
    }

    // Encoded as `{"alerts": [...], "last_evaluation": ...}`, alerts ordered by fingerprint.
    private enum CodingKeys: String, CodingKey {
        case alerts
        case lastEvaluation = "last_evaluation"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let list = try container.decode([Alert].self, forKey: .alerts)
        alerts = Dictionary(list.map { ($0.fingerprint, $0) }, uniquingKeysWith: { _, last in last })
        lastEvaluation = try container.decodeIfPresent(Date.self, forKey: .lastEvaluation)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(alerts.values.sorted { $0.fingerprint < $1.fingerprint }, forKey: .alerts)
        try container.encodeIfPresent(lastEvaluation, forKey: .lastEvaluation)
    }
}
