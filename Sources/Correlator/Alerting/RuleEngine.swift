import Foundation
import Logging
import PostgresNIO
import Rules

/// Evaluates rule groups: reads their series, advances each rule's state machine, attaches
/// evidence, sends the notifications the state machine asks for, and persists the state.
///
/// States are cached while this process leads and loaded from `rule_state` (then resumed, so
/// downtime doesn't count towards `for`) when it starts leading.
public actor RuleEngine {
    public let tenant: String
    public let resendDelay: Duration
    let reader: ProfileSeriesReader
    let finder: ExampleTraceFinder
    let repository: RuleStateRepository
    let notifier: AlertNotifier
    /// Whether evaluations write `rule_state` and `alerts` (the scheduler does; a dry run doesn't).
    let persist: Bool
    let logger: Logger

    private var states: [String: PersistedRuleState]?
    private var resumed: Set<String> = []

    public init(
        client: PostgresClient, tenant: String, externalURL: String, resendDelay: Duration, notifier: AlertNotifier, persist: Bool = true,
        explainer: RequestExplainer? = nil, logger: Logger
    ) {
        self.tenant = tenant
        self.resendDelay = resendDelay
        self.reader = ProfileSeriesReader(client: client, tenant: tenant)
        self.finder = ExampleTraceFinder(client: client, tenant: tenant, externalURL: externalURL, explainer: explainer)
        self.repository = RuleStateRepository(client: client, tenant: tenant, logger: logger)
        self.notifier = notifier
        self.persist = persist
        self.logger = logger
    }

    /// Forgets the cached states: the next evaluation reloads them from the database (another
    /// replica may have evaluated in between).
    public func resetCache() {
        states = nil
        resumed = []
    }

    /// What one evaluation of one or more groups did.
    public struct GroupResult: Sendable {
        public var records: [RuleEvaluationRecord]
        public var notifications: [AlertNotification]
        /// Wall time of the whole evaluation, and of its database work (series, evidence, persistence).
        public var seconds: Double
        public var databaseSeconds: Double
    }

    /// Evaluates every rule of `group` at `time`, sends notifications and persists the state.
    @discardableResult
    public func evaluate(_ group: LoadedRuleGroup, at time: Date) async throws -> GroupResult {
        try await evaluate([group], at: time)
    }

    /// Evaluates every rule of `groups` at `time` as one batch: their series are read together
    /// (rules of all groups that read the same profiles share queries), then each rule's state
    /// machine advances, and the state of all of them is persisted in one transaction.
    ///
    /// The scheduler hands over every group that is due at once, so a cycle of a thousand rules
    /// costs a handful of queries instead of two per rule.
    @discardableResult
    public func evaluate(_ groups: [LoadedRuleGroup], at time: Date) async throws -> GroupResult {
        let clock = ContinuousClock()
        let started = clock.now
        var databaseTime: Duration = .zero
        if states == nil, !persist {
            states = [:]
        }
        if states == nil {
            let loadStart = clock.now
            states = try await repository.load()
            databaseTime += clock.now - loadStart
        }
        let rules = groups.flatMap { group in group.group.rules.map { (group: group, rule: $0) } }
        let requests = rules.map { $0.rule.seriesRequest(at: time) }
        var seriesByRequest: [SeriesRequest: [FunctionSeries]] = [:]
        var fetchError: (any Error)?
        let fetchStart = clock.now
        do {
            seriesByRequest = try await reader.series(for: requests)
        } catch {
            fetchError = error
            logger.warning("rule series query failed", metadata: [
                "groups": "\(groups.map(\.group.name).joined(separator: ","))", "error": "\(String(reflecting: error))",
            ])
        }
        let fetchTime = clock.now - fetchStart
        databaseTime += fetchTime
        let fetchShare = fetchTime.timeInterval / Double(max(1, requests.count))

        var records: [RuleEvaluationRecord] = []
        var notifications: [AlertNotification] = []
        var examplesCache: [String: [AlertEvidence.ExampleTrace]] = [:]
        for ((group, rule), request) in zip(rules, requests) {
            let ruleStart = clock.now
            let key = group.ruleKey(rule)
            var entry = states?[key] ?? PersistedRuleState(state: AlertingRuleState(), evidence: [:], health: "unknown")
            if !resumed.contains(key) {
                entry.state.resume(rule: rule, at: time)
                resumed.insert(key)
            }
            var health = "ok"
            var lastError: String?
            if let fetchError {
                health = "err"
                lastError = "reading series: \(Self.describe(fetchError))"
            } else {
                do {
                    let samples = try entry.state.evaluate(rule: rule, series: seriesByRequest[request] ?? [], at: time)
                    for sample in samples {
                        let fingerprint = AlertFingerprint(labels: rule.alertLabels(for: sample))
                        guard entry.state.alerts[fingerprint] != nil else { continue }
                        let service = sample.labels["service"] ?? ""
                        let function = sample.labels["function"]
                        let cacheKey = "\(service)\u{0}\(function ?? "")\u{0}\(request.start.timeIntervalSince1970)"
                        var examples = examplesCache[cacheKey]
                        if examples == nil {
                            let exampleStart = clock.now
                            do {
                                examples = try await finder.examples(service: service, function: function, start: request.start, end: time)
                            } catch {
                                logger.debug("example trace query failed", metadata: ["error": "\(String(reflecting: error))"])
                                examples = []
                            }
                            databaseTime += clock.now - exampleStart
                            examplesCache[cacheKey] = examples
                        }
                        entry.evidence[fingerprint] = AlertEvidence(
                            details: sample.details,
                            points: sample.evidence.map { AlertEvidence.Point(time: $0.time, value: $0.value, total: $0.total) },
                            exampleTraces: examples ?? []
                        )
                    }
                } catch {
                    health = "err"
                    lastError = "\(error)"
                }
            }
            entry.evidence = entry.evidence.filter { entry.state.alerts[$0.key] != nil }
            for var notification in entry.state.notifications(at: time, interval: group.interval, resendDelay: resendDelay) {
                if let evidence = entry.evidence[notification.fingerprint] {
                    notification.annotations.merge(evidence.annotations) { own, _ in own }
                }
                notifications.append(notification)
            }
            entry.health = health
            entry.lastError = lastError
            entry.lastEvaluation = time
            entry.evaluationSeconds = (clock.now - ruleStart).timeInterval + fetchShare
            states?[key] = entry
            records.append(
                RuleEvaluationRecord(
                    ruleKey: key, groupKey: group.key, state: entry.state, evidence: entry.evidence, health: health,
                    lastError: lastError, lastEvaluation: time, evaluationSeconds: entry.evaluationSeconds ?? 0
                )
            )
        }
        let saveStart = clock.now
        if persist { try await repository.save(records) }
        databaseTime += clock.now - saveStart
        await notifier.send(notifications)
        return GroupResult(
            records: records, notifications: notifications,
            seconds: (clock.now - started).timeInterval, databaseSeconds: databaseTime.timeInterval
        )
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            return error.serverInfo?[.message] ?? "\(error.code)"
        }
        return "\(error)"
    }
}
