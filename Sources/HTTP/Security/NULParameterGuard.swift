import Hummingbird

/// Refuses a request whose query parameters hold a NUL character with a 400 naming the
/// parameter (an HTML error page under `/ui`): PostgreSQL text cannot hold NUL, so such a value would otherwise fail a query
/// with a 500, and no name, label or id a user means holds one.
struct NULParameterGuard<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let query = request.uri.query, query.contains("%00") || query.contains("\u{0}") {
            let component = query.split(separator: "&").first { $0.contains("%00") || $0.contains("\u{0}") } ?? Substring(query)
            let name = component.split(separator: "=", maxSplits: 1).first ?? component
            let message = "query parameter '\(name.replacingOccurrences(of: "\u{0}", with: "\\0").prefix(60))' holds a NUL character"
            // The pages answer with a page, as every other refusal of theirs.
            if request.uri.path == "/ui" || request.uri.path.hasPrefix("/ui/") {
                return UIRenderer.shared.error(.badRequest, heading: "Bad request", message: message)
            }
            throw HTTPError(.badRequest, message: message)
        }
        return try await next(request, context)
    }
}
