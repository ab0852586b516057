@testable import HTTP
import Testing

@Suite("The bounded queue in front of each writer")
struct WriterQueueTests {
    @Test func admitsUpToCapacityQueuesUpToTheLimitAndRefusesTheRest() async throws {
        let queue = WriterQueue(capacity: 1, maxWaiting: 1)
        #expect(try await queue.enter() == .admitted)
        let waiter = Task { try await queue.enter() }
        while queue.load.waiting == 0 { await Task.yield() }
        #expect(try await queue.enter() == .full, "one running, one waiting: the next is refused at once")
        queue.leave()  // hands the slot to the waiter
        #expect(try await waiter.value == .admitted)
        #expect(queue.load == (1, 0))
        queue.leave()
        #expect(queue.load == (0, 0))
    }

    @Test func aCancelledWaiterLeavesTheLine() async throws {
        let queue = WriterQueue(capacity: 1, maxWaiting: 4)
        #expect(try await queue.enter() == .admitted)
        let waiter = Task { try await queue.enter() }
        while queue.load.waiting == 0 { await Task.yield() }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(queue.load == (1, 0))
        queue.leave()
        #expect(queue.load == (0, 0), "the slot is free, not handed to the cancelled waiter")
        #expect(try await queue.enter() == .admitted)
    }
}
