import ArgumentParser
import Correlator
import PostgresNIO

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending database migrations and exit."
    )

    @OptionGroup var options: ServerOptions

    func run() async throws {
        do {
            let configuration = try options.resolve()
            let logger = options.makeLogger(configuration)
            let migrator = try Migrator(directory: configuration.migrationsDirectory, logger: logger)
            var cluster: EmbeddedPostgres?
            let clientConfiguration: PostgresClient.Configuration
            let target: String
            if let url = configuration.databaseURL {
                let databaseURL = try DatabaseURL(url)
                clientConfiguration = databaseURL.clientConfiguration
                target = databaseURL.description
            } else {
                let embedded = try EmbeddedPostgres(dataDirectory: configuration.dataDirectory, logger: logger)
                try await embedded.start()
                cluster = embedded
                clientConfiguration = embedded.clientConfiguration
                target = "embedded PostgreSQL in \(embedded.dataDirectory)"
            }
            defer { try? cluster?.stop() }
            try await withPostgresClient(clientConfiguration, logger: logger) { client in
                try await client.checkReachable(target: target)
                try await migrator.migrate(client)
            }
            print("migrations applied: \(migrator.migrations.map(\.name).joined(separator: ", "))")
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail(error)
        }
    }
}
