import ArgumentParser

@main
struct CorrelatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "correlator",
        abstract: "Links metrics exemplars, traces and profiles: from a slow request to the code that made it slow.",
        discussion: "Try it: make demo. The user guide: docs/guide/README.md.",
        subcommands: [ServeCommand.self, MigrateCommand.self, RulesCommand.self, ProfileCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
