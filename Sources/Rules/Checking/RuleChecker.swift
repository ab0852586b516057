/// `correlator rules check`: validates rule files and reports every problem with its line and
/// column, like `promtool check rules`. The CLI reads the files; this never touches the disk.
public enum RuleChecker {
    /// One file to check: the name to report and its text.
    public struct Source: Sendable, Hashable {
        /// The name reported in errors (usually the path).
        public var file: String
        public var yaml: String

        public init(file: String, yaml: String) {
            self.file = file
            self.yaml = yaml
        }
    }

    /// The outcome for one file.
    public struct FileResult: Sendable, Hashable, CustomStringConvertible {
        public var file: String
        /// How many rules the file holds, when it parsed.
        public var ruleCount: Int?
        /// Problems in document order: errors that stop the file loading, and unknown template
        /// variables (code ``RuleFileError/Code/unknownTemplateVariable``), which don't.
        public var problems: [RuleFileError]

        /// No problems at all.
        public var succeeded: Bool { problems.isEmpty }

        /// `promtool` style: `Checking rules.yml`, then `  SUCCESS: 3 rules found` or
        /// `  FAILED:` and one problem per line.
        public var description: String {
            var lines = ["Checking \(file)"]
            if succeeded {
                lines.append("  SUCCESS: \(ruleCount ?? 0) rules found")
            } else {
                lines.append("  FAILED:")
                lines += problems.map { "\($0)" }
            }
            return lines.joined(separator: "\n")
        }
    }

    /// Checks each source independently (duplicate group names are per file, as in Prometheus).
    public static func check(_ sources: [Source]) -> [FileResult] {
        sources.map { source in
            let (ruleFile, errors, templateProblems) = RuleFile.check(yaml: source.yaml, file: source.file)
            let problems = (errors + templateProblems).sorted {
                ($0.location?.line ?? 0, $0.location?.column ?? 0) < ($1.location?.line ?? 0, $1.location?.column ?? 0)
            }
            return FileResult(
                file: source.file, ruleCount: ruleFile.map { $0.groups.reduce(0) { $0 + $1.rules.count } },
                problems: problems
            )
        }
    }
}
