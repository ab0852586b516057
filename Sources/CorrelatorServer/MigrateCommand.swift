import ArgumentParser
import Correlator

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
            let database = try await DatabaseTarget.open(configuration, logger: logger)
            defer { database.stopClusterIfStartedHere() }
            let report = try await withPostgresClient(database.clientConfiguration, logger: logger) { client in
                try await client.checkReachable(target: database.description)
                return try await migrator.migrate(client)
            }
            print("migrations applied: \(migrator.migrations.map(\.name).joined(separator: ", "))")
            if report.citus {
                print(report.citusActions.isEmpty ? "citus: every table already placed, nothing to do" : "citus:")
                for action in report.citusActions {
                    print("  \(action)")
                }
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail(error)
        }
    }
}
