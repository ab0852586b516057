import Yams

/// One entry of `scrape_configs:` in the configuration file, shaped like Prometheus's:
///
/// ```yaml
/// scrape_configs:
///   - job_name: checkout
///     scrape_interval: 15s      # default 1m
///     scrape_timeout: 5s        # default 10s, at most the interval
///     metrics_path: /metrics    # default
///     scheme: http              # http or https
///     tenant: default           # Correlator: the tenant the exemplars are stored under
///     labels: {env: prod}       # extra labels on every series (Prometheus: static_configs[].labels)
///     static_configs:
///       - targets: ["127.0.0.1:8080"]
///         labels: {team: payments}
/// ```
///
/// Every series gets `job` and `instance` (`host:port`) as in Prometheus (`honor_labels:
/// false`): a scraped label of the same name is kept as `exported_<name>`.
public struct ScrapeConfig: Sendable, Hashable {
    public var jobName: String
    public var targets: [ScrapeTarget]
    public var interval: Duration = .seconds(60)
    public var timeout: Duration = .seconds(10)
    public var metricsPath = "/metrics"
    public var scheme = "http"
    public var tenant = "default"

    public init(jobName: String, targets: [ScrapeTarget] = []) {
        self.jobName = jobName
        self.targets = targets
    }

    /// Reads the `scrape_configs` list; errors name `file:line`.
    /// Prometheus's `global:` scrape settings: the defaults of every job (1m and 10s).
    public struct Defaults: Sendable, Hashable {
        public var interval: Duration = .seconds(60)
        public var timeout: Duration = .seconds(10)

        public init() {}

        /// Reads `global:`'s `scrape_interval` and `scrape_timeout`. Prometheus's other global
        /// settings (`evaluation_interval`, `external_labels`, …) are accepted and not used here.
        static func parse(_ node: Node, path: String) throws -> Defaults {
            guard let mapping = node.mapping else {
                throw ConfigurationError.invalid("\(path):\(ScrapeConfig.line(node))", "'global' must be a mapping (scrape_interval, scrape_timeout)")
            }
            var defaults = Defaults()
            var timeoutSet = false
            for (key, value) in mapping {
                let name = key.string ?? ""
                guard name == "scrape_interval" || name == "scrape_timeout" else { continue }
                let text = value.scalar?.string ?? ""
                guard let duration = PrometheusDuration.parse(text), duration > .zero else {
                    throw ConfigurationError.invalid("\(path):\(ScrapeConfig.line(key))", "'global.\(name)': invalid duration '\(text)' (e.g. 15s, 1m)")
                }
                if name == "scrape_interval" { defaults.interval = duration } else { defaults.timeout = duration; timeoutSet = true }
            }
            if defaults.timeout > defaults.interval {
                guard !timeoutSet else {
                    throw ConfigurationError.invalid("\(path):\(ScrapeConfig.line(node))", "global scrape_timeout (\(defaults.timeout)) is longer than scrape_interval (\(defaults.interval))")
                }
                defaults.timeout = defaults.interval
            }
            return defaults
        }
    }

    static func parseList(_ node: Node, path: String, defaults: Defaults = Defaults()) throws -> [ScrapeConfig] {
        guard let sequence = node.sequence else {
            throw ConfigurationError.invalid("\(path):\(line(node))", "'scrape_configs' must be a list of jobs")
        }
        var configs: [ScrapeConfig] = []
        for item in sequence {
            let config = try parse(item, path: path, defaults: defaults)
            if configs.contains(where: { $0.jobName == config.jobName }) {
                throw ConfigurationError.invalid("\(path):\(line(item))", "job_name '\(config.jobName)' appears twice")
            }
            configs.append(config)
        }
        return configs
    }

    private static func line(_ node: Node) -> Int { (node.mark?.line ?? 0) }

    private static func parse(_ node: Node, path: String, defaults: Defaults) throws -> ScrapeConfig {
        guard let mapping = node.mapping else {
            throw ConfigurationError.invalid("\(path):\(line(node))", "each scrape config must be a mapping with job_name and static_configs")
        }
        var jobName: String?
        var extraLabels: [String: String] = [:]
        var staticConfigs: [(targets: [String], labels: [String: String], line: Int)] = []
        var config = ScrapeConfig(jobName: "")
        config.interval = defaults.interval
        config.timeout = defaults.timeout
        var intervalSet = false, timeoutSet = false
        for (key, value) in mapping {
            let name = key.string ?? ""
            let location = "\(path):\(line(key))"
            func scalar() throws -> String {
                guard let text = value.scalar?.string else {
                    throw ConfigurationError.invalid(location, "'\(name)' must be a single value")
                }
                return text
            }
            func duration() throws -> Duration {
                let text = try scalar()
                guard let duration = PrometheusDuration.parse(text), duration > .zero else {
                    throw ConfigurationError.invalid(location, "'\(name)': invalid duration '\(text)' (e.g. 15s, 1m)")
                }
                return duration
            }
            switch name {
            case "job_name":
                jobName = try scalar()
            case "scrape_interval":
                config.interval = try duration()
                intervalSet = true
            case "scrape_timeout":
                config.timeout = try duration()
                timeoutSet = true
            case "metrics_path":
                let text = try scalar()
                guard text.hasPrefix("/") else {
                    throw ConfigurationError.invalid(location, "'metrics_path' must start with '/'")
                }
                config.metricsPath = text
            case "scheme":
                let text = try scalar().lowercased()
                guard text == "http" || text == "https" else {
                    throw ConfigurationError.invalid(location, "'scheme' must be http or https")
                }
                config.scheme = text
            case "tenant":
                config.tenant = try scalar()
            case "labels":
                extraLabels = try labels(value, location: location)
            case "static_configs":
                guard let list = value.sequence else {
                    throw ConfigurationError.invalid(location, "'static_configs' must be a list")
                }
                for entry in list {
                    let entryLocation = "\(path):\(line(entry))"
                    guard let entryMapping = entry.mapping else {
                        throw ConfigurationError.invalid(entryLocation, "each static config must be a mapping with targets")
                    }
                    var targets: [String] = []
                    var labels: [String: String] = [:]
                    for (entryKey, entryValue) in entryMapping {
                        switch entryKey.string ?? "" {
                        case "targets":
                            guard let items = entryValue.sequence else {
                                throw ConfigurationError.invalid(entryLocation, "'targets' must be a list of host:port")
                            }
                            for item in items {
                                guard let target = item.scalar?.string, Self.isHostPort(target) else {
                                    throw ConfigurationError.invalid("\(path):\(line(item))", "target '\(item.scalar?.string ?? "?")' must be host:port")
                                }
                                targets.append(target)
                            }
                        case "labels":
                            labels = try Self.labels(entryValue, location: entryLocation)
                        default:
                            throw ConfigurationError.invalid(entryLocation, "unknown static_configs key '\(entryKey.string ?? "")' (targets, labels)")
                        }
                    }
                    staticConfigs.append((targets, labels, line(entry)))
                }
            default:
                throw ConfigurationError.invalid(location, "unknown scrape config key '\(name)' (job_name, static_configs, scrape_interval, scrape_timeout, metrics_path, scheme, labels, tenant)")
            }
        }
        guard let jobName, !jobName.isEmpty else {
            throw ConfigurationError.invalid("\(path):\(line(node))", "a scrape config needs a job_name")
        }
        config.jobName = jobName
        if timeoutSet && config.timeout > config.interval {
            throw ConfigurationError.invalid("\(path):\(line(node))", "job '\(jobName)': scrape_timeout (\(config.timeout)) is longer than scrape_interval (\(config.interval))")
        }
        if !timeoutSet && intervalSet && config.timeout > config.interval {
            config.timeout = config.interval
        }
        for entry in staticConfigs {
            for target in entry.targets {
                config.targets.append(ScrapeTarget(address: target, labels: extraLabels.merging(entry.labels) { $1 }))
            }
        }
        return config
    }

    private static func labels(_ node: Node, location: String) throws -> [String: String] {
        guard let mapping = node.mapping else {
            throw ConfigurationError.invalid(location, "'labels' must be a mapping of label names to values")
        }
        var labels: [String: String] = [:]
        for (key, value) in mapping {
            guard let name = key.string, isLabelName(name), let text = value.scalar?.string else {
                throw ConfigurationError.invalid(location, "invalid label '\(key.string ?? "")'")
            }
            labels[name] = text
        }
        return labels
    }

    static func isLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    static func isHostPort(_ text: String) -> Bool {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex,
              let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port)
        else { return false }
        return !text.contains("/") && !text.contains(" ")
    }
}

/// One scrape target: `host:port` and the extra labels its series get.
public struct ScrapeTarget: Sendable, Hashable {
    /// `host:port`, which is also the `instance` label.
    public var address: String
    /// Extra labels (the job's `labels` merged with its static config's).
    public var labels: [String: String]

    public init(address: String, labels: [String: String] = [:]) {
        self.address = address
        self.labels = labels
    }
}
