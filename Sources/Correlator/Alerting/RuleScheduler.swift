import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import Rules
import ServiceLifecycle
import UnixSignals

/// Whether this process currently runs the rules.
public actor RuleSchedulerStatus {
    public private(set) var isLeading = false
    /// Completed group evaluations since start (for tests and logs).
    public private(set) var evaluations = 0
    /// Attempts to take the scheduler lock since start, won or not (for tests and logs).
    public private(set) var lockAttempts = 0

    public init() {}

    func setLeading(_ leading: Bool) { isLeading = leading }
    func evaluated() { evaluations += 1 }
    func attemptedLock() { lockAttempts += 1 }
}

/// Runs every rule group at its interval — on one replica only.
///
/// Leadership is a PostgreSQL session advisory lock (`pg_try_advisory_lock`) taken on a
/// connection leased from the pool and held for as long as this process leads; the connection is
/// checked before every round. When the leader stops it unlocks; when it dies PostgreSQL ends its
/// session and the lock with it. Followers try again every `pollInterval` (the shortest group
/// interval by default), so another replica takes over within two intervals.
public struct RuleScheduler: Service {
    /// The advisory lock key of the rule scheduler.
    public static let lockKey: Int64 = 7_243_512_005

    let client: PostgresClient
    let rules: RuleManager
    let engine: RuleEngine
    public let status: RuleSchedulerStatus
    let pollInterval: Duration?
    let logger: Logger

    public init(client: PostgresClient, rules: RuleManager, engine: RuleEngine, status: RuleSchedulerStatus = RuleSchedulerStatus(), pollInterval: Duration? = nil, logger: Logger) {
        self.client = client
        self.rules = rules
        self.engine = engine
        self.status = status
        self.pollInterval = pollInterval
        self.logger = logger
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await self.loop()
            }
        } catch is CancellationError {
            return
        }
    }

    private func loop() async throws {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await self.leadIfPossible(on: connection)
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if Task.isCancelled { throw CancellationError() }
                logger.warning("rule scheduler lost its database connection", metadata: ["error": "\(RuleEngine.describe(error))"])
            }
            try await Task.sleep(for: await currentPollInterval())
        }
    }

    private func currentPollInterval() async -> Duration {
        if let pollInterval { return pollInterval }
        let shortest = await rules.groups.map(\.interval).min() ?? .seconds(10)
        return min(max(shortest, .milliseconds(200)), .seconds(60))
    }

    private func leadIfPossible(on connection: PostgresConnection) async throws {
        var locked = false
        var backend: Int32 = 0
        for try await (value, pid) in try await connection.query("SELECT pg_try_advisory_lock(\(Self.lockKey)), pg_backend_pid()", logger: logger).decode((Bool, Int32).self) {
            locked = value
            backend = pid
        }
        await status.attemptedLock()
        guard locked else { return }
        logger.info("rule scheduler leading: this replica evaluates the rules", metadata: ["backend_pid": "\(backend)"])
        await status.setLeading(true)
        await engine.resetCache()
        do {
            try await lead(on: connection)
        } catch {
            await status.setLeading(false)
            // Release even when cancelled: the connection goes back to the pool.
            _ = await Self.answers(connection, "SELECT pg_advisory_unlock(\(Self.lockKey))", timeout: .seconds(2), logger: logger)
            throw error
        }
    }

    private func lead(on connection: PostgresConnection) async throws {
        let clock = ContinuousClock()
        var next: [String: ContinuousClock.Instant] = [:]
        while true {
            try Task.checkCancellation()
            // The lock lives as long as this session: make sure it still does.
            try await Self.checkSession(connection, timeout: .seconds(5), logger: logger)
            let groups = await rules.groups
            let now = clock.now
            next = next.filter { key, _ in groups.contains { $0.key == key } }
            // Every group that is due is evaluated in one batch, at one instant: rules of all
            // groups reading the same profiles share their queries.
            let due = groups.filter { (next[$0.key] ?? now) <= clock.now }
            if !due.isEmpty {
                do {
                    let result = try await engine.evaluate(due, at: Date())
                    logger.debug("rule groups evaluated", metadata: [
                        "groups": "\(due.count)", "seconds": "\(result.seconds)", "notifications": "\(result.notifications.count)",
                    ])
                } catch {
                    if Task.isCancelled { throw CancellationError() }
                    logger.error("rule group evaluation failed", metadata: [
                        "groups": "\(due.map(\.group.name).joined(separator: ","))", "error": "\(RuleEngine.describe(error))",
                    ])
                }
                for group in due {
                    await status.evaluated()
                    let nextDue = (next[group.key] ?? now) + group.interval
                    next[group.key] = nextDue > clock.now ? nextDue : clock.now + group.interval
                }
            }
            let wake = next.values.min() ?? clock.now + .seconds(1)
            // Wake at least every second to pick up reloaded rules.
            try await Task.sleep(until: min(wake, clock.now + .seconds(1)), clock: clock)
        }
    }
}

/// Reloads the rules on SIGHUP, as Prometheus does.
extension RuleScheduler {
    /// `SELECT 1` on the session holding the lock, with a deadline; throws when it does not answer.
    static func checkSession(_ connection: PostgresConnection, timeout: Duration, logger: Logger) async throws {
        let answered = await answers(connection, "SELECT 1", timeout: timeout, logger: logger)
        try Task.checkCancellation()
        guard answered else { throw RuleSchedulerSessionLost(timeout: timeout) }
    }

    /// Runs `query` on the lock's session and reports whether it answered within `timeout`.
    ///
    /// A query on a connection whose backend PostgreSQL terminated (`pg_terminate_backend`, a
    /// failover) can wait forever in PostgresNIO 1.33, ignoring cancellation and `close()`; that
    /// would keep a dead leader "leading" and its task unstoppable. So the query runs in its own
    /// task that is abandoned (not awaited) when the deadline passes, and the connection is
    /// closed so the pool replaces it. At most a couple of such tasks per lost session.
    static func answers(_ connection: PostgresConnection, _ query: PostgresQuery, timeout: Duration, logger: Logger) async -> Bool {
        // The first answer wins: the query's, the deadline's or cancellation's.
        let outcome = NIOLockedValueBox<(waiter: CheckedContinuation<Bool, Never>?, answer: Bool?)>((nil, nil))
        @Sendable func finish(_ answered: Bool) {
            outcome.withLockedValue { state in
                guard state.answer == nil else { return }
                state.answer = answered
                state.waiter?.resume(returning: answered)
                state.waiter = nil
            }
        }
        let running = Task {
            finish((try? await connection.query(query, logger: logger).collect()) != nil)
        }
        let deadline = Task {
            try? await Task.sleep(for: timeout)
            finish(false)
        }
        // Cancellation does not cut the wait short: on a live session the query answers at once
        // (the unlock on a graceful stop must reach the server before the connection goes back).
        let answered = await withCheckedContinuation { continuation in
            outcome.withLockedValue { state in
                if let answer = state.answer {
                    continuation.resume(returning: answer)
                } else {
                    state.waiter = continuation
                }
            }
        }
        deadline.cancel()
        if !answered {
            running.cancel()
            _ = Task { try? await connection.close() }
        }
        return answered
    }
}

/// The lock session did not answer in time; the scheduler gives up leading and reconnects.
struct RuleSchedulerSessionLost: Error, CustomStringConvertible {
    var timeout: Duration
    var description: String { "the session holding the scheduler lock did not answer within \(timeout)" }
}

public struct RuleReloadSignalService: Service {
    let rules: RuleManager
    /// Run on every SIGHUP too (the TLS certificate's reload).
    let also: @Sendable () -> Void

    public init(rules: RuleManager, also: @escaping @Sendable () -> Void = {}) {
        self.rules = rules
        self.also = also
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        try? await cancelWhenGracefulShutdown {
            for await _ in signals {
                await rules.reload()
                also()
            }
        }
    }
}

extension RuleScheduler {
    /// The scheduler `correlator serve` runs, from the configuration's `alerting` and `web` settings.
    public static func make(store: Store, rules: RuleManager, configuration: CorrelatorConfiguration, logger: Logger) -> RuleScheduler {
        let client = store.client
        let externalURL = configuration.resolvedExternalURL
        let notifier = AlertNotifier(
            alertmanagers: configuration.alerting.alertmanagers, webhooks: configuration.alerting.webhooks,
            externalURL: externalURL, logger: logger
        )
        let engine = RuleEngine(
            client: client, tenant: configuration.alerting.tenant, externalURL: externalURL,
            resendDelay: configuration.alerting.resendDelay, notifier: notifier, explainer: RequestExplainer(store: store), logger: logger
        )
        return RuleScheduler(client: client, rules: rules, engine: engine, logger: logger)
    }
}
