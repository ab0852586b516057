import NIOConcurrencyHelpers

/// A bounded queue in front of one writer: at most `capacity` requests are handled at once and
/// at most `maxWaiting` wait; one more is refused at once (the caller answers 503), so memory
/// held by waiting bodies is bounded whatever the senders do.
final class WriterQueue: Sendable {
    enum Admission {
        case admitted
        case full
    }

    private struct State {
        var inFlight = 0
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var cancelledBeforeWaiting: Set<UInt64> = []
        var nextID: UInt64 = 0
    }

    let capacity: Int
    let maxWaiting: Int
    private let state = NIOLockedValueBox(State())

    init(capacity: Int, maxWaiting: Int) {
        self.capacity = max(1, capacity)
        self.maxWaiting = max(0, maxWaiting)
    }

    /// Requests being handled and waiting, for tests and metrics.
    var load: (inFlight: Int, waiting: Int) {
        state.withLockedValue { ($0.inFlight, $0.waiters.count) }
    }

    /// Takes a slot, waiting in line when the writer is busy; `.full` when the line is full too.
    /// Throws `CancellationError` when the task is cancelled while waiting. Every `.admitted`
    /// must be followed by one `leave()`.
    func enter() async throws -> Admission {
        enum Decision { case run, full, wait(UInt64) }
        let decision: Decision = state.withLockedValue { state in
            if state.inFlight < capacity {
                state.inFlight += 1
                return .run
            }
            if state.waiters.count >= maxWaiting { return .full }
            state.nextID += 1
            return .wait(state.nextID)
        }
        switch decision {
        case .run: return .admitted
        case .full: return .full
        case .wait(let id):
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let cancelled = state.withLockedValue { state in
                        if state.cancelledBeforeWaiting.remove(id) != nil { return true }
                        state.waiters.append((id, continuation))
                        return false
                    }
                    if cancelled { continuation.resume(throwing: CancellationError()) }
                }
            } onCancel: {
                let continuation: CheckedContinuation<Void, any Error>? = state.withLockedValue { state in
                    if let index = state.waiters.firstIndex(where: { $0.id == id }) {
                        return state.waiters.remove(at: index).continuation
                    }
                    state.cancelledBeforeWaiting.insert(id)
                    return nil
                }
                continuation?.resume(throwing: CancellationError())
            }
            // A cancellation that arrived after the slot was handed over marked the id; the
            // handler cannot run any more, so the mark can go.
            state.withLockedValue { _ = $0.cancelledBeforeWaiting.remove(id) }
            return .admitted
        }
    }

    /// Gives the slot to the first in line, or frees it.
    func leave() {
        let next: CheckedContinuation<Void, any Error>? = state.withLockedValue { state in
            if !state.waiters.isEmpty {
                return state.waiters.removeFirst().continuation
            }
            state.inFlight -= 1
            return nil
        }
        next?.resume()
    }
}
