@testable import HTTP
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

    /// Work that would take a minute is cancelled at its deadline: `run` answers nil, and the
    /// work saw the cancellation (it ended early instead of finishing its sleep).
    @Test(.timeLimit(.minutes(1))) func workPastItsDeadlineIsCancelledAndAnswersNil() async throws {
        let deadlines = RequestDeadlines(tick: .milliseconds(10))
        let answer = try await deadlines.run(timeout: .milliseconds(50)) { () async throws -> String in
            do {
                try await Task.sleep(for: .seconds(3600))
                return "finished"
            } catch is CancellationError {
                return "cancelled"
            }
        }
        #expect(answer == nil, "the result of timed-out work is dropped")
        // Requests without a deadline problem still answer afterwards, side by side.
        async let a = deadlines.run(timeout: .seconds(60)) { 1 }
        async let b = deadlines.run(timeout: .seconds(60)) { 2 }
        #expect(try await [a, b] == [1, 2])
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
