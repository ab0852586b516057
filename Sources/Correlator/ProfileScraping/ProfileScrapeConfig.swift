import Yams

/// One `profile_scrape_configs` entry: Go `net/http/pprof` targets pulled every `interval`, as
/// Parca's scrape configs do.
///
/// ```yaml
/// profile_scrape_configs:
///   - job_name: checkout
///     interval: 15s            # also scrape_interval
///     targets: ["127.0.0.1:6060"]
///     labels: {env: prod}      # a `service` label names the service (default: the job)
///     profiles:                # default: all six; cpu seconds default 10
///       cpu: {seconds: 5}
///       heap: {}
///       goroutine: {}
/// ```
public struct ProfileScrapeConfig: Sendable, Hashable {
    /// A profile kind to pull, with the CPU profile's duration.
    public struct Target: Sendable, Hashable {
        public var kind: ProfileKind
        /// How long a CPU profile runs (`profile?seconds=N`).
        public var seconds: Int

        public init(kind: ProfileKind, seconds: Int = 10) {
            self.kind = kind
            self.seconds = seconds
        }
    }

    public var jobName: String
    public var targets: [String]
    public var interval: Duration
    public var timeout: Duration?
    public var labels: [String: String]
    public var profiles: [Target]
    /// `http` (default) or `https`.
    public var scheme: String
    /// Where the handlers live on each target.
    public var pathPrefix: String
    /// The tenant the profiles are stored under.
    public var tenant: String

    public init(
        jobName: String, targets: [String], interval: Duration = .seconds(15), labels: [String: String] = [:],
        profiles: [Target] = ProfileKind.allCases.map { Target(kind: $0, seconds: 10) }
    ) {
        self.jobName = jobName
        self.targets = targets
        self.interval = interval
        self.labels = labels
        self.profiles = profiles
        self.scheme = "http"
        self.pathPrefix = "/debug/pprof"
        self.tenant = "default"
    }

    /// The service the profiles are stored under: the `service` label, else the job name.
    public var service: String { labels["service"] ?? jobName }

    /// The URL of one profile on one target.
    public func url(target: String, profile: Target) -> String {
        let base = target.contains("://") ? target : "\(scheme)://\(target)"
        let path = profile.kind == .cpu ? "profile?seconds=\(profile.seconds)" : profile.kind.rawValue
        return base + pathPrefix + "/" + path
    }

    /// The request timeout: the CPU profile's seconds plus the configured timeout (default 10 s).
    public func requestTimeout(for profile: Target) -> Duration {
        (timeout ?? .seconds(10)) + (profile.kind == .cpu ? .seconds(profile.seconds) : .zero)
    }
}

extension ProfileScrapeConfig {
    /// Parses the `profile_scrape_configs` list; errors name `file:line`.
    static func parseSection(_ node: Node, path: String) throws -> [ProfileScrapeConfig] {
        func fail(_ node: Node, _ message: String) -> ConfigurationError {
            ConfigurationError.invalid("\(path):\((node.mark?.line ?? 0))", message)
        }
        guard let list = node.sequence else { throw fail(node, "'profile_scrape_configs' must be a list") }
        var configs: [ProfileScrapeConfig] = []
        for entry in list {
            guard let mapping = entry.mapping else { throw fail(entry, "a profile scrape config must be a mapping") }
            var config = ProfileScrapeConfig(jobName: "", targets: [])
            for (key, value) in mapping {
                let name = key.string ?? ""
                switch name {
                case "job_name":
                    config.jobName = value.string ?? ""
                case "targets":
                    guard let targets = value.sequence?.compactMap(\.string) else { throw fail(value, "'targets' must be a list of host:port") }
                    config.targets += targets
                case "static_configs":
                    for group in value.sequence ?? [] {
                        config.targets += group.mapping?["targets"]?.sequence?.compactMap(\.string) ?? []
                        for (labelKey, labelValue) in group.mapping?["labels"]?.mapping ?? [:] {
                            config.labels[labelKey.string ?? ""] = labelValue.string ?? ""
                        }
                    }
                case "interval", "scrape_interval", "timeout", "scrape_timeout":
                    guard let text = value.string, let duration = PrometheusDuration.parse(text), duration > .zero else {
                        throw fail(value, "'\(name)' must be a duration such as 15s")
                    }
                    if name.hasSuffix("interval") { config.interval = duration } else { config.timeout = duration }
                case "labels":
                    guard let labels = value.mapping else { throw fail(value, "'labels' must be a mapping") }
                    for (labelKey, labelValue) in labels { config.labels[labelKey.string ?? ""] = labelValue.string ?? "" }
                case "scheme":
                    guard let scheme = value.string, ["http", "https"].contains(scheme) else { throw fail(value, "'scheme' must be http or https") }
                    config.scheme = scheme
                case "path_prefix":
                    config.pathPrefix = value.string ?? config.pathPrefix
                case "tenant":
                    config.tenant = value.string ?? config.tenant
                case "profiles":
                    config.profiles = try parseProfiles(value, fail: fail)
                default:
                    throw fail(key, "unknown profile scrape setting '\(name)' (job_name, targets, static_configs, interval, timeout, labels, profiles, scheme, path_prefix, tenant)")
                }
            }
            guard !config.jobName.isEmpty else { throw fail(entry, "'job_name' is required") }
            guard !config.targets.isEmpty else { throw fail(entry, "job '\(config.jobName)' has no targets") }
            guard !configs.contains(where: { $0.jobName == config.jobName }) else { throw fail(entry, "job '\(config.jobName)' is defined twice") }
            configs.append(config)
        }
        return configs
    }

    private static func parseProfiles(_ node: Node, fail: (Node, String) -> ConfigurationError) throws -> [Target] {
        func kind(_ node: Node) throws -> ProfileKind {
            guard let name = node.string, let kind = ProfileKind(rawValue: name) else {
                throw fail(node, "unknown profile '\(node.string ?? "")' (\(ProfileKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return kind
        }
        if let list = node.sequence {
            return try list.map { Target(kind: try kind($0), seconds: 10) }
        }
        guard let mapping = node.mapping else { throw fail(node, "'profiles' must be a list or a mapping of profile names") }
        var targets: [Target] = []
        for (key, value) in mapping {
            var target = Target(kind: try kind(key), seconds: 10)
            if let options = value.mapping {
                if options["enabled"]?.bool == false { continue }
                if let seconds = options["seconds"] {
                    guard let number = seconds.int, number > 0 else { throw fail(seconds, "'seconds' must be a positive integer") }
                    target.seconds = number
                }
            }
            targets.append(target)
        }
        return targets
    }
}
