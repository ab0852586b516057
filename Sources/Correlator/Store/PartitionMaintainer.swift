import Logging
import PostgresNIO
import ServiceLifecycle

/// Keeps daily partitions ahead of the clock and drops those older than the retention,
/// every `interval` (and once at start). Retention is a `DROP TABLE`, never a slow `DELETE`.
public struct PartitionMaintainer: Service {
    let client: PostgresClient
    let retention: Duration
    let interval: Duration
    let logger: Logger

    public init(client: PostgresClient, retention: Duration, interval: Duration = .seconds(3600), logger: Logger) {
        self.client = client
        self.retention = retention
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        // Migrations create the first partitions; the first maintenance waits a minute so it
        // never races them.
        var delay = Duration.seconds(60)
        while !Task.isCancelledOrShuttingDown {
            let wait = delay
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            guard !Task.isCancelledOrShuttingDown else { return }
            do {
                try await maintain()
            } catch {
                logger.error("partition maintenance failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            delay = interval
        }
    }

    /// Creates partitions from yesterday to two days ahead; drops those past retention.
    public func maintain() async throws {
        let retentionDays = Int(max(1, retention.components.seconds / 86_400))
        let created = try await client.query("""
            SELECT ensure_partitions((now() AT TIME ZONE 'UTC')::date - 1, (now() AT TIME ZONE 'UTC')::date + 2)
            """, logger: logger)
        for try await count in created.decode(Int.self) where count > 0 {
            logger.info("created partitions", metadata: ["count": "\(count)"])
        }
        let dropped = try await client.query("""
            SELECT drop_partitions_before((now() AT TIME ZONE 'UTC')::date - \(retentionDays)::integer)
            """, logger: logger)
        for try await count in dropped.decode(Int.self) where count > 0 {
            // The exemplar writer's memory of each series' newest stored exemplar may point
            // into a dropped day.
            ExemplarLatestCache.forgetAll(of: client)
            logger.info("dropped partitions past retention", metadata: ["count": "\(count)", "retention_days": "\(retentionDays)"])
        }
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool {
        Task.isCancelled || Task.isShuttingDownGracefully
    }
}
