import struct Foundation.Date

/// The state of one alert instance, as in Prometheus.
public enum AlertState: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Resolved: was firing, no longer is; kept 15 minutes to re-send the resolution.
    case inactive
    /// Active for less than the rule's `for`.
    case pending
    /// Active for at least `for` (or kept firing by `keep_firing_for`).
    case firing

    public static func < (lhs: AlertState, rhs: AlertState) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One instance of an alerting rule: a label set and its timers, what Prometheus's `rules.Alert` holds.
///
/// Codable, so the scheduler can persist it; `value` is encoded as a string (`"0.25"`, `"+Inf"`,
/// `"NaN"`) as Prometheus's API does, since JSON has no infinity.
public struct Alert: Sendable, Hashable, Codable {
    /// The fingerprint of ``labels``.
    public var fingerprint: AlertFingerprint
    /// Pending, firing, or inactive (resolved, kept for re-sending).
    public var state: AlertState
    /// The identifying labels: the sample's labels, the rule's labels and `alertname`.
    public var labels: [String: String]
    /// The expanded annotations from the latest evaluation that saw the alert active.
    public var annotations: [String: String]
    /// The condition's value at the latest evaluation that saw the alert active.
    public var value: Double
    /// When the condition became active (start of the `for` timer).
    public var activeAt: Date
    /// When the alert went from pending to firing.
    public var firedAt: Date?
    /// When the alert was resolved; `nil` while it is pending or firing.
    public var resolvedAt: Date?
    /// When a notification for it was last produced.
    public var lastSentAt: Date?
    /// The `endsAt` of the last firing notification: the alert expires in Alertmanager then
    /// unless re-sent.
    public var validUntil: Date?
    /// When the condition cleared while `keep_firing_for` keeps the alert firing.
    public var keepFiringSince: Date?

    public init(
        labels: [String: String], annotations: [String: String], value: Double, activeAt: Date,
        state: AlertState = .pending
    ) {
        self.fingerprint = AlertFingerprint(labels: labels)
        self.state = state
        self.labels = labels
        self.annotations = annotations
        self.value = value
        self.activeAt = activeAt
    }

    /// Whether a notification should go out at `time` (Prometheus's `needsSending`): never for
    /// pending alerts; always when resolved since the last send; otherwise when never sent or
    /// last sent more than `resendDelay` ago (strictly).
    public func needsSending(at time: Date, resendDelay: Duration) -> Bool {
        if state == .pending { return false }
        guard let lastSentAt else { return true }
        if let resolvedAt, resolvedAt > lastSentAt { return true }
        return lastSentAt.addingTimeInterval(resendDelay.timeInterval) < time
    }

    private enum CodingKeys: String, CodingKey {
        case fingerprint, state, labels, annotations, value
        case activeAt = "active_at", firedAt = "fired_at", resolvedAt = "resolved_at"
        case lastSentAt = "last_sent_at", validUntil = "valid_until", keepFiringSince = "keep_firing_since"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        labels = try container.decode([String: String].self, forKey: .labels)
        fingerprint = try container.decodeIfPresent(AlertFingerprint.self, forKey: .fingerprint) ?? AlertFingerprint(labels: labels)
        state = try container.decode(AlertState.self, forKey: .state)
        annotations = try container.decodeIfPresent([String: String].self, forKey: .annotations) ?? [:]
        let valueText = try container.decode(String.self, forKey: .value)
        guard let value = Self.parseValue(valueText) else {
            throw DecodingError.dataCorruptedError(forKey: .value, in: container, debugDescription: "invalid value \"\(valueText)\"")
        }
        self.value = value
        activeAt = try container.decode(Date.self, forKey: .activeAt)
        firedAt = try container.decodeIfPresent(Date.self, forKey: .firedAt)
        resolvedAt = try container.decodeIfPresent(Date.self, forKey: .resolvedAt)
        lastSentAt = try container.decodeIfPresent(Date.self, forKey: .lastSentAt)
        validUntil = try container.decodeIfPresent(Date.self, forKey: .validUntil)
        keepFiringSince = try container.decodeIfPresent(Date.self, forKey: .keepFiringSince)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(fingerprint, forKey: .fingerprint)
        try container.encode(state, forKey: .state)
        try container.encode(labels, forKey: .labels)
        try container.encode(annotations, forKey: .annotations)
        try container.encode(Self.formatValue(value), forKey: .value)
        try container.encode(activeAt, forKey: .activeAt)
        try container.encodeIfPresent(firedAt, forKey: .firedAt)
        try container.encodeIfPresent(resolvedAt, forKey: .resolvedAt)
        try container.encodeIfPresent(lastSentAt, forKey: .lastSentAt)
        try container.encodeIfPresent(validUntil, forKey: .validUntil)
        try container.encodeIfPresent(keepFiringSince, forKey: .keepFiringSince)
    }

    static func formatValue(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        return value.description
    }

    static func parseValue(_ text: String) -> Double? {
        switch text {
        case "NaN": .nan
        case "+Inf", "Inf": .infinity
        case "-Inf": -.infinity
        default: Double(text)
        }
    }
}

/// An alert to deliver, in the shape of Alertmanager's `POST /api/v2/alerts` body (without
/// `generatorURL`, which the HTTP layer knows).
public struct AlertNotification: Sendable, Hashable, Codable {
    public var fingerprint: AlertFingerprint
    public var labels: [String: String]
    public var annotations: [String: String]
    /// When the alert started firing (Prometheus sends `FiredAt`).
    public var startsAt: Date
    /// For a firing alert `now + 4 × max(interval, resendDelay)`; for a resolved one its `resolvedAt`.
    public var endsAt: Date
    /// The alert's state when the notification was produced (`firing` or `inactive` = resolved).
    public var state: AlertState
    /// The condition's value, for receivers that want it (Alertmanager ignores it).
    public var value: Double

    private enum CodingKeys: String, CodingKey {
        case fingerprint, labels, annotations, startsAt, endsAt, state, value
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        fingerprint = try container.decode(AlertFingerprint.self, forKey: .fingerprint)
        labels = try container.decode([String: String].self, forKey: .labels)
        annotations = try container.decode([String: String].self, forKey: .annotations)
        startsAt = try container.decode(Date.self, forKey: .startsAt)
        endsAt = try container.decode(Date.self, forKey: .endsAt)
        state = try container.decode(AlertState.self, forKey: .state)
        value = Alert.parseValue(try container.decode(String.self, forKey: .value)) ?? .nan
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(fingerprint, forKey: .fingerprint)
        try container.encode(labels, forKey: .labels)
        try container.encode(annotations, forKey: .annotations)
        try container.encode(startsAt, forKey: .startsAt)
        try container.encode(endsAt, forKey: .endsAt)
        try container.encode(state, forKey: .state)
        try container.encode(Alert.formatValue(value), forKey: .value)
    }

    init(_ alert: Alert, endsAt: Date) {
        self.fingerprint = alert.fingerprint
        self.labels = alert.labels
        self.annotations = alert.annotations
        self.startsAt = alert.firedAt ?? alert.activeAt
        self.endsAt = endsAt
        self.state = alert.state
        self.value = alert.value
    }
}
