import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// A server child channel whose connection handler runs on the connection's own event loop
/// (a task executor preference): reading a request, running its handler, resuming it when
/// PostgreSQL answers and writing the response then wake no thread of Swift Concurrency's pool.
/// Without it, Hummingbird starts each connection's handler as a plain task on that pool, one
/// thread hop away from the connection's event loop in each direction. (Issue 23, item 1:
/// `GET /healthz` p50 0.61 -> 0.48 ms and trace→profiles p50 2.13 -> 1.92 ms, means of six
/// interleaved runs at 100 requests/s, release build.)
///
/// Nothing a handler runs may block its thread waiting for I/O of the same event loop (no
/// `EventLoopFuture.wait()`; NIO stops the process on it). CPU work (decoding a large profile)
/// holds the loop as long as it runs, as it held a thread of the pool before: both have one
/// thread per core.
///
/// Installing NIO's event loops as the global executor as well
/// (`NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor`) is
/// not possible in the release build: it finds the runtime's hook with `dlsym`, and a binary
/// linked with `--static-swift-stdlib` does not export it, so the call returns false there.
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
