import ArgumentParser
import Correlator
import Foundation
import PostgresNIO

/// `correlator rules evaluate`: one evaluation cycle of every configured rule group against the
/// database, now, without leader election or notifications; prints what fired and how long it
/// took. For checking rules against real data, and for the benchmark.
struct RulesEvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate every rule of the configured rule_files once against the database and print the result and timings."
    )

    @OptionGroup var options: ServerOptions

    @Option(name: .long, help: "Evaluation cycles to run (timings of each are printed).")
    var cycles = 1

    @Flag(name: .long, help: "Also persist rule state and alerts, as the scheduler does.")
    var persist = false

    func run() async throws {
        do {
            let configuration = try options.resolve()
            let logger = options.makeLogger(configuration)
            let database = try await DatabaseTarget.open(configuration, logger: logger)
            defer { database.stopClusterIfStartedHere() }
            let clientConfiguration = database.clientConfiguration
            let rules = try RuleManager(patterns: configuration.ruleFiles, defaultInterval: configuration.alerting.evaluationInterval, logger: logger)
            let groups = await rules.groups
            let persist = self.persist
            let cycles = self.cycles
            try await withPostgresClient(clientConfiguration, logger: logger) { client in
                let engine = RuleEngine(
                    client: client, tenant: configuration.alerting.tenant, externalURL: configuration.resolvedExternalURL,
                    resendDelay: configuration.alerting.resendDelay,
                    notifier: AlertNotifier(alertmanagers: [], webhooks: [], externalURL: configuration.resolvedExternalURL, logger: logger),
                    persist: persist, logger: logger
                )
                for cycle in 1...max(1, cycles) {
                    let now = Date()
                    var seconds = 0.0
                    var databaseSeconds = 0.0
                    var active = 0
                    var errors: [String] = []
                    let clock = ContinuousClock()
                    let started = clock.now
                    let result = try await engine.evaluate(groups, at: now)
                    seconds += result.seconds
                    databaseSeconds += result.databaseSeconds
                    active += result.records.reduce(0) { $0 + $1.state.activeAlerts.count }
                    errors += result.records.compactMap { record in record.lastError.map { "\(record.ruleKey): \($0)" } }
                    let wall = (clock.now - started)
                    let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
                    print("cycle=\(cycle) groups=\(groups.count) rules=\(groups.reduce(0) { $0 + $1.group.rules.count }) active_alerts=\(active) errors=\(errors.count) seconds=\(String(format: "%.4f", wallSeconds)) database_seconds=\(String(format: "%.4f", databaseSeconds))")
                    for error in errors.prefix(5) { print("  error: \(error)") }
                    _ = seconds
                }
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail(error)
        }
    }
}
