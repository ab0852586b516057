import Correlator
import Foundation
import HTTPTypes
import Hummingbird
import Metrics

/// The request context of every route: Hummingbird's core context plus the caller's tenant and
/// what the caller may do.
public struct CorrelatorRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The tenant every query and write of this request is scoped to.
    public var tenant: String
    /// The scopes the caller holds (all of them when authentication is off).
    public var scopes: Set<AuthScope>

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.tenant = TenantMiddleware.defaultTenant
        self.scopes = Set(AuthScope.allCases)
    }
}

/// Authenticates the caller and scopes the request to a tenant.
///
/// - Authentication off (no `auth.tokens`): `X-Scope-OrgID` picks the tenant, as Tempo and
///   Pyroscope do (default `default`).
/// - Authentication on: `Authorization: Bearer <token>` (or HTTP Basic with the token as the
///   password, for clients that only do Basic) names the tenant and scopes. No or an unknown
///   token → 401; a token without the route's scope, or an `X-Scope-OrgID` naming another
///   tenant → 403. `/healthz`, `/readyz`, `/metrics` and `/openapi.yaml` stay open.
struct TenantMiddleware: RouterMiddleware {
    typealias Context = CorrelatorRequestContext
    static let defaultTenant = "default"
    static let header = HTTPField.Name("X-Scope-OrgID")!

    let auth: AuthConfiguration

    init(auth: AuthConfiguration = AuthConfiguration()) {
        self.auth = auth
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        let access = RouteAccess(method: request.method, path: request.uri.path)
        let caller = try Self.caller(
            auth: auth, tenantHeader: request.headers[Self.header], authorization: request.headers[.authorization],
            scope: access.scope, what: request.uri.path
        )
        context.tenant = caller.tenant
        if let scopes = caller.scopes { context.scopes = scopes }
        return try await next(request, context)
    }

    /// Who a request acts for, from its `X-Scope-OrgID` and `Authorization` values (HTTP
    /// headers, or the gRPC receiver's `x-scope-orgid` and `authorization` metadata): its
    /// tenant, and with authentication on the scopes of its token (nil: all of them). A
    /// request needing no scope (`scope` nil) or made with authentication off is scoped by
    /// `X-Scope-OrgID` alone. `what` names the route or method in a 403.
    ///
    /// Throws 400 for a malformed tenant id, 401 for a missing or unknown token, 403 for a
    /// token of another tenant or without `scope`; each counted in
    /// `correlator_auth_failures_total{reason}`.
    static func caller(
        auth: AuthConfiguration, tenantHeader: String?, authorization: String?, scope: AuthScope?, what: String
    ) throws -> (tenant: String, scopes: Set<AuthScope>?) {
        var headerTenant: String?
        if let value = tenantHeader {
            guard AuthConfiguration.isValidTenant(value) else {
                throw HTTPError(.badRequest, message: "X-Scope-OrgID: a tenant id is 1 to 150 printable ASCII characters without '/' or spaces")
            }
            headerTenant = value
        }
        guard auth.isEnabled, let scope else {
            return (headerTenant ?? Self.defaultTenant, nil)
        }
        guard let presented = Self.credential(authorization) else {
            AuthMetrics.failure("missing")
            throw HTTPError(
                .unauthorized, headers: [.wwwAuthenticate: #"Bearer realm="correlator""#],
                message: "authentication required: send Authorization: Bearer <token>"
            )
        }
        guard let token = auth.token(matching: presented) else {
            AuthMetrics.failure("invalid")
            throw HTTPError(
                .unauthorized, headers: [.wwwAuthenticate: #"Bearer realm="correlator", error="invalid_token""#],
                message: "the bearer token is not valid"
            )
        }
        if let headerTenant, headerTenant != token.tenant {
            AuthMetrics.failure("tenant")
            throw HTTPError(.forbidden, message: "this token acts for tenant '\(token.tenant)', not '\(headerTenant)' (X-Scope-OrgID)")
        }
        guard token.scopes.contains(scope) else {
            AuthMetrics.failure("scope")
            throw HTTPError(.forbidden, message: "this token lacks the '\(scope.rawValue)' scope \(what) needs")
        }
        return (token.tenant, token.scopes)
    }

    /// The secret of `Bearer <token>`, or the password of `Basic base64(user:password)`.
    static func credential(_ header: String?) -> [UInt8]? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2 else { return nil }
        let scheme = parts[0].lowercased()
        let value = parts[1].trimmingCharacters(in: .whitespaces)
        if scheme == "bearer", !value.isEmpty {
            return Array(value.utf8)
        }
        if scheme == "basic", let decoded = Data(base64Encoded: value), let colon = decoded.firstIndex(of: UInt8(ascii: ":")) {
            let password = decoded[decoded.index(after: colon)...]
            return password.isEmpty ? nil : Array(password)
        }
        return nil
    }
}

/// `correlator_auth_failures_total{reason}`: missing or invalid tokens, wrong tenant, missing scope.
enum AuthMetrics {
    static func failure(_ reason: String) {
        Counter(label: "correlator_auth_failures_total", dimensions: [("reason", reason)]).increment()
    }
}
