import ArgumentParser
import HTTP

@main
struct CorrelatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "correlator",
        abstract: "Links metrics exemplars, traces and profiles: from a slow request to the code that made it slow.",
        discussion: "Try it: make demo. The user guide: docs/guide/README.md.",
        subcommands: [ServeCommand.self, MigrateCommand.self, RulesCommand.self, ProfileCommand.self],
        defaultSubcommand: ServeCommand.self
    )

    /// ArgumentParser's `main`, except that `serve` first makes NIO's event loops the executor
    /// of Swift Concurrency (``EventLoopExecutor``). The other commands keep the default: they
    /// do no network I/O worth it, and `profile` would pay for starting the loops.
    static func main() async {
        do {
            var command = try await asyncParseAsRoot(nil)
            if command is ServeCommand { EventLoopExecutor.install() }
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
