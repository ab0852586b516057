import Logging
import NIOPosix
import ServiceLifecycle

/// Stops the embedded cluster when the service group shuts down. It is the first service of
/// the group, so it stops last, after everything that uses the database.
public struct EmbeddedPostgresService: Service {
    let cluster: EmbeddedPostgres

    public init(cluster: EmbeddedPostgres) {
        self.cluster = cluster
    }

    public func run() async throws {
        // Returns on graceful shutdown, throws on cancellation: stop the cluster either way.
        try? await gracefulShutdown()
        // pg_ctl stop blocks in waitpid: on NIO's thread pool, not on Swift Concurrency's.
        let cluster = self.cluster
        try await NIOThreadPool.singleton.runIfActive { try cluster.stop() }
    }
}
