import Hummingbird

/// A profile upload the server refuses: what was wrong and where. Answered with `status`
/// (400 unless a limit was exceeded).
struct ProfileIngestError: Error, HTTPResponseError, CustomStringConvertible {
    let status: HTTPResponse.Status
    let message: String

    init(_ message: String, status: HTTPResponse.Status = .badRequest) {
        self.message = message
        self.status = status
    }

    var description: String { message }

    /// `{"error":{"message":"…"}}`, like every other route.
    func response(from request: Request, context: some RequestContext) throws -> Response {
        try HTTPError(status, message: message).response(from: request, context: context)
    }
}
