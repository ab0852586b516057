import HTTPTypes
import Hummingbird

/// The request context of every route: Hummingbird's core context plus the caller's tenant.
public struct CorrelatorRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The tenant every query and write of this request is scoped to.
    public var tenant: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.tenant = TenantMiddleware.defaultTenant
    }
}

/// Picks the tenant from `X-Scope-OrgID`, as Tempo and Pyroscope do (default `default`).
struct TenantMiddleware: RouterMiddleware {
    typealias Context = CorrelatorRequestContext
    static let defaultTenant = "default"
    static let header = HTTPField.Name("X-Scope-OrgID")!

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        if let value = request.headers[Self.header] {
            guard !value.isEmpty, value.utf8.count <= 150,
                  value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "/") })
            else {
                throw HTTPError(.badRequest, message: "X-Scope-OrgID: a tenant id is 1 to 150 printable ASCII characters without '/' or spaces")
            }
            context.tenant = value
        }
        return try await next(request, context)
    }
}
