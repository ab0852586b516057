import NIOConcurrencyHelpers
import ServiceLifecycle

/// Opened once the database is reachable and migrated (where the HTTP server's
/// `beforeServerStarts` finishes). The gRPC port and every background service that reads or
/// writes tables wait for it, so none of them meets a table that is not there yet.
final class DatabaseReady: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = NIOLockedValueBox(State())

    init() {}

    func open() {
        let waiters = state.withLockedValue { state in
            state.isOpen = true
            defer { state.waiters = [:] }
            return state.waiters.values
        }
        for waiter in waiters { waiter.resume() }
    }

    var isOpen: Bool { state.withLockedValue(\.isOpen) }

    /// Returns once open, or as soon as the task is cancelled.
    func wait() async {
        let id = state.withLockedValue { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLockedValue { state in
                    // Cancelled before this registers: onCancel found nothing to resume.
                    if state.isOpen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    /// Waits until open; false when the application began shutting down (or the task was
    /// cancelled) first, and the caller should return without starting.
    func waitUnlessShuttingDown() async -> Bool {
        await cancelWhenGracefulShutdown { await self.wait() }
        return isOpen && !Task.isCancelled && !Task.isShuttingDownGracefully
    }
}

/// A background service that starts once the database is ready (see ``DatabaseReady``), and
/// not at all when the application stops first.
struct AfterDatabaseReady: Service, CustomStringConvertible {
    let ready: DatabaseReady
    let service: any Service

    func run() async throws {
        guard await ready.waitUnlessShuttingDown() else { return }
        try await service.run()
    }

    var description: String { String(describing: service) }
}
