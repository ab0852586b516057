import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// A server child channel whose connection handler runs on the connection's own event loop
/// (a task executor preference), so that reading a request, running its handler and writing
/// the response need no other thread. Without it, Hummingbird starts the handler as a plain
/// task, which runs on whichever thread the global executor picks: with
/// ``EventLoopExecutor`` installed, a random event loop, one wake-up away from the
/// connection's. (Issue 23, item 1.)
struct EventLoopPinnedChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await base.handle(value: value, logger: logger)
        }
    }
}

/// A `TaskExecutor` running jobs on one event loop.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}

extension HTTPServerBuilder {
    /// `base`'s channels, each handled on its connection's event loop (``EventLoopPinnedChannel``).
    static func pinnedToEventLoops(_ base: @escaping @Sendable (@escaping HTTPChannelHandler.Responder) throws -> any ServerChildChannel) -> HTTPServerBuilder {
        .init { responder in
            func pinned<Channel: ServerChildChannel>(_ channel: Channel) -> any ServerChildChannel {
                EventLoopPinnedChannel(base: channel)
            }
            return pinned(try base(responder))
        }
    }
}
