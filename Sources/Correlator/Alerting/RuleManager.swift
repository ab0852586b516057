import Foundation
import Logging
import Rules

#if canImport(Glibc)
import Glibc
#endif

/// One group of a loaded rule file, with its interval resolved.
public struct LoadedRuleGroup: Sendable, Hashable {
    /// The rule file it came from.
    public var file: String
    public var group: RuleGroup
    /// The group's interval, or the configured evaluation interval.
    public var interval: Duration

    public init(file: String, group: RuleGroup, interval: Duration) {
        self.file = file
        self.group = group
        self.interval = interval
    }

    /// Identifies the group across reloads: file and name (group names are unique per file).
    public var key: String { "\(file);\(group.name)" }

    /// The key of a rule's persisted state and of its alerts: group and alert name.
    public func ruleKey(_ rule: AlertingRule) -> String { "\(group.name)/\(rule.name)" }
}

/// The rules in force: loaded from `rule_files` at start, replaced on reload (SIGHUP,
/// `POST /-/reload`) only when every file is valid, so a broken edit keeps the old rules running
/// and its error is reported.
public actor RuleManager {
    /// The outcome of the last reload attempt.
    public struct ReloadStatus: Sendable {
        public var succeeded: Bool
        /// Every problem, `file:line:column: message` per line, when the reload failed.
        public var error: String?
        public var at: Date
    }

    public let patterns: [String]
    public let defaultInterval: Duration
    public private(set) var groups: [LoadedRuleGroup]
    public private(set) var lastReload: ReloadStatus
    private let logger: Logger

    /// Loads the rules; throws ``RuleLoadError`` when a file is missing or invalid.
    public init(patterns: [String], defaultInterval: Duration = .seconds(60), logger: Logger) throws {
        self.patterns = patterns
        self.defaultInterval = defaultInterval
        self.logger = logger
        self.groups = try Self.load(patterns: patterns, defaultInterval: defaultInterval)
        self.lastReload = ReloadStatus(succeeded: true, error: nil, at: Date())
    }

    /// Starts with the given groups (tests, benchmarks).
    public init(groups: [LoadedRuleGroup], logger: Logger) {
        self.patterns = []
        self.defaultInterval = .seconds(60)
        self.logger = logger
        self.groups = groups
        self.lastReload = ReloadStatus(succeeded: true, error: nil, at: Date())
    }

    /// Re-reads the files; keeps the current rules when any file fails.
    @discardableResult
    public func reload() -> ReloadStatus {
        do {
            groups = try Self.load(patterns: patterns, defaultInterval: defaultInterval)
            lastReload = ReloadStatus(succeeded: true, error: nil, at: Date())
            logger.info("rules reloaded", metadata: ["groups": "\(groups.count)", "rules": "\(groups.reduce(0) { $0 + $1.group.rules.count })"])
        } catch {
            lastReload = ReloadStatus(succeeded: false, error: "\(error)", at: Date())
            logger.error("rule reload failed, keeping the previous rules", metadata: ["error": "\(error)"])
        }
        return lastReload
    }

    /// Reads and validates every file the patterns name.
    public static func load(patterns: [String], defaultInterval: Duration) throws(RuleLoadError) -> [LoadedRuleGroup] {
        var problems: [String] = []
        var result: [LoadedRuleGroup] = []
        for file in expand(patterns, problems: &problems) {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                problems.append("\(file): cannot read the rule file")
                continue
            }
            let (ruleFile, errors) = RuleFile.validate(yaml: text, file: file)
            problems += errors.map { "\($0)" }
            guard let ruleFile else { continue }
            for group in ruleFile.groups {
                result.append(LoadedRuleGroup(file: file, group: group, interval: group.interval ?? defaultInterval))
            }
        }
        if !problems.isEmpty { throw RuleLoadError(problems: problems) }
        return result
    }

    /// Paths for the patterns: globs expanded (sorted), literal paths kept even when missing
    /// (so that reading them reports the error), duplicates dropped.
    static func expand(_ patterns: [String], problems: inout [String]) -> [String] {
        var seen = Set<String>()
        var files: [String] = []
        for pattern in patterns {
            let matches: [String]
            if pattern.contains(where: { "*?[".contains($0) }) {
                matches = glob(pattern)
            } else {
                matches = [pattern]
            }
            for file in matches where seen.insert(file).inserted { files.append(file) }
        }
        return files
    }

    private static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { index in
            result.gl_pathv[index].map { String(cString: $0) }
        }.sorted()
    }
}

/// Rule files that could not be loaded: every problem, one per line.
public struct RuleLoadError: Error, Sendable, CustomStringConvertible {
    public var problems: [String]
    public var description: String { problems.joined(separator: "\n") }
}
