import ArgumentParser
import Correlator
import HTTP
import Hummingbird

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the ingest and query API (runs an embedded PostgreSQL unless --database-url is given).",
        discussion: """
            Sections only the YAML file (--config) takes: limits, auth, tls, rule_files, alerting, web, \
            scrape_configs, profile_scrape_configs, exemplars, traces, jump_links. Only in the environment: \
            CORRELATOR_DATABASE_MIN_CONNECTIONS, CORRELATOR_DATABASE_MAX_CONNECTIONS, CORRELATOR_EMBEDDED_SHARED_BUFFERS. \
            SIGHUP (or POST /-/reload) reloads the rule files and the TLS certificate. \
            The user guide: docs/guide/README.md.
            """
    )

    @OptionGroup var options: ServerOptions

    @Flag(name: .customLong("no-migrate"), help: "Do not apply pending migrations at startup.")
    var noMigrate = false

    func run() async throws {
        let configuration: CorrelatorConfiguration
        do {
            var resolved = try options.resolve()
            if noMigrate { resolved.migrate = false }
            configuration = resolved
        } catch {
            throw fail(error)
        }
        let logger = options.makeLogger(configuration)
        do {
            let app = try await buildApplication(configuration: configuration, logger: logger)
            try await app.runService()
        } catch {
            throw fail(error)
        }
    }
}
