import ArgumentParser
import ProfileCommands

/// `correlator-server`: every command, the server's included.
///
/// Users run `correlator` (Sources/CorrelatorCLI), which runs `profile …` itself and hands every
/// other command line to this executable. It answers to the same name, so its help and
/// errors read as `correlator`'s.
@main
struct CorrelatorServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "correlator",
        abstract: "Links metrics exemplars, traces and profiles: from a slow request to the code that made it slow.",
        discussion: "Try it: make demo. The user guide: docs/guide/README.md.",
        subcommands: [ServeCommand.self, MigrateCommand.self, RulesCommand.self, ProfileCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
