import HTTPTypes
import Hummingbird

/// Tells a request that no route takes what went wrong, instead of Hummingbird's empty 404:
/// 405 Method Not Allowed with `Allow` when its path is served for other methods (a `GET` of
/// `/api/v1/write`, as Prometheus answers too), 404 naming the method and path otherwise; a
/// POST to a Connect procedure no route takes (`/push.v1.PusherService/PushStream`) gets
/// Connect's `unimplemented`.
///
/// Added after every route, so it runs only in front of the router's not-found responder: every
/// request it sees matched no route.
struct UnroutedRequests: RouterMiddleware {
    typealias Context = CorrelatorRequestContext

    private let routes: [(path: RouterPath, methods: [HTTPRequest.Method])]

    /// `routes`: the router's, once all are added (`Router.routes`).
    init(routes: [Router<Context>.RouteDescription]) {
        var grouped: [(path: RouterPath, methods: [HTTPRequest.Method])] = []
        for route in routes {
            if let index = grouped.firstIndex(where: { $0.path == route.path }) {
                grouped[index].methods.append(route.method)
            } else {
                grouped.append((route.path, [route.method]))
            }
        }
        // The router answers HEAD for every GET route (`.autoGenerateHeadEndpoints`).
        for index in grouped.indices where grouped[index].methods.contains(.get) && !grouped[index].methods.contains(.head) {
            grouped[index].methods.append(.head)
        }
        self.routes = grouped
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let allowed = methods(servedAt: path)
        guard !allowed.isEmpty else {
            if request.method == .post, Self.isConnectProcedure(path) {
                // A Connect client (Pyroscope's SDKs, Alloy, Grafana) reads Connect's error shape.
                throw ConnectError(.unimplemented, "\(path.dropFirst().prefix(200)) is not a method this server implements")
            }
            throw HTTPError(.notFound, message: "no route for \(request.method) \(path.prefix(200)); the API is described at /openapi.yaml")
        }
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        throw HTTPError(
            .methodNotAllowed, headers: [.allow: list],
            message: "\(request.method) is not allowed on \(path.prefix(200)); it takes \(list)"
        )
    }

    /// `/<package>.<Service>/<Method>`, the path of a Connect (or gRPC) procedure.
    static func isConnectProcedure(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0].isEmpty && parts[1].contains(".") && !parts[2].isEmpty
            && parts[2].first?.isUppercase == true
    }

    /// The methods of the routes whose path matches `path`, sorted by name.
    func methods(servedAt path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        var methods: Set<HTTPRequest.Method> = []
        for route in routes where Self.matches(route.path, segments) {
            methods.formUnion(route.methods)
        }
        return methods.sorted { $0.rawValue < $1.rawValue }
    }

    private static func matches(_ route: RouterPath, _ segments: [Substring]) -> Bool {
        for (index, element) in route.components.enumerated() {
            if element == .recursiveWildcard { return index < segments.count }
            guard index < segments.count, element ~= segments[index] else { return false }
        }
        return route.components.count == segments.count
    }
}
