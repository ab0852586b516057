import Correlator
import Foundation
import Logging
import PostgresNIO
import Rules
import Testing
import TestSupport

@Suite("Rule engine and scheduler against a real PostgreSQL")
struct RuleEngineTests {
    static let logger = Logger(label: "test")

    static let leakRules = """
        groups:
          - name: leaks
            interval: 1s
            rules:
              - alert: GoroutineLeak
                leak:
                  sample_type: goroutine
                  window: 10m
                  min_points: 5
                  min_relative_growth: 0.2
                labels: {severity: page}
                annotations:
                  summary: '{{service}} goroutines grow {{slope_per_hour}}/h'
        """

    static func engine(_ client: PostgresClient, webhooks: [String] = []) -> RuleEngine {
        RuleEngine(
            client: client, tenant: "default", externalURL: "http://correlator.test", resendDelay: .seconds(60),
            notifier: AlertNotifier(alertmanagers: [], webhooks: webhooks, externalURL: "http://correlator.test", logger: logger),
            logger: logger
        )
    }

    /// A leaking service (goroutines 100, 130, 160, …) and a stable twin (100 each time), one
    /// profile a minute, with labelled samples of two requests in the leaking one.
    static func insertLeak(_ rows: ProfileRows, end: Date) async throws {
        try await rows.function(id: 1, name: "main.leak.func1")
        for i in 0..<8 {
            let time = end.addingTimeInterval(Double(i - 7) * 60)
            try await rows.profile(id: "leak-\(i)", service: "leaky", type: "goroutine", sampleTypes: ["goroutine"], at: time, totals: [Int64(100 + 30 * i)])
            try await rows.functionValue(profile: "leak-\(i)", service: "leaky", type: "goroutine", at: time, function: 1, flat: Int64(90 + 30 * i), cum: Int64(90 + 30 * i))
            try await rows.profile(id: "stable-\(i)", service: "stable", type: "goroutine", sampleTypes: ["goroutine"], at: time, totals: [100 + Int64(i % 2)])
        }
        let last = end
        try await rows.spanProfile(profile: "leak-7", at: last, traceID: String(repeating: "a1", count: 16), spanID: String(repeating: "b1", count: 8), spanName: "GET /checkout", service: "leaky", function: "main.leak.func1", flat: 5, durationMillis: 40)
        try await rows.spanProfile(profile: "leak-7", at: last, traceID: String(repeating: "a2", count: 16), spanID: String(repeating: "b2", count: 8), spanName: "GET /checkout", service: "leaky", function: "main.leak.func1", flat: 3, durationMillis: 900)
    }

    @Test func leakFiresForTheGrowingServiceOnlyWithEvidence() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let now = recentSecond()
            try await Self.insertLeak(ProfileRows(client: client), end: now)
            let group = try RuleFile.load(Self.leakRules)[0]
            let result = try await Self.engine(client).evaluate(group, at: now)

            let record = try #require(result.records.first)
            #expect(record.health == "ok")
            let alerts = record.state.activeAlerts
            #expect(alerts.map { $0.labels["service"] } == ["leaky"])
            let alert = try #require(alerts.first)
            #expect(alert.state == .firing)
            #expect(alert.labels == ["alertname": "GoroutineLeak", "service": "leaky", "severity": "page"])
            // 30 goroutines a minute = 1800 an hour (Theil–Sen on exact points).
            #expect(abs(alert.value - 1800) < 1e-6)

            // Notification with the evidence annotations: values and the slowest trace first.
            let notification = try #require(result.notifications.first)
            #expect(result.notifications.count == 1)
            #expect(notification.annotations["summary"] == "leaky goroutines grow 1800/h")
            #expect(notification.annotations["evidence_values"] == "100 130 160 190 220 250 280 310")
            #expect(notification.annotations["example_trace_ids"] == String(repeating: "a2", count: 16) + " " + String(repeating: "a1", count: 16))
            #expect(notification.annotations["example_trace_url"] == "http://correlator.test/jump/trace/" + String(repeating: "a2", count: 16))
            let evidence = try #require(record.evidence[alert.fingerprint])
            #expect(evidence.exampleTraces.first?.durationSeconds == 0.9)
            #expect(evidence.exampleTraces.first?.uiURL == "http://correlator.test/ui/traces/" + String(repeating: "a2", count: 16))

            // Persisted: the alerts table holds it with its evidence.
            let stored = try await RuleStateRepository(client: client, tenant: "default", logger: Self.logger).activeAlerts()
            #expect(stored.map { $0.labels["service"] } == ["leaky"])
            #expect(stored.first?.state == "firing")
            #expect(stored.first?.evidence?.exampleTraces.count == 2)
        }
    }

    @Test func restartKeepsFiringAlertsWithoutPagingAgain() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let now = recentSecond()
            try await Self.insertLeak(ProfileRows(client: client), end: now)
            let group = try RuleFile.load(Self.leakRules)[0]
            let first = try await Self.engine(client).evaluate(group, at: now)
            #expect(first.notifications.count == 1)
            // A new process (empty cache) loads the state from rule_state.
            let second = try await Self.engine(client).evaluate(group, at: now.addingTimeInterval(10))
            #expect(second.notifications.isEmpty, "re-sent after \(10)s although the resend delay is 60s")
            let alert = try #require(second.records.first?.state.activeAlerts.first)
            #expect(alert.state == .firing)
            #expect(alert.activeAt == first.records.first?.state.activeAlerts.first?.activeAt)
            // After the resend delay it is sent again.
            let third = try await Self.engine(client).evaluate(group, at: now.addingTimeInterval(75))
            #expect(third.notifications.count == 1)
        }
    }

    @Test func hotspotShareIsOutOfEveryProfileInTheWindow() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let now = recentSecond()
            let rows = ProfileRows(client: client)
            try await rows.function(id: 7, name: "regexp.MustCompile", file: "regexp.go")
            try await rows.function(id: 8, name: "main.handler", file: "main.go")
            for i in 0..<4 {
                let time = now.addingTimeInterval(Double(-i) * 30)
                // samples/count, cpu/nanoseconds: the rule reads index 1 (cpu).
                try await rows.profile(id: "cpu-\(i)", service: "api", type: "cpu", sampleTypes: ["samples", "cpu"], at: time, totals: [10, 100])
                try await rows.functionValue(profile: "cpu-\(i)", service: "api", type: "cpu", at: time, function: 8, sampleType: 1, flat: i == 0 ? 40 : 100, cum: 100)
            }
            // The hot function appears in one profile only: 60 of the window's 400.
            try await rows.functionValue(profile: "cpu-0", service: "api", type: "cpu", at: now, function: 7, sampleType: 1, flat: 60, cum: 60)
            let group = try RuleFile.load("""
                groups:
                  - name: hot
                    rules:
                      - alert: Above20
                        hotspot: {service: api, function: 'regexp\\..*', share_above: 0.2, window: 5m}
                      - alert: Above10
                        hotspot: {service: api, function: 'regexp\\..*', share_above: 0.1, window: 5m}
                """)[0]
            let result = try await Self.engine(client).evaluate(group, at: now)
            #expect(result.records.map(\.health) == ["ok", "ok"])
            #expect(result.records[0].state.activeAlerts.isEmpty)
            let alert = try #require(result.records[1].state.activeAlerts.first)
            #expect(alert.labels["function"] == "regexp.MustCompile")
            #expect(abs(alert.value - 0.15) < 1e-9)
        }
    }

    /// Groups evaluated in one batch share their queries; each rule still sees only its own
    /// service and the functions its own pattern matches.
    @Test func groupsEvaluatedTogetherKeepTheirOwnServicesAndPatterns() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let now = recentSecond()
            let rows = ProfileRows(client: client)
            try await rows.function(id: 1, name: "regexp.MustCompile", file: "regexp.go")
            try await rows.function(id: 2, name: "encoding/json.Marshal", file: "encode.go")
            for service in ["api", "worker"] {
                try await rows.profile(id: "\(service)-0", service: service, type: "cpu", sampleTypes: ["samples", "cpu"], at: now, totals: [10, 100])
            }
            // api: regexp 50%, json 10%; worker: regexp 10%, json 60%.
            try await rows.functionValue(profile: "api-0", service: "api", type: "cpu", at: now, function: 1, sampleType: 1, flat: 50, cum: 50)
            try await rows.functionValue(profile: "api-0", service: "api", type: "cpu", at: now, function: 2, sampleType: 1, flat: 10, cum: 10)
            try await rows.functionValue(profile: "worker-0", service: "worker", type: "cpu", at: now, function: 1, sampleType: 1, flat: 10, cum: 10)
            try await rows.functionValue(profile: "worker-0", service: "worker", type: "cpu", at: now, function: 2, sampleType: 1, flat: 60, cum: 60)
            let groups = try RuleFile.load("""
                groups:
                  - name: api
                    rules:
                      - alert: Regexp
                        hotspot: {service: api, function: 'regexp\\..*', share_above: 0.3, window: 5m}
                      - alert: JSON
                        hotspot: {service: api, function: 'encoding/json\\..*', share_above: 0.3, window: 5m}
                  - name: worker
                    rules:
                      - alert: Regexp
                        hotspot: {service: worker, function: 'regexp\\..*', share_above: 0.3, window: 5m}
                      - alert: JSON
                        hotspot: {service: worker, function: 'encoding/json\\..*', share_above: 0.3, window: 5m}
                      - alert: Anything
                        hotspot: {share_above: 0.55, window: 5m}
                """)
            let result = try await Self.engine(client).evaluate(groups, at: now)
            var firing: [String: [String]] = [:]
            for record in result.records {
                #expect(record.health == "ok", "\(record.ruleKey): \(record.lastError ?? "")")
                firing[record.ruleKey] = record.state.activeAlerts.map { "\($0.labels["service"] ?? "")/\($0.labels["function"] ?? "")" }.sorted()
            }
            #expect(firing == [
                "api/Regexp": ["api/regexp.MustCompile"],
                "api/JSON": [],
                "worker/Regexp": [],
                "worker/JSON": ["worker/encoding/json.Marshal"],
                "worker/Anything": ["worker/encoding/json.Marshal"],
            ])
            let alert = try #require(result.records.first { $0.ruleKey == "api/Regexp" }?.state.activeAlerts.first)
            #expect(abs(alert.value - 0.5) < 1e-9)
        }
    }

    @Test(.timeLimit(.minutes(10))) func anotherReplicaTakesOverWhenTheLeaderStops() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let now = recentSecond()
            try await Self.insertLeak(ProfileRows(client: client), end: now)
            let rules = RuleManager(groups: try RuleFile.load(Self.leakRules), logger: Self.logger)
            let a = RuleScheduler(client: client, rules: rules, engine: Self.engine(client), pollInterval: .milliseconds(200), logger: Self.logger)
            let b = RuleScheduler(client: client, rules: rules, engine: Self.engine(client), pollInterval: .milliseconds(200), logger: Self.logger)
            let taskA = Task { try await a.run() }
            try await Self.waitUntil {
                let leading = await a.status.isLeading
                let count = await a.status.evaluations
                return leading && count > 0
            }
            let taskB = Task { try await b.run() }
            try await Task.sleep(for: .seconds(1.5))
            #expect(await b.status.isLeading == false)
            #expect(await b.status.evaluations == 0)
            taskA.cancel()
            _ = await taskA.result
            #expect(await a.status.isLeading == false)
            // Within two of B's polls: counted, not timed (a busy machine only makes polls late).
            let attemptsBefore = await b.status.lockAttempts
            try await Self.waitUntil(timeout: .seconds(60)) {
                let leading = await b.status.isLeading
                let count = await b.status.evaluations
                return leading && count > 0
            }
            let attemptsAfter = await b.status.lockAttempts
            #expect(attemptsAfter - attemptsBefore <= 2, "B took the lock on its attempt \(attemptsAfter - attemptsBefore) after A stopped")
            taskB.cancel()
            _ = await taskB.result
            // The lock is free again.
            var free = false
            for try await value in try await client.query("SELECT pg_try_advisory_lock(\(RuleScheduler.lockKey))").decode(Bool.self) { free = value }
            #expect(free)
        }
    }

    @Test(.timeLimit(.minutes(10))) func leaderDyingWithItsConnectionIsReplaced() async throws {
        try await TestDatabase.withFreshDatabase { client, configuration in
            let rules = RuleManager(groups: try RuleFile.load(Self.leakRules), logger: Self.logger)
            // Replica A has its own pool; killing its backend is what a crashed host looks like to
            // PostgreSQL. A leads first, and its poll is longer than the test, so once its session
            // is gone it cannot take the lock back: which replica leads is not left to a race (when
            // the fast-polling B led, B's own retry retook the lock it lost, which is right).
            try await withPostgresClient(configuration, logger: Self.logger) { clientA in
                let a = RuleScheduler(client: clientA, rules: rules, engine: Self.engine(clientA), pollInterval: .seconds(3600), logger: Self.logger)
                let b = RuleScheduler(client: client, rules: rules, engine: Self.engine(client), pollInterval: .milliseconds(500), logger: Self.logger)
                let taskA = Task { try await a.run() }
                var taskB: Task<Void, any Error>?
                // Both tasks must end before the pools close, whatever happens below.
                func stop() async {
                    taskA.cancel()
                    taskB?.cancel()
                    _ = await taskA.result
                    _ = await taskB?.result
                }
                do {
                    try await Self.waitUntil { await a.status.isLeading }
                    taskB = Task { try await b.run() }
                    try await Self.waitUntil { await b.status.lockAttempts >= 2 }
                    #expect(await b.status.isLeading == false, "exactly one replica leads")
                    var holders: [Int32] = []
                    let rows = try await client.query(
                        """
                        SELECT pid FROM pg_locks
                        WHERE locktype = 'advisory' AND granted
                          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                          AND objid::bigint = \(RuleScheduler.lockKey & 0xFFFF_FFFF)
                        """
                    )
                    for try await pid in rows.decode(Int32.self) { holders.append(pid) }
                    #expect(holders.count == 1)
                    let attemptsBefore = await b.status.lockAttempts
                    for pid in holders {
                        // With a timeout, it returns once the backend is gone (and its lock with
                        // it), not when the signal is sent: B's count starts from a free lock.
                        try await client.query("SELECT pg_terminate_backend(\(pid), 30000)")
                    }
                    // The survivor takes over within two of its polls (counted, not timed).
                    try await Self.waitUntil(timeout: .seconds(60)) { await b.status.isLeading }
                    let attemptsAfter = await b.status.lockAttempts
                    #expect(attemptsAfter - attemptsBefore <= 2, "the survivor took the lock on its attempt \(attemptsAfter - attemptsBefore) after the leader died")
                    // The dead leader notices its session is gone and stops claiming to lead.
                    try await Self.waitUntil(timeout: .seconds(60)) { await a.status.isLeading == false }
                } catch {
                    await stop()
                    throw error
                }
                await stop()
            }
        }
    }

    static func waitUntil(timeout: Duration = .seconds(10), _ condition: () async -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("condition not met within \(timeout)")
    }
}
