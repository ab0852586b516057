import Foundation
import NIOCore
import NIOPosix

/// Runs Swift Concurrency's tasks on NIO's event loops (`MultiThreadedEventLoopGroup.singleton`,
/// which Hummingbird's server and PostgresNIO's connections use) instead of its own thread
/// pool. A request then no longer wakes a second thread to run its handler, nor a third when
/// PostgreSQL answers: the handler runs on an event loop, and its continuation resumes on
/// one. (Issue 23, item 1: trace→profiles against pgbench running the same statement.)
///
/// Nothing may block a thread of Swift Concurrency once this is installed: it would block an
/// event loop, and with it the I/O of every channel on that loop. The blocking calls Correlator
/// makes (`pg_ctl` and `initdb`, waited for with `waitpid`) run on `NIOThreadPool.singleton`,
/// and futures are awaited with `get()`, never `wait()` (which stops the process on an event
/// loop).
///
/// `CORRELATOR_EVENT_LOOP_EXECUTOR=0` keeps Swift Concurrency's own pool (for comparison).
public enum EventLoopExecutor {
    public static func install(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard environment["CORRELATOR_EVENT_LOOP_EXECUTOR"] != "0" else { return }
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
