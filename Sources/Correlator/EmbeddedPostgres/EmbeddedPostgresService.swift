import Logging
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
        try cluster.stop()
    }
}
