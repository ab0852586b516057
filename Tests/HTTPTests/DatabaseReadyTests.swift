import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import Testing

@testable import HTTP

/// The background services that use tables (rule scheduler, partition and rollup maintainers,
/// scrapers) start only once the migrations have run: on a fresh database the rule scheduler
/// used to evaluate before them and log `relation "rule_state" does not exist`.
@Suite("Services that wait for the database")
struct DatabaseReadyTests {
    /// A service that records that it ran, then runs until cancelled.
    struct Recorder: Service {
        let started: NIOLockedValueBox<Int>
        func run() async throws {
            started.withLockedValue { $0 += 1 }
            try await gracefulShutdown()
        }
    }

    @Test(.timeLimit(.minutes(1))) func servicesStartOnlyOnceTheDatabaseIsReady() async throws {
        let ready = DatabaseReady()
        let started = NIOLockedValueBox(0)
        let group = ServiceGroup(configuration: .init(
            services: (0..<3).map { _ in AfterDatabaseReady(ready: ready, service: Recorder(started: started)) },
            logger: Logger(label: "test")
        ))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(300))
            #expect(started.withLockedValue { $0 } == 0, "nothing runs before the migrations")
            ready.open()
            while started.withLockedValue({ $0 }) < 3 { try await Task.sleep(for: .milliseconds(10)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(started.withLockedValue { $0 } == 3)
    }

    @Test(.timeLimit(.minutes(1))) func aStopBeforeTheDatabaseIsReadyStartsNothing() async throws {
        let ready = DatabaseReady()
        let started = NIOLockedValueBox(0)
        let group = ServiceGroup(configuration: .init(
            services: [AfterDatabaseReady(ready: ready, service: Recorder(started: started))],
            logger: Logger(label: "test")
        ))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(100))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        ready.open()
        #expect(started.withLockedValue { $0 } == 0)
        // A waiter cancelled outright returns too, and opening later resumes nobody twice.
        let waiter = Task { await DatabaseReady().wait() }
        waiter.cancel()
        await waiter.value
    }
}
