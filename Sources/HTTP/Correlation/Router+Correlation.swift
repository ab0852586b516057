import Correlator
import Hummingbird
import Logging

/// Adds the correlation and profile query routes (issue 6) to the router.
func addCorrelationRoutes(to router: Router<CorrelatorRequestContext>, store: Store, configuration: CorrelatorConfiguration) {
    let logger = Logger(label: "correlator.correlation")
    let resolver = TraceLinkResolver(client: store.client, logger: logger)
    CorrelationController(
        resolver: resolver, explainer: RequestExplainer(store: store),
        functions: FunctionTraceFinder(client: store.client, logger: logger),
        templates: configuration.jumpLinks
    ).addRoutes(to: router)
    ProfileQueryController(catalog: ProfileCatalog(client: store.client, logger: logger)).addRoutes(to: router)
    MergedProfileController(store: store).addRoutes(to: router)
    QuerierController(store: store, limits: configuration.limits).addRoutes(to: router)
    TempoController(store: store).addRoutes(to: router)
    ExplainController(explainer: RequestExplainer(store: store)).addRoutes(to: router)
}
