import Correlator
import NIOConcurrencyHelpers
import NIOCore

/// Per-tenant token buckets on ingest requests and bytes. A bucket may go into debt by one
/// request's bytes (so a body larger than the burst is not refused forever); the next request
/// waits until the debt is paid, and is told how long in `Retry-After`.
final class TenantRateLimiter: Sendable {
    private struct Bucket {
        var requests: Double
        var bytes: Double
        var updated: NIODeadline
    }

    enum Verdict: Equatable {
        case allowed
        /// Over the rate: which limit, and the seconds until the tenant may send again.
        case limited(limit: String, retryAfterSeconds: Int)
    }

    private let limits: IngestLimits
    private let buckets = NIOLockedValueBox([String: Bucket]())
    /// Tenants tracked at most; idle, refilled buckets are forgotten past this.
    private let maxTenants = 10_000

    init(limits: IngestLimits) {
        self.limits = limits
    }

    /// Takes one request for `tenant`, before its body is read.
    func admitRequest(tenant: String, now: NIODeadline = .now()) -> Verdict {
        let rate = limits.rate(tenant: tenant)
        guard rate.requestsPerSecond > 0 else { return .allowed }
        return update(tenant: tenant, rate: rate, now: now) { bucket in
            guard bucket.requests >= 1 else {
                return .limited(limit: "ingest_requests_per_second", retryAfterSeconds: Self.seconds((1 - bucket.requests) / rate.requestsPerSecond))
            }
            bucket.requests -= 1
            return .allowed
        }
    }

    /// Takes `count` bytes for `tenant`, once its body is read.
    func admitBytes(tenant: String, count: Int, now: NIODeadline = .now()) -> Verdict {
        let rate = limits.rate(tenant: tenant)
        guard rate.bytesPerSecond > 0 else { return .allowed }
        return update(tenant: tenant, rate: rate, now: now) { bucket in
            guard bucket.bytes > 0 else {
                return .limited(limit: "ingest_bytes_per_second", retryAfterSeconds: Self.seconds(-bucket.bytes / rate.bytesPerSecond))
            }
            bucket.bytes -= Double(count)
            return .allowed
        }
    }

    private func update(tenant: String, rate: IngestRate, now: NIODeadline, _ body: (inout Bucket) -> Verdict) -> Verdict {
        let burstRequests = Self.burst(rate.burstRequests, rate.requestsPerSecond)
        let burstBytes = Self.burst(rate.burstBytes, rate.bytesPerSecond)
        return buckets.withLockedValue { buckets in
            var bucket = buckets[tenant] ?? Bucket(requests: burstRequests, bytes: burstBytes, updated: now)
            let elapsed = Double((now - bucket.updated).nanoseconds) / 1e9
            if elapsed > 0 {
                bucket.requests = min(burstRequests, bucket.requests + elapsed * rate.requestsPerSecond)
                bucket.bytes = min(burstBytes, bucket.bytes + elapsed * rate.bytesPerSecond)
                bucket.updated = now
            }
            let verdict = body(&bucket)
            if buckets.count >= maxTenants, buckets[tenant] == nil {
                // Forget tenants idle long enough that their buckets are full again.
                buckets = buckets.filter { now - $0.value.updated < .seconds(60) }
            }
            buckets[tenant] = bucket
            return verdict
        }
    }

    /// The configured burst, or one second's worth of the rate.
    private static func burst(_ configured: Double, _ rate: Double) -> Double {
        max(1, configured > 0 ? configured : rate)
    }

    private static func seconds(_ value: Double) -> Int {
        max(1, Int(value.rounded(.up)))
    }
}
