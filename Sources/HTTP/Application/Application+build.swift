import Correlator
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle

/// Builds the whole service: the database (embedded or external), the store and its
/// background services, and the HTTP server. The returned application runs everything in one
/// `ServiceGroup`; SIGTERM and SIGINT shut it down gracefully, database last.
public func buildApplication(
    configuration: CorrelatorConfiguration,
    logger: Logger
) async throws -> some ApplicationProtocol {
    var services: [any Service] = []
    try ListenAddressCheck.ensureAvailable(host: configuration.listenHost, port: configuration.listenPort)
    let clientConfiguration: PostgresClient.Configuration
    let target: String
    if let url = configuration.databaseURL {
        let databaseURL = try DatabaseURL(url)
        clientConfiguration = databaseURL.clientConfiguration
        target = databaseURL.description
    } else {
        let cluster = try EmbeddedPostgres(dataDirectory: configuration.dataDirectory, logger: logger)
        try await cluster.start()
        services.append(EmbeddedPostgresService(cluster: cluster))
        clientConfiguration = cluster.clientConfiguration
        target = "embedded PostgreSQL in \(cluster.dataDirectory)"
    }
    let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
    let migrator = try Migrator(directory: configuration.migrationsDirectory, logger: logger)
    let store = Store(client: client, target: target, migrator: migrator, logger: logger)
    services.append(client)
    services.append(PartitionMaintainer(client: client, retention: configuration.retention, logger: logger))

    var app = Application(
        router: buildRouter(store: store, configuration: configuration),
        configuration: .init(
            address: .hostname(configuration.listenHost, port: configuration.listenPort),
            serverName: "correlator"
        ),
        services: services,
        logger: logger
    )
    let migrate = configuration.migrate
    app.beforeServerStarts {
        try await store.checkReachable()
        if migrate {
            try await store.migrate()
        } else if let reason = await store.readiness() {
            logger.warning("serving with --no-migrate while \(reason)")
        }
        logger.info("database ready", metadata: ["database": "\(target)"])
    }
    return app
}

/// The router: operational endpoints now; ingest and query routes as they land.
public func buildRouter(store: Store, configuration: CorrelatorConfiguration) -> Router<CorrelatorRequestContext> {
    _ = MetricsRegistry.shared
    let router = Router(context: CorrelatorRequestContext.self)
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: LogRequestsMiddleware(.debug))
    router.add(middleware: TenantMiddleware())
    OperationalController(store: store).addRoutes(to: router)

    // Traces: OTLP/HTTP receiver and trace queries.


    // Exemplars: remote write, pushed expositions, exemplar queries.


    // Profiles: pprof, Pyroscope and OTLP profile ingest, profile queries.


    // Correlation: trace → profile links, slow requests, jump links.
    addCorrelationRoutes(to: router, store: store, configuration: configuration)
    OpenAPIController().addRoutes(to: router)


    return router
}
