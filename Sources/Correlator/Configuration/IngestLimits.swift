import Yams

/// Explicit limits on what ingest may carry and how fast. Every limit is configurable (YAML
/// `limits:` section); a request over a size limit is answered 413 naming the setting, over a
/// rate limit 429 with `Retry-After`, and when the writers are saturated 503 with `Retry-After`.
///
/// ```yaml
/// limits:
///   max_body_bytes: 16777216          # as sent (compressed)
///   max_decompressed_bytes: 67108864  # enforced while inflating
///   max_spans_per_request: 100000
///   max_samples_per_profile: 5000000
///   max_series_per_request: 1000000
///   max_labels_per_series: 64
///   max_label_name_length: 1024
///   max_label_value_length: 4096
///   max_concurrent_writes: 8          # per writer (traces, exemplars, profiles)
///   max_queued_writes: 64             # waiting for a writer; more → 503
///   write_timeout: 8s                 # waiting + storing; longer → 503 (below exporters' 10 s)
///   ingest_requests_per_second: 0     # per tenant; 0 = unlimited
///   ingest_burst_requests: 0
///   ingest_bytes_per_second: 0
///   ingest_burst_bytes: 0
///   routes:                           # per route: max_body_bytes
///     /api/v1/profiles: {max_body_bytes: 33554432}
///   tenants:                          # per tenant: the ingest_* rates
///     team-a: {ingest_requests_per_second: 50, ingest_burst_requests: 100}
/// ```
public struct IngestLimits: Sendable {
    /// Bytes of the request body as sent (compressed). Hummingbird's default (2 MiB) is too small
    /// for remote write and profiles, so this is set on purpose.
    public var maxBodyBytes = 16 << 20
    /// Bytes after `Content-Encoding`, snappy or gzip are undone; enforced while inflating.
    public var maxDecompressedBytes = 64 << 20
    /// Spans in one OTLP export request.
    public var maxSpansPerRequest = 100_000
    /// Samples in one pprof or OTLP profile.
    public var maxSamplesPerProfile = 5_000_000
    /// Series in one remote write or exposition.
    public var maxSeriesPerRequest = 1_000_000
    /// Labels on one series, `__name__` included.
    public var maxLabelsPerSeries = 64
    /// Bytes of one series label name.
    public var maxLabelNameLength = 1024
    /// Bytes of one series label value.
    public var maxLabelValueLength = 4096
    /// Requests one writer (traces, exemplars, profiles) handles at once.
    public var maxConcurrentWrites = 8
    /// Requests waiting for a writer; one more is answered 503.
    public var maxQueuedWrites = 64
    /// Longest an ingest request may wait for a writer and be stored; longer is answered 503.
    public var writeTimeout: Duration = .seconds(8)
    /// Body size overrides by route path (`/v1/traces`, `/api/v1/write`, …).
    public var routeMaxBodyBytes: [String: Int] = [:]
    /// Ingest rate every tenant gets unless `tenants:` names it.
    public var defaultRate = IngestRate()
    /// Ingest rates by tenant.
    public var tenantRates: [String: IngestRate] = [:]

    public init() {}

    /// The body size limit of the route at `path`.
    public func maxBodyBytes(route path: String) -> Int {
        routeMaxBodyBytes[path] ?? maxBodyBytes
    }

    /// The largest body any route accepts.
    public var largestBodyBytes: Int {
        routeMaxBodyBytes.values.reduce(maxBodyBytes, max)
    }

    /// The ingest rate limit of `tenant`.
    public func rate(tenant: String) -> IngestRate {
        tenantRates[tenant] ?? defaultRate
    }

    /// YAML keys of the `limits:` section taking one number.
    static let keys = [
        "max_body_bytes", "max_decompressed_bytes", "max_spans_per_request", "max_samples_per_profile",
        "max_series_per_request", "max_labels_per_series", "max_label_name_length", "max_label_value_length",
        "max_concurrent_writes", "max_queued_writes", "write_timeout",
    ] + IngestRate.keys

    mutating func apply(_ key: String, value: String, source: String) throws {
        if IngestRate.keys.contains(key) {
            try defaultRate.apply(key, value: value, source: source)
            return
        }
        if key == "write_timeout" {
            guard let duration = PrometheusDuration.parse(value), duration > .zero else {
                throw ConfigurationError.invalid(source, "'write_timeout' must be a positive duration such as 15s")
            }
            writeTimeout = duration
            return
        }
        guard let number = Int(value), number > 0 || (key == "max_queued_writes" && number == 0) else {
            throw ConfigurationError.invalid(source, "'\(key)' must be a positive number")
        }
        switch key {
        case "max_body_bytes": maxBodyBytes = number
        case "max_decompressed_bytes": maxDecompressedBytes = number
        case "max_spans_per_request": maxSpansPerRequest = number
        case "max_samples_per_profile": maxSamplesPerProfile = number
        case "max_series_per_request": maxSeriesPerRequest = number
        case "max_labels_per_series": maxLabelsPerSeries = number
        case "max_label_name_length": maxLabelNameLength = number
        case "max_label_value_length": maxLabelValueLength = number
        case "max_concurrent_writes": maxConcurrentWrites = number
        case "max_queued_writes": maxQueuedWrites = number
        default: throw ConfigurationError.invalid(source, "unknown limit '\(key)' (\((Self.keys + ["routes", "tenants"]).joined(separator: ", ")))")
        }
    }

    /// The whole `limits:` mapping, including its `routes:` and `tenants:` sub-mappings.
    mutating func apply(_ node: Node, path: String) throws {
        guard let mapping = node.mapping else {
            throw ConfigurationError.invalid("\(path):\(node.mark?.line ?? 0)", "'limits' must be a mapping")
        }
        // Tenants inherit the top-level rates for what they leave out, so those are read first.
        let ordered = mapping.filter { $0.key.string != "tenants" } + mapping.filter { $0.key.string == "tenants" }
        for (key, value) in ordered {
            let name = key.string ?? ""
            let location = "\(path):\(key.mark?.line ?? 0)"
            switch name {
            case "routes":
                for (route, settings) in try Self.subsections(value, name: name, location: location) {
                    guard route.hasPrefix("/") else {
                        throw ConfigurationError.invalid(location, "'limits.routes' keys are route paths such as /v1/traces, got '\(route)'")
                    }
                    for (setting, text) in settings {
                        guard setting == "max_body_bytes", let number = Int(text), number > 0 else {
                            throw ConfigurationError.invalid(location, "'limits.routes.\(route)' takes max_body_bytes, a positive number")
                        }
                        routeMaxBodyBytes[route] = number
                    }
                }
            case "tenants":
                for (tenant, settings) in try Self.subsections(value, name: name, location: location) {
                    var rate = defaultRate
                    for (setting, text) in settings {
                        guard IngestRate.keys.contains(setting) else {
                            throw ConfigurationError.invalid(location, "'limits.tenants.\(tenant).\(setting)' is not a rate (\(IngestRate.keys.joined(separator: ", ")))")
                        }
                        try rate.apply(setting, value: text, source: location)
                    }
                    tenantRates[tenant] = rate
                }
            default:
                try apply(name, value: value.scalar?.string ?? "", source: location)
            }
        }
    }

    private static func subsections(_ node: Node, name: String, location: String) throws -> [(String, [(String, String)])] {
        guard let mapping = node.mapping else {
            throw ConfigurationError.invalid(location, "'limits.\(name)' must be a mapping")
        }
        return try mapping.map { key, value in
            guard let name = key.string, let settings = value.mapping else {
                throw ConfigurationError.invalid(location, "each entry of 'limits.\(name)' maps a name to its settings")
            }
            return (name, settings.map { ($0.key.string ?? "", $0.value.string ?? "") })
        }
    }
}

/// A per-tenant token bucket on ingest requests and bytes; zero rates are unlimited.
public struct IngestRate: Sendable, Hashable {
    public var requestsPerSecond: Double = 0
    /// Requests a tenant may send at once above the rate (default: one second's worth).
    public var burstRequests: Double = 0
    public var bytesPerSecond: Double = 0
    /// Bytes a tenant may send at once above the rate (default: one second's worth).
    public var burstBytes: Double = 0

    public init(requestsPerSecond: Double = 0, burstRequests: Double = 0, bytesPerSecond: Double = 0, burstBytes: Double = 0) {
        self.requestsPerSecond = requestsPerSecond
        self.burstRequests = burstRequests
        self.bytesPerSecond = bytesPerSecond
        self.burstBytes = burstBytes
    }

    static let keys = ["ingest_requests_per_second", "ingest_burst_requests", "ingest_bytes_per_second", "ingest_burst_bytes"]

    mutating func apply(_ key: String, value: String, source: String) throws {
        guard let number = Double(value), number.isFinite, number >= 0 else {
            throw ConfigurationError.invalid(source, "'\(key)' must be a non-negative number (0 = unlimited)")
        }
        switch key {
        case "ingest_requests_per_second": requestsPerSecond = number
        case "ingest_burst_requests": burstRequests = number
        case "ingest_bytes_per_second": bytesPerSecond = number
        case "ingest_burst_bytes": burstBytes = number
        default: throw ConfigurationError.invalid(source, "unknown rate '\(key)'")
        }
    }
}
