import Logging
import PostgresNIO

/// The database a command works on: an external server from `--database-url`, or the embedded
/// cluster, started here (the caller stops it, through `EmbeddedPostgresService` or `stop()`).
public struct DatabaseTarget: Sendable {
    public let clientConfiguration: PostgresClient.Configuration
    /// For logs and errors; never contains a password.
    public let description: String
    /// The embedded cluster when one was started.
    public let cluster: EmbeddedPostgres?

    public static func open(_ configuration: CorrelatorConfiguration, logger: Logger) async throws -> DatabaseTarget {
        if let url = configuration.databaseURL {
            let databaseURL = try DatabaseURL(url)
            return DatabaseTarget(clientConfiguration: databaseURL.clientConfiguration, description: databaseURL.description, cluster: nil)
        }
        let cluster = try EmbeddedPostgres(dataDirectory: configuration.dataDirectory, logger: logger)
        try await cluster.start()
        return DatabaseTarget(
            clientConfiguration: cluster.clientConfiguration,
            description: "embedded PostgreSQL in \(cluster.dataDirectory)",
            cluster: cluster
        )
    }
}
