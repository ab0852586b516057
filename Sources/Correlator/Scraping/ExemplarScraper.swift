import AsyncHTTPClient
import Exemplars
import Foundation
import Logging
import Metrics
import NIOCore
import ServiceLifecycle

/// Scrapes the targets of `scrape_configs` for exemplars, like Prometheus does for samples:
/// each target on its own loop (a down, slow or garbage target never delays another), every
/// `scrape_interval`, with an `Accept` that prefers OpenMetrics, under `scrape_timeout`.
///
/// Per target it records `correlator_scrape_up{job,instance}` (1 or 0),
/// `correlator_scrape_duration_seconds{job,instance}` (last scrape),
/// `correlator_scrape_exemplars{job,instance}` (exemplars in the last scrape) and logs the
/// last error when a scrape fails (once per change of error, then at debug).
public struct ExemplarScraper: Service {
    let store: Store
    let configs: [ScrapeConfig]
    let idKeys: ExemplarIDKeys
    let limits: IngestLimits
    let logger: Logger

    public init(store: Store, configs: [ScrapeConfig], idKeys: ExemplarIDKeys = .default, limits: IngestLimits = IngestLimits(), logger: Logger) {
        self.store = store
        self.configs = configs
        self.idKeys = idKeys
        self.limits = limits
        self.logger = logger
    }

    public func run() async throws {
        guard configs.contains(where: { !$0.targets.isEmpty }) else { return }
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(decompression: .enabled(limit: .size(limits.maxDecompressedBytes)))
        )
        await cancelWhenGracefulShutdown {
            await waitUntilStoreIsReady()
            await withDiscardingTaskGroup { group in
                for config in configs {
                    for target in config.targets {
                        group.addTask {
                            await scrapeLoop(client: client, config: config, target: target)
                        }
                    }
                }
            }
        }
        try? await client.shutdown()
    }

    /// Migrations run as the server starts; scraping waits for them.
    private func waitUntilStoreIsReady() async {
        var delay = Duration.milliseconds(200)
        while !Task.isCancelled, let reason = await store.readiness() {
            logger.debug("scraping waits for the database", metadata: ["reason": "\(reason)"])
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }

    private func scrapeLoop(client: HTTPClient, config: ScrapeConfig, target: ScrapeTarget) async {
        let scraper = TargetScraper(client: client, config: config, target: target, idKeys: idKeys, limits: limits, logger: logger)
        // Spread the targets over the interval (Prometheus offsets each target by a hash).
        let offset = Double(UInt64(truncatingIfNeeded: (config.jobName + target.address).hashValue) % 1000) / 1000
        try? await Task.sleep(for: .milliseconds(Int64(offset * min(Double(config.interval.components.seconds), 1) * 1000)))
        var lastError: String?
        while !Task.isCancelled {
            let started = ContinuousClock.now
            let outcome = await scraper.scrapeAndStore(into: store)
            switch outcome {
            case .success:
                if lastError != nil {
                    logger.info("scrape recovered", metadata: scraper.metadata)
                }
                lastError = nil
            case .failure(let error):
                let message = "\(error)"
                if message != lastError {
                    logger.warning("scrape failed", metadata: scraper.metadata.merging(["error": "\(message)"]) { $1 })
                } else {
                    logger.debug("scrape failed", metadata: scraper.metadata.merging(["error": "\(message)"]) { $1 })
                }
                lastError = message
            }
            let next = started + config.interval
            try? await Task.sleep(until: next, clock: .continuous)
        }
    }
}

/// Scrapes one target: fetch, parse, relabel, store, and record its health metrics.
public struct TargetScraper: Sendable {
    let client: HTTPClient
    let config: ScrapeConfig
    let target: ScrapeTarget
    let idKeys: ExemplarIDKeys
    let limits: IngestLimits
    let logger: Logger

    public init(client: HTTPClient, config: ScrapeConfig, target: ScrapeTarget, idKeys: ExemplarIDKeys = .default, limits: IngestLimits = IngestLimits(), logger: Logger) {
        self.client = client
        self.config = config
        self.target = target
        self.idKeys = idKeys
        self.limits = limits
        self.logger = logger
    }

    var url: String { "\(config.scheme)://\(target.address)\(config.metricsPath)" }

    var metadata: Logger.Metadata {
        ["job": "\(config.jobName)", "instance": "\(target.address)", "url": "\(url)"]
    }

    private var dimensions: [(String, String)] { [("job", config.jobName), ("instance", target.address)] }

    /// One scrape; never throws: failures are returned, recorded as `up 0` and stored nothing.
    public func scrapeAndStore(into store: Store) async -> Result<ExemplarWriteResult, ScrapeError> {
        let started = ContinuousClock.now
        let outcome: Result<ExemplarWriteResult, ScrapeError>
        do {
            let exemplars = try await scrape()
            do {
                outcome = .success(try await store.writeExemplars(exemplars, tenant: config.tenant))
            } catch {
                outcome = .failure(ScrapeError("storing \(exemplars.count) exemplars failed: \(String(reflecting: error))"))
            }
        } catch let error as ScrapeError {
            outcome = .failure(error)
        } catch {
            outcome = .failure(ScrapeError("\(error)"))
        }
        let elapsed = ContinuousClock.now - started
        Gauge(label: ScrapeMetricNames.up, dimensions: dimensions).record(outcome.isSuccess ? 1 : 0)
        Gauge(label: ScrapeMetricNames.duration, dimensions: dimensions)
            .record(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        if case .success(let result) = outcome {
            Gauge(label: ScrapeMetricNames.exemplars, dimensions: dimensions).record(result.received)
        } else {
            Counter(label: ScrapeMetricNames.failures, dimensions: dimensions).increment()
        }
        return outcome
    }

    /// Fetches and parses the target; the exemplars carry `job`, `instance` and the extra labels.
    public func scrape() async throws -> [Exemplar] {
        let timeout = config.timeout
        let scrapeTime = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        let (body, contentType) = try await withThrowingTaskGroup(of: (ByteBuffer, String?).self) { group in
            group.addTask { try await fetch() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw ScrapeError("no complete answer within the scrape timeout of \(timeout)")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
        // Prometheus 2.42 falls back to the 0.0.4 text format for unknown or missing types.
        let format = contentType.flatMap(ExpositionFormat.init(contentType:)) ?? .prometheusText
        let exemplars: [Exemplar]
        do {
            exemplars = try body.withUnsafeReadableBytes { bytes in
                try ExpositionParser(format: format).exemplars(in: bytes, defaultTimestamp: scrapeTime, idKeys: idKeys)
            }
        } catch let error as ExpositionError {
            throw ScrapeError("unparsable \(format == .openMetrics ? "OpenMetrics" : "text 0.0.4") exposition: \(error)")
        }
        return exemplars.map { exemplar in
            var exemplar = exemplar
            exemplar.series = relabel(exemplar.series)
            return exemplar
        }
    }

    private func fetch() async throws -> (ByteBuffer, String?) {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: ExpositionFormat.scrapeAcceptHeader)
        request.headers.add(name: "Accept-Encoding", value: "gzip")
        request.headers.add(name: "User-Agent", value: "correlator-scraper")
        let seconds = Double(config.timeout.components.seconds) + Double(config.timeout.components.attoseconds) / 1e18
        request.headers.add(name: "X-Prometheus-Scrape-Timeout-Seconds", value: String(format: "%g", seconds))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .nanoseconds(Int64(seconds * 1e9)), logger: logger)
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw ScrapeError("\(url): no answer within the scrape timeout of \(config.timeout)")
        } catch {
            throw ScrapeError("cannot scrape \(url): \(error)")
        }
        guard response.status == .ok else {
            throw ScrapeError("\(url) answered \(response.status.code) \(response.status.reasonPhrase)")
        }
        do {
            let body = try await response.body.collect(upTo: limits.maxDecompressedBytes)
            return (body, response.headers.first(name: "content-type"))
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw ScrapeError("\(url): body not complete within the scrape timeout of \(config.timeout)")
        } catch {
            throw ScrapeError("reading the body of \(url) failed (larger than \(limits.maxDecompressedBytes) bytes?): \(error)")
        }
    }

    /// Adds `job`, `instance` and the target's labels; a scraped label of the same name is kept
    /// as `exported_<name>` (Prometheus with `honor_labels: false`).
    func relabel(_ series: LabelSet) -> LabelSet {
        var attached = target.labels
        attached["job"] = config.jobName
        attached["instance"] = target.address
        var labels: [Label] = []
        labels.reserveCapacity(series.count + attached.count)
        for label in series {
            if attached[label.name] != nil {
                labels.append(Label(name: "exported_" + label.name, value: label.value))
            } else {
                labels.append(label)
            }
        }
        for (name, value) in attached where !value.isEmpty {
            labels.append(Label(name: name, value: value))
        }
        return LabelSet(labels)
    }
}

/// Why a scrape failed, in words that name the target.
public struct ScrapeError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Names of the per-target scrape metrics in `/metrics`.
public enum ScrapeMetricNames {
    public static let up = "correlator_scrape_up"
    public static let duration = "correlator_scrape_duration_seconds"
    public static let exemplars = "correlator_scrape_exemplars"
    public static let failures = "correlator_scrape_failures_total"
}

extension Result {
    var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
