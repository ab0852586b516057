import ArgumentParser
import Correlator
import HTTP
import Hummingbird

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the ingest and query API (runs an embedded PostgreSQL unless --database-url is given)."
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
