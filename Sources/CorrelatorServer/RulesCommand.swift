import ArgumentParser
import Foundation
import Rules

/// `correlator rules check|test`: promtool's rule commands for profile rules.
struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check rule files and run rule unit tests (like promtool check rules / test rules).",
        subcommands: [RulesCheckCommand.self, RulesTestCommand.self, RulesEvaluateCommand.self]
    )
}

struct RulesCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate rule files; print line-numbered errors; exit 1 when any file has one."
    )

    @Argument(help: "Rule files to check.")
    var files: [String]

    func run() throws {
        var failed = false
        var sources: [RuleChecker.Source] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                print("Checking \(file)\n  FAILED:\n\(file): cannot read the file")
                failed = true
                continue
            }
            sources.append(RuleChecker.Source(file: file, yaml: text))
        }
        for result in RuleChecker.check(sources) {
            print(result)
            print("")
            if !result.succeeded { failed = true }
        }
        if failed { throw ExitCode(1) }
    }
}

struct RulesTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run rule unit-test files (input series, evaluation times, expected alerts); exit 1 on any failure."
    )

    @Argument(help: "Rule test files.")
    var files: [String]

    func run() throws {
        var failed = false
        for file in files {
            do {
                let report = try test(file)
                print(report)
                if !report.passed { failed = true }
            } catch {
                print("Unit Testing: \(file)\n  FAILED:\n    \(error)")
                failed = true
            }
            print("")
        }
        if failed { throw ExitCode(1) }
    }

    private func test(_ file: String) throws -> RuleTestReport {
        let testFile = try RuleTestFile.parse(yaml: try read(file), file: file)
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        let ruleFiles = try testFile.ruleFiles.map { path in
            let resolved = path.hasPrefix("/") ? path : directory + "/" + path
            return try RuleFile.parse(yaml: try read(resolved), file: resolved)
        }
        return testFile.run(ruleFiles: ruleFiles)
    }

    private func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("\(path): cannot read the file")
        }
        return text
    }
}
