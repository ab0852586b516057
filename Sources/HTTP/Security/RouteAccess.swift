import Correlator
import HTTPTypes

/// Which scope a request needs, and for ingest which writer takes it. One table for the whole
/// service, so a new route is read-only unless it is named here.
///
/// Open (no token): `/healthz`, `/readyz`, `/metrics` (probes and scrapers carry no tenant and
/// these expose no tenant data) and `/openapi.yaml` (the API description).
enum RouteAccess: Equatable {
    case open
    case read
    case ingest(Writer)
    case admin

    /// The writers whose concurrency is bounded separately: a stalled profile store does not
    /// hold up spans.
    enum Writer: String, CaseIterable {
        case traces
        case exemplars
        case profiles
    }

    static let openPaths: Set<String> = ["/healthz", "/readyz", "/metrics", "/openapi.yaml"]

    /// Ingest routes by path (all POST).
    static let ingestRoutes: [String: Writer] = [
        "/v1/traces": .traces,
        "/api/v1/write": .exemplars,
        "/api/v1/exemplars": .exemplars,
        "/v1/metrics": .exemplars,
        "/api/v1/profiles": .profiles,
        "/ingest": .profiles,
        "/v1development/profiles": .profiles,
        "/push.v1.PusherService/Push": .profiles,
    ]

    init(method: HTTPRequest.Method, path: String) {
        let path = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        if Self.openPaths.contains(path) {
            self = .open
        } else if method == .post, let writer = Self.ingestRoutes[path] {
            self = .ingest(writer)
        } else if path == "/-/reload" {
            self = .admin
        } else {
            // Queries, including POST /api/v1/query_exemplars, and pages.
            self = .read
        }
    }

    var scope: AuthScope? {
        switch self {
        case .open: nil
        case .read: .read
        case .ingest: .ingest
        case .admin: .admin
        }
    }
}
