@testable import HTTP
import NIOConcurrencyHelpers
import Testing

@Suite("The write timeout's watchdog")
struct RequestDeadlinesTests {
    @Test func workThatEndsInTimeGivesItsResultOrError() async throws {
        let deadlines = RequestDeadlines(tick: .milliseconds(10))
        #expect(try await deadlines.run(timeout: .seconds(60)) { 42 } == 42)
        struct Refused: Error {}
        await #expect(throws: Refused.self) { try await deadlines.run(timeout: .seconds(60)) { () async throws -> Int in throw Refused() } }
        #expect(deadlines.inFlight == 0)
    }

    /// Work that would take an hour is cancelled at its deadline and fails (as a statement
    /// cancelled by PostgreSQL does): `run` answers nil, and the work saw the cancellation.
    @Test(.timeLimit(.minutes(1))) func workPastItsDeadlineIsCancelledAndAnswersNil() async throws {
        let deadlines = RequestDeadlines(tick: .milliseconds(10))
        let sawCancellation = NIOLockedValueBox(false)
        let answer = try await deadlines.run(timeout: .milliseconds(50)) { () async throws -> String in
            do {
                try await Task.sleep(for: .seconds(3600))
                return "finished"
            } catch {
                sawCancellation.withLockedValue { $0 = true }
                throw error
            }
        }
        #expect(answer == nil, "timed-out work that failed answers nil")
        #expect(sawCancellation.withLockedValue { $0 })
        // Requests without a deadline problem still answer afterwards, side by side.
        async let a = deadlines.run(timeout: .seconds(60)) { 1 }
        async let b = deadlines.run(timeout: .seconds(60)) { 2 }
        #expect(try await [a, b] == [1, 2])
        #expect(deadlines.inFlight == 0)
    }

    /// Work that succeeds after its deadline (a statement that committed just as it was due)
    /// gives its result: its rows are stored, so the request is acknowledged, not answered 503
    /// and retried.
    @Test(.timeLimit(.minutes(1))) func workThatSucceedsPastItsDeadlineGivesItsResult() async throws {
        let deadlines = RequestDeadlines(tick: .milliseconds(10))
        let answer = try await deadlines.run(timeout: .milliseconds(20)) { () async throws -> String in
            // Ignores cancellation, as a statement awaiting its COMMIT does.
            let end = ContinuousClock.now + .milliseconds(200)
            while ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(10)) }
            return "committed"
        }
        #expect(answer == "committed")
        #expect(deadlines.inFlight == 0)
    }

    @Test(.timeLimit(.minutes(1))) func cancellingTheCallerCancelsTheWork() async throws {
        let deadlines = RequestDeadlines(tick: .milliseconds(10))
        let caller = Task {
            try await deadlines.run(timeout: .seconds(3600)) { () async throws -> Bool in
                try await Task.sleep(for: .seconds(3600))
                return true
            }
        }
        while deadlines.inFlight == 0 { await Task.yield() }
        caller.cancel()
        await #expect(throws: CancellationError.self) { _ = try await caller.value }
    }
}
