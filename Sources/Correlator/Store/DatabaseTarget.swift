import Logging
import PostgresNIO

/// The database a command works on: an external server from `--database-url`, or the embedded
/// cluster, started here (the caller stops it, through `EmbeddedPostgresService` or `stop()`).
public struct DatabaseTarget: Sendable {
    public let clientConfiguration: PostgresClient.Configuration
    /// For logs and errors; never contains a password.
    public let description: String
    /// The embedded cluster when one is used.
    public let cluster: EmbeddedPostgres?
    /// Whether this process started `cluster`, rather than finding it running (a Correlator
    /// serving on the same data directory, or one killed without stopping it).
    public let startedCluster: Bool

    /// Stops the embedded cluster if this process started it; one found running is left alone.
    /// For one-off commands: `serve` owns its cluster either way and stops it on shutdown.
    public func stopClusterIfStartedHere() {
        guard startedCluster else { return }
        try? cluster?.stop()
    }

    public static func open(_ configuration: CorrelatorConfiguration, logger: Logger) async throws -> DatabaseTarget {
        if let url = configuration.databaseURL {
            let databaseURL = try DatabaseURL(url)
            return DatabaseTarget(
                clientConfiguration: withSessionSettings(databaseURL.clientConfiguration, configuration),
                description: databaseURL.description, cluster: nil, startedCluster: false
            )
        }
        let cluster = try EmbeddedPostgres(dataDirectory: configuration.dataDirectory, sharedBuffers: configuration.embeddedSharedBuffers, logger: logger)
        let started = try await cluster.start()
        return DatabaseTarget(
            clientConfiguration: withSessionSettings(cluster.clientConfiguration, configuration),
            description: "embedded PostgreSQL in \(cluster.dataDirectory)",
            cluster: cluster, startedCluster: started
        )
    }

    /// Settings of every session Correlator opens, and of the pool.
    ///
    /// `jit=off`: once a day's partitions hold a few thousand span_profiles rows, the planner's
    /// cost estimate of the trace-links query passes `jit_above_cost` and PostgreSQL spends ~6 s
    /// compiling it for a 26 ms execution (measured by `make soak`: p99 of GET
    /// /api/v1/traces/{id}/profiles went from 60 ms to 8 s).
    ///
    /// The pool keeps no minimum of connections: with one, PostgresNIO 1.33.2's pool can stop the
    /// process when PostgreSQL restarts (`precondition(minimumConcurrentConnections <=
    /// stats.active)` in `PoolStateMachine.ConnectionGroup.createNewDemandConnectionIfPossible`,
    /// hit twice by `make chaos` after a kill -9 of PostgreSQL: a request asked for a connection
    /// while the pool, replacing its dead ones, counted fewer than the minimum). Instead
    /// `serve` opens `database_min_connections` at start (``Store/warmConnections(_:)``) and
    /// idle connections live an hour (PostgresNIO's default is one minute): a fresh backend's
    /// first trace-links queries take ~150 ms (Benchmarks/correlation.sh saw them as its whole
    /// p99).
    ///
    /// No keep-alive query on a Unix socket (the embedded cluster, or `host=/dir`): nothing
    /// between the two ends can drop an idle connection, and a server that goes away closes the
    /// socket, which the pool sees at once. PostgresNIO schedules a keep-alive timer each time
    /// it parks a connection and cancels it at the next lease, a task group of its own each
    /// time: on trace→profiles that was 3 of 14 context switches and 5 % of the server's CPU per
    /// request (same data, interleaved runs: 0.85 → 0.80 ms, 14.1 → 11.1 switches). Over TCP
    /// it stays (30 s), for firewalls and proxies that drop idle connections.
    static func withSessionSettings(_ client: PostgresClient.Configuration, _ configuration: CorrelatorConfiguration) -> PostgresClient.Configuration {
        var client = client
        client.options.additionalStartupParameters.append(("jit", "off"))
        client.options.maximumConnections = configuration.databaseMaxConnections
        client.options.minimumConnections = 0
        client.options.connectionIdleTimeout = .seconds(3600)
        if client.unixSocketPath != nil { client.options.keepAliveBehavior = nil }
        return client
    }
}

extension PostgresClient.Configuration {
    /// The configuration of the ingest writers' pool (``Store/writer``): this one's, with
    /// `statement_timeout` set to the ingest `write_timeout` for every session it opens, and at
    /// most `maximumConnections` connections.
    ///
    /// PostgresNIO sends no CancelRequest when the task awaiting a statement is cancelled, so
    /// before this a write stalled by PostgreSQL held its request until the server let go, and
    /// could commit after its client had been told 503 and had retried. With the timeout the
    /// server cancels and rolls back the statement at the deadline (SQLSTATE 57014). A
    /// statement starts after its request did, so it is cancelled at most `write_timeout`
    /// after its request's deadline, never before it.
    public func forIngestWriters(writeTimeout: Duration, maximumConnections: Int) -> PostgresClient.Configuration {
        var configuration = self
        let milliseconds = max(1, writeTimeout.components.seconds * 1000 + writeTimeout.components.attoseconds / 1_000_000_000_000_000)
        configuration.options.additionalStartupParameters.removeAll { $0.0 == "statement_timeout" }
        configuration.options.additionalStartupParameters.append(("statement_timeout", "\(milliseconds)"))
        configuration.options.maximumConnections = max(1, maximumConnections)
        return configuration
    }
}
