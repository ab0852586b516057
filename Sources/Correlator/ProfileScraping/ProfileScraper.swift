import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import ProfileIndex
import ServiceLifecycle

/// Pulls pprof profiles from Go `net/http/pprof` endpoints, as Parca does: one loop per job,
/// target and profile kind, each on its own schedule, so a down or slow target never holds up
/// the others. Each profile is stored under the job's service with `job` and `instance` labels;
/// `correlator_profile_scrape_up{job,instance,profile}` says whether the last pull worked.
public struct ProfileScraper: Service {
    let store: Store
    let configs: [ProfileScrapeConfig]
    let limits: IngestLimits
    let httpClient: HTTPClient
    let logger: Logger

    public init(store: Store, configs: [ProfileScrapeConfig], limits: IngestLimits, httpClient: HTTPClient = .shared, logger: Logger) {
        self.store = store
        self.configs = configs
        self.limits = limits
        self.httpClient = httpClient
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for config in configs {
                    for target in config.targets {
                        for profile in config.profiles {
                            group.addTask { await loop(config: config, target: target, profile: profile) }
                        }
                    }
                }
            }
        }
    }

    private func loop(config: ProfileScrapeConfig, target: String, profile: ProfileScrapeConfig.Target) async {
        let clock = ContinuousClock()
        // Spread the first pulls over the interval so targets are not all hit at once.
        let offset = Double(abs((config.jobName + target + profile.kind.rawValue).hashValue) % 1000) / 1000
        var next = clock.now + .milliseconds(Int64(offset * 1000 * min(1, config.interval / .seconds(1))))
        while !Task.isCancelled {
            do { try await Task.sleep(until: next, clock: clock) } catch { return }
            next = next + config.interval
            await scrapeOnce(config: config, target: target, profile: profile)
            if clock.now > next { next = clock.now }
        }
    }

    /// Pulls one profile from one target and stores it. Returns the stored profile id, or nil
    /// when the target was down or sent something unusable (logged, `up` set to 0).
    @discardableResult
    public func scrapeOnce(config: ProfileScrapeConfig, target: String, profile: ProfileScrapeConfig.Target) async -> String? {
        let up = Gauge(
            label: "correlator_profile_scrape_up",
            dimensions: [("job", config.jobName), ("instance", target), ("profile", profile.kind.rawValue)]
        )
        let url = config.url(target: target, profile: profile)
        let started = Date()
        do {
            let request = HTTPClientRequest(url: url)
            let timeout = config.requestTimeout(for: profile)
            let response = try await httpClient.execute(request, timeout: .nanoseconds(Int64(timeout / .nanoseconds(1))))
            guard response.status == .ok else {
                throw ProfileScrapeError(url: url, reason: "HTTP \(response.status.code)")
            }
            let body = try await response.body.collect(upTo: limits.maxBodyBytes)
            let decoded: Profile
            do {
                decoded = try PprofDecoder(limits: .init(maxDecompressedBytes: limits.maxDecompressedBytes)).decode(body)
            } catch {
                throw ProfileScrapeError(url: url, reason: "not a pprof profile: \(error)")
            }
            if let key = decoded.labelKeyHoldingNUL {
                throw ProfileScrapeError(url: url, reason: "sample label '\(key)' holds a NUL byte, which PostgreSQL text cannot store")
            }
            var labels = config.labels
            labels.removeValue(forKey: "service")
            labels["job"] = config.jobName
            labels["instance"] = target
            let startNanos = decoded.timeNanos != 0 ? decoded.timeNanos : Int64(started.timeIntervalSince1970 * 1e9)
            let upload = ProfileUpload(
                tenant: config.tenant, profileID: UUID().uuidString.lowercased(), service: config.service, kind: profile.kind,
                startNanos: startNanos, durationNanos: decoded.durationNanos, labels: labels, raw: body, profile: decoded
            )
            _ = try await store.writeProfiles([upload])
            up.record(1)
            logger.debug("scraped profile", metadata: ["url": "\(url)", "profile_id": "\(upload.profileID)", "bytes": "\(body.readableBytes)"])
            return upload.profileID
        } catch {
            up.record(0)
            logger.warning("profile scrape failed", metadata: ["job": "\(config.jobName)", "url": "\(url)", "error": "\(error)"])
            return nil
        }
    }
}

/// Why a profile pull failed.
public struct ProfileScrapeError: Error, Sendable, CustomStringConvertible {
    public let url: String
    public let reason: String
    public var description: String { "\(url): \(reason)" }
}
