import Correlator
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
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
    try await ListenAddressCheck.ensureAvailable(host: configuration.listenHost, port: configuration.listenPort)
    if let grpc = configuration.grpcListen {
        if grpc.port != 0, grpc.port == configuration.listenPort, grpc.host == configuration.listenHost {
            throw ListenAddressError(host: grpc.host, port: grpc.port, reason: "HTTP (--listen) and OTLP/gRPC (--grpc-listen) cannot share a port")
        }
        try await ListenAddressCheck.ensureAvailable(host: grpc.host, port: grpc.port, flag: "--grpc-listen")
    }
    // Everything that can fail on bad configuration is read before the database starts.
    let migrator = try Migrator(directory: configuration.migrationsDirectory, logger: logger)
    let ruleManager = try RuleManager(patterns: configuration.ruleFiles, defaultInterval: configuration.alerting.evaluationInterval, logger: logger)
    let database = try await DatabaseTarget.open(configuration, logger: logger)
    if let cluster = database.cluster {
        // First in the group, so it stops last, after everything that uses the database.
        services.append(EmbeddedPostgresService(cluster: cluster))
    }
    let target = database.description
    let client = PostgresClient(configuration: database.clientConfiguration, backgroundLogger: logger)
    // Ingest writes get a pool of their own whose statements PostgreSQL cancels at write_timeout.
    // Each of the three writers stores at most max_concurrent_writes requests at once.
    let writer = PostgresClient(
        configuration: database.clientConfiguration.forIngestWriters(
            writeTimeout: configuration.limits.writeTimeout,
            maximumConnections: min(configuration.databaseMaxConnections, 3 * configuration.limits.maxConcurrentWrites)
        ),
        backgroundLogger: logger
    )
    let store = Store(client: client, writer: writer, target: target, migrator: migrator, logger: logger)
    services.append(client)
    services.append(writer)
    // The services that use tables start once the database is migrated (DatabaseReady).
    let databaseReady = DatabaseReady()
    func afterMigrations(_ service: any Service) -> any Service {
        AfterDatabaseReady(ready: databaseReady, service: service)
    }
    services.append(afterMigrations(PartitionMaintainer(client: client, retention: configuration.retention, logger: logger)))
    services.append(afterMigrations(ProfileRollupMaintainer(store: store, logger: logger)))
    // Rules and alerting: the scheduler (one replica leads) and reload on SIGHUP.
    services.append(afterMigrations(RuleScheduler.make(store: store, rules: ruleManager, configuration: configuration, logger: logger)))
    // TLS on both ports from one reloader; an unreadable file stops the start, naming it.
    let certificates = try configuration.tls.map { try FileCertificateReloader(settings: $0) }
    services.append(RuleReloadSignalService(rules: ruleManager) {
        if let error = certificates?.reload() { logger.error("\(error)") }
    })
    if !configuration.profileScrapeConfigs.isEmpty {
        services.append(afterMigrations(ProfileScraper(store: store, configs: configuration.profileScrapeConfigs, limits: configuration.limits, logger: logger)))
    }
    if !configuration.scrapeConfigs.isEmpty {
        services.append(afterMigrations(ExemplarScraper(store: store, configs: configuration.scrapeConfigs, idKeys: configuration.exemplars.idKeys, limits: configuration.limits, logger: logger)))
    }

    // One gate for both ports: a tenant's rates and each writer's slots are shared.
    let ingestGate = IngestGate(limits: configuration.limits)
    if let address = configuration.grpcListen {
        // After the database's clients, so it stops before them.
        services.append(OTLPGRPCServer(
            address: address, receiver: OTLPGRPCReceiver(store: store, configuration: configuration, gate: ingestGate),
            databaseReady: databaseReady, certificates: certificates, logger: logger
        ))
    }

    var app = Application(
        router: buildRouter(store: store, configuration: configuration, ruleManager: ruleManager, ingestGate: ingestGate, certificates: certificates),
        server: .pinnedToEventLoops { [tls = try certificates?.serverConfiguration()] responder in
            let http1 = HTTP1Channel(responder: responder)
            guard let tls else { return http1 }
            return try TLSChannel(http1, tlsConfiguration: tls)
        },
        configuration: .init(
            address: .hostname(configuration.listenHost, port: configuration.listenPort),
            serverName: "correlator"
        ),
        services: services,
        logger: logger
    )
    let migrate = configuration.migrate
    let warmConnections = min(configuration.databaseMinConnections, configuration.databaseMaxConnections)
    app.beforeServerStarts {
        try await store.checkReachable()
        if migrate {
            try await store.migrate()
        } else if let reason = await store.readiness() {
            logger.warning("serving with --no-migrate while \(reason)")
        }
        await store.warmConnections(warmConnections)
        logger.info("database ready", metadata: ["database": "\(target)"])
        databaseReady.open()
    }
    return app
}

/// The router: operational endpoints now; ingest and query routes as they land.
public func buildRouter(store: Store, configuration: CorrelatorConfiguration, ruleManager: RuleManager? = nil) -> Router<CorrelatorRequestContext> {
    buildRouter(store: store, configuration: configuration, ruleManager: ruleManager, ingestGate: IngestGate(limits: configuration.limits))
}

/// The router, with the ingest gate it shares with the gRPC receiver: one rate limit per
/// tenant and one bounded queue per writer, whichever port a request came in on.
func buildRouter(
    store: Store, configuration: CorrelatorConfiguration, ruleManager: RuleManager?, ingestGate: IngestGate,
    certificates: FileCertificateReloader? = nil
) -> Router<CorrelatorRequestContext> {
    _ = MetricsRegistry.shared
    // IngestGate enforces each route's body size first; the controllers re-check the largest.
    var configuration = configuration
    configuration.limits.maxBodyBytes = configuration.limits.largestBodyBytes
    // HEAD of every GET route, as HTTP clients and probes expect (RFC 9110 §9.3.2).
    let router = Router(context: CorrelatorRequestContext.self, options: .autoGenerateHeadEndpoints)
    // Outermost, so refusals of the layers below carry the headers too.
    router.add(middleware: SecurityHeaders())
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: NULParameterGuard())
    router.add(middleware: LogRequestsMiddleware(.debug))
    // A database error no route classified answers 503 (PostgreSQL away) or 500 with its message.
    router.add(middleware: DatabaseFailureMiddleware())
    // Authentication and tenancy, then the ingest limits (rates, sizes, bounded writers).
    router.add(middleware: TenantMiddleware(auth: configuration.auth))
    router.add(middleware: ingestGate)
    OperationalController(store: store).addRoutes(to: router)

    // Traces: OTLP/HTTP receiver and trace queries.
    TraceController(store: store, configuration: configuration, refusals: ingestGate.refusals).addRoutes(to: router)


    // Exemplars: remote write, pushed expositions, exemplar queries.
    ExemplarsController(store: store, limits: configuration.limits, idKeys: configuration.exemplars.idKeys).addRoutes(to: router)


    // Profiles: pprof, Pyroscope and OTLP profile ingest, profile queries.
    ProfileController(store: store, limits: configuration.limits).addRoutes(to: router)


    // Correlation: trace → profile links, slow requests, jump links.
    addCorrelationRoutes(to: router, store: store, configuration: configuration)
    OpenAPIController().addRoutes(to: router)


    // Rules and alerting: /api/v1/rules, /api/v1/alerts, /-/reload.
    var alerting = AlertingController(
        rules: ruleManager ?? RuleManager(groups: [], logger: Logger(label: "correlator.rules")),
        repository: RuleStateRepository(client: store.client, tenant: configuration.alerting.tenant, logger: Logger(label: "correlator.rules"))
    )
    if let certificates {
        alerting.reloadTLS = { certificates.reload() }
    }
    alerting.addRoutes(to: router)

    // Web pages: overview, trace waterfall, flame graph, alerts and rules under /ui/.
    let uiLogger = Logger(label: "correlator.ui")
    UIController(
        store: store, resolver: TraceLinkResolver(client: store.client, logger: uiLogger),
        catalog: ProfileCatalog(client: store.client, logger: uiLogger), health: IngestHealthQuery(client: store.client, logger: uiLogger),
        alerting: alerting, templates: configuration.jumpLinks, logger: uiLogger
    ).addRoutes(to: router)

    // Last: in front of the not-found responder only (405 with Allow, or a 404 that says what).
    router.add(middleware: UnroutedRequests(routes: router.routes))
    return router
}
