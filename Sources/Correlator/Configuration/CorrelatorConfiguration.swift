import Foundation
import Logging
import Yams

/// Everything `correlator serve` needs to know, resolved from (highest precedence first)
/// command-line flags, `CORRELATOR_*` environment variables, the YAML file given by `--config`,
/// and the defaults below.
public struct CorrelatorConfiguration: Sendable {
    /// Address the HTTP server binds; 4318 is the OTLP/HTTP port, so exporters work unchanged.
    public var listenHost = "127.0.0.1"
    public var listenPort = 4318
    /// Address of the OTLP/gRPC receiver (4317 is OTLP/gRPC's port, where Collectors, Alloy and
    /// the SDKs send by default); nil (`off`) serves no gRPC.
    public var grpcListen: ListenAddress? = ListenAddress(host: "127.0.0.1", port: 4317)
    /// Holds the embedded PostgreSQL cluster when no database URL is given.
    public var dataDirectory = ".correlator"
    /// An external PostgreSQL server; nil runs the embedded one.
    public var databaseURL: String?
    /// Connections to PostgreSQL opened at start in each pool, and the most opened at once. A new
    /// backend plans its first statements slowly (catalog caches are per backend: ~80 ms to
    /// parse the trace-links query, ~35 ms to bind it), so `serve` opens a few before the first
    /// requests and the pools keep idle ones an hour instead of a minute. They are not a pool
    /// minimum (``DatabaseTarget/withSessionSettings(_:_:)`` says why).
    public var databaseMinConnections = 4
    public var databaseMaxConnections = 20
    /// `shared_buffers` of the embedded cluster ("1GB"); nil sizes it from the memory
    /// (``EmbeddedPostgres/defaultSharedBuffers(memoryBytes:)``). An external server keeps its own.
    public var embeddedSharedBuffers: String?
    public var logLevel: Logger.Level = .info
    /// Partitions older than this are dropped.
    public var retention: Duration = .seconds(7 * 86_400)
    /// Apply pending migrations at startup.
    public var migrate = true
    /// Where the SQL migrations are; nil finds them next to the sources or the executable.
    public var migrationsDirectory: String?
    /// Size, rate and concurrency limits of ingest (`limits:` in the file).
    public var limits = IngestLimits()
    /// Bearer tokens → tenant + scopes (`auth:` in the file); none configured = no authentication.
    public var auth = AuthConfiguration()
    /// Span attribute keys that name a profile id, most preferred first (`traces:
    /// profile_id_attributes:` in the file).
    public var traceProfileIDAttributes = OTLPTraceDecoder.Options().profileIDAttributeKeys
    /// Rule files (paths or globs) the scheduler evaluates (`rule_files:` in the file).
    public var ruleFiles: [String] = []
    /// Alert delivery (`alerting:` in the file).
    public var alerting = AlertingConfiguration()
    /// Base of the links Correlator puts in alerts (`web.external_url`); nil means http://<listen>.
    public var externalURL: String?

    /// ``externalURL`` or the listen address.
    public var resolvedExternalURL: String {
        if let externalURL { return externalURL }
        let host = listenHost == "0.0.0.0" || listenHost == "::" ? "127.0.0.1" : listenHost
        return "\(tls == nil ? "http" : "https")://\(host.contains(":") ? "[\(host)]" : host):\(listenPort)"
    }
    /// Go `net/http/pprof` targets to pull profiles from (`profile_scrape_configs:` in the file).
    public var profileScrapeConfigs: [ProfileScrapeConfig] = []
    /// The scrape interval and timeout of jobs that set none (`global:` in the file, as in Prometheus).
    public var scrapeDefaults = ScrapeConfig.Defaults()
    /// Targets whose exemplars are scraped (`scrape_configs:` in the file).
    public var scrapeConfigs: [ScrapeConfig] = []
    /// Exemplar id label keys (`exemplars:` in the file).
    public var exemplars = ExemplarSettings()
    /// URL templates for external tools shown next to every trace → profile link (`jump_links:`).
    public var jumpLinks = JumpLinkTemplates()

    /// `tls:` — HTTPS and gRPC over TLS on both ports; nil: plaintext.
    public var tls: TLSSettings?

    public init() {}

    /// The environment variables read, by setting.
    public static let environmentKeys = [
        "listen": "CORRELATOR_LISTEN",
        "grpc_listen": "CORRELATOR_GRPC_LISTEN",
        "data_dir": "CORRELATOR_DATA_DIR",
        "database_url": "CORRELATOR_DATABASE_URL",
        "database_min_connections": "CORRELATOR_DATABASE_MIN_CONNECTIONS",
        "database_max_connections": "CORRELATOR_DATABASE_MAX_CONNECTIONS",
        "embedded_shared_buffers": "CORRELATOR_EMBEDDED_SHARED_BUFFERS",
        "log_level": "CORRELATOR_LOG_LEVEL",
        "retention": "CORRELATOR_RETENTION",
        "migrations_dir": "CORRELATOR_MIGRATIONS_DIR",
    ]

    /// Defaults, then the YAML file at `configFile`, then the environment. Flags are applied by
    /// the caller afterwards with `apply(_:value:source:)`.
    public static func load(
        configFile: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> CorrelatorConfiguration {
        var configuration = CorrelatorConfiguration()
        if let configFile {
            try configuration.applyFile(configFile)
        }
        for (setting, variable) in environmentKeys.sorted(by: { $0.key < $1.key }) {
            if let value = environment[variable], !value.isEmpty {
                try configuration.apply(setting, value: value, source: variable)
            }
        }
        return configuration
    }

    /// Sets one setting from its textual form; `source` names where it came from for errors.
    public mutating func apply(_ setting: String, value: String, source: String) throws {
        switch setting {
        case "listen":
            (listenHost, listenPort) = try Self.parseListen(value, source: source)
        case "grpc_listen":
            if value.lowercased() == "off" {
                grpcListen = nil
            } else {
                let (host, port) = try Self.parseListen(value, source: source)
                grpcListen = ListenAddress(host: host, port: port)
            }
        case "data_dir":
            dataDirectory = value
        case "database_url":
            _ = try DatabaseURL(value)
            databaseURL = value
        case "database_min_connections":
            guard let count = Int(value), count >= 0, count <= 1000 else {
                throw ConfigurationError.invalid(source, "database_min_connections must be a whole number from 0 to 1000, got '\(value)'")
            }
            databaseMinConnections = count
        case "database_max_connections":
            guard let count = Int(value), count >= 1, count <= 1000 else {
                throw ConfigurationError.invalid(source, "database_max_connections must be a whole number from 1 to 1000, got '\(value)'")
            }
            databaseMaxConnections = count
        case "embedded_shared_buffers":
            if value == "auto" {
                embeddedSharedBuffers = nil
                break
            }
            let digits = value.prefix { $0.isASCII && $0.isNumber }
            guard let amount = Int(digits), amount > 0, ["kB", "MB", "GB", "TB"].contains(String(value.dropFirst(digits.count))) else {
                throw ConfigurationError.invalid(source, "embedded_shared_buffers must be 'auto' or a size such as 512MB or 2GB (units kB, MB, GB, TB), got '\(value)'")
            }
            embeddedSharedBuffers = value
        case "log_level":
            guard let level = Logger.Level(rawValue: value.lowercased()) else {
                throw ConfigurationError.invalid(source, "unknown log level '\(value)' (trace, debug, info, notice, warning, error, critical)")
            }
            logLevel = level
        case "retention":
            guard let duration = PrometheusDuration.parse(value) else {
                throw ConfigurationError.invalid(source, "invalid duration '\(value)' (e.g. 7d, 36h)")
            }
            retention = duration
        case "migrations_dir":
            migrationsDirectory = value
        default:
            throw ConfigurationError.invalid(source, "unknown setting '\(setting)'")
        }
    }

    private mutating func applyFile(_ path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError.invalid("--config \(path)", "cannot read the file (\(error.localizedDescription))")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError.invalid("--config \(path)", "not valid YAML: \(error)")
        }
        guard let mapping = node?.mapping else {
            if node == nil { return }
            throw ConfigurationError.invalid("--config \(path)", "expected a mapping of settings at the top level")
        }
        // Prometheus's `global:` holds the scrape defaults; read first, wherever it stands.
        if let global = mapping["global"] {
            scrapeDefaults = try ScrapeConfig.Defaults.parse(global, path: path)
        }
        for (key, value) in mapping {
            let name = key.string ?? ""
            let location = "\(path):\(key.mark?.line ?? 0)"
            if name == "global" { continue }
            if let section = Self.fileSections[name] {
                try section(&self, value, path)
                continue
            }
            guard Self.environmentKeys[name] != nil else {
                throw ConfigurationError.invalid(location, "unknown setting '\(name)'")
            }
            guard let scalar = value.scalar?.string else {
                throw ConfigurationError.invalid(location, "'\(name)' must be a single value")
            }
            try apply(name, value: scalar, source: location)
        }
    }

    /// Structured sections of the YAML file (mappings and lists), by key. Each reads its node and
    /// names `file:line` in its errors.
    static let fileSections: [String: @Sendable (inout CorrelatorConfiguration, Node, String) throws -> Void] = [
        "limits": { configuration, node, path in
            try configuration.limits.apply(node, path: path)
        },
        "auth": { configuration, node, path in
            configuration.auth = try AuthConfiguration.parse(node, path: path)
        },
        "traces": { configuration, node, path in
            let keys = node.mapping?["profile_id_attributes"]?.sequence?.compactMap(\.string)
            guard let mapping = node.mapping, mapping.count == 1, let keys, !keys.isEmpty, !keys.contains(where: \.isEmpty) else {
                throw ConfigurationError.invalid(
                    "\(path):\(node.mark?.line ?? 0)", "'traces' takes 'profile_id_attributes', a list of attribute keys"
                )
            }
            configuration.traceProfileIDAttributes = keys
        },
        "rule_files": { configuration, node, path in
            configuration.ruleFiles = try AlertingConfiguration.ruleFiles(node, path: path)
        },
        "alerting": { configuration, node, path in
            try configuration.alerting.apply(node, path: path)
        },
        "tls": { configuration, node, path in
            configuration.tls = try TLSSettings.parse(node, path: path)
        },
        "web": { configuration, node, path in
            configuration.externalURL = try AlertingConfiguration.externalURL(node, path: path)
        },
        "profile_scrape_configs": { configuration, node, path in
            configuration.profileScrapeConfigs = try ProfileScrapeConfig.parseSection(node, path: path)
        },
        "scrape_configs": { configuration, node, path in
            configuration.scrapeConfigs = try ScrapeConfig.parseList(node, path: path, defaults: configuration.scrapeDefaults)
        },
        "exemplars": { configuration, node, path in
            configuration.exemplars = try ExemplarSettings.parse(node, path: path)
        },
        "jump_links": { configuration, node, path in
            guard let mapping = node.mapping else {
                throw ConfigurationError.invalid("\(path):\(node.mark?.line ?? 0)", "'jump_links' must be a mapping of name: URL template")
            }
            for (key, value) in mapping {
                let location = "\(path):\(key.mark?.line ?? 0)"
                guard let name = key.string, !name.isEmpty, let template = value.scalar?.string else {
                    throw ConfigurationError.invalid(location, "'jump_links' entries are name: \"URL template\"")
                }
                if let unknown = JumpLinkTemplates.unknownPlaceholder(in: template) {
                    throw ConfigurationError.invalid(location, "jump link '\(name)': unknown placeholder '\(unknown)' (known: \(JumpLinkTemplates.placeholders.joined(separator: ", ")))")
                }
                configuration.jumpLinks.templates[name] = template
            }
        },
    ]

    static func parseListen(_ value: String, source: String) throws -> (String, Int) {
        guard let colon = value.lastIndex(of: ":"), let port = Int(value[value.index(after: colon)...]),
              (0...65_535).contains(port)
        else {
            throw ConfigurationError.invalid(source, "expected HOST:PORT, got '\(value)'")
        }
        var host = String(value[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}
