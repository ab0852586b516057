import Correlator
import Hummingbird
import Logging
import Metrics
import NIOCore

/// The ingest routes' front door, after authentication: per-tenant rate limits (429 with
/// `Retry-After`), the route's body size limit (413), and a bounded queue per writer with a
/// deadline (503 with `Retry-After` when the writer is saturated or PostgreSQL is slow or down).
/// A request is answered 2xx only by its controller, after its rows are committed.
///
/// Every refusal is counted in `correlator_limit_hits_total{limit, route}`.
struct IngestGate: RouterMiddleware {
    typealias Context = CorrelatorRequestContext

    let limits: IngestLimits
    let rateLimiter: TenantRateLimiter
    let queues: [RouteAccess.Writer: WriterQueue]
    let deadlines: RequestDeadlines
    let logger = Logger(label: "correlator.ingest")

    /// Seconds a client is asked to wait after a 503.
    static let retryAfterSeconds = 5

    init(limits: IngestLimits) {
        self.limits = limits
        self.rateLimiter = TenantRateLimiter(limits: limits)
        // A tenth of the timeout, 10 ms to 100 ms: a timed-out write is cancelled at most that late.
        self.deadlines = RequestDeadlines(tick: min(max(limits.writeTimeout / 10, .milliseconds(10)), .milliseconds(100)))
        self.queues = Dictionary(uniqueKeysWithValues: RouteAccess.Writer.allCases.map {
            ($0, WriterQueue(capacity: limits.maxConcurrentWrites, maxWaiting: limits.maxQueuedWrites))
        })
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard case .ingest(let writer) = RouteAccess(method: request.method, path: path), let queue = queues[writer] else {
            return try await next(request, context)
        }
        do {
            return try await gate(request, context: context, writer: writer, queue: queue, next: next)
        } catch let error as HTTPError where writer == .traces {
            // OTLP/HTTP clients read a google.rpc.Status in the request's encoding.
            guard let encoding = OTLPEncoding(contentType: request.headers[.contentType]) else { throw error }
            let code: RPCStatus.Code = switch error.status {
            case .contentTooLarge, .tooManyRequests: .resourceExhausted
            case .serviceUnavailable: .unavailable
            default: .invalidArgument
            }
            return encoding.response(error.status, RPCStatus(code: code, message: error.body ?? "\(error.status)"), headers: error.headers)
        }
    }

    private func gate(
        _ request: Request, context: Context, writer: RouteAccess.Writer, queue: WriterQueue,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        let route = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        if case .limited(let limit, let seconds) = rateLimiter.admitRequest(tenant: context.tenant) {
            throw Self.refusal(.tooManyRequests, limit: limit, route: route, retryAfter: seconds, message: "tenant '\(context.tenant)' is over its ingest rate (\(limit)); retry in \(seconds) s")
        }
        let maxBody = limits.maxBodyBytes(route: route)
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBody {
            throw Self.refusal(.contentTooLarge, limit: "max_body_bytes", route: route, message: "request body of \(length) bytes exceeds the limit of \(maxBody) bytes (max_body_bytes)")
        }
        let timeout = limits.writeTimeout
        // The children end before the group returns, so `next` does not outlive this call; only
        // the first child calls it, once, while this task just awaits the group.
        // `run` returns only after its task has ended, so `next` does not outlive this call.
        let response: Response? = try await withoutActuallyEscaping(next) { escapable in
            nonisolated(unsafe) let next = escapable
            return try await deadlines.run(timeout: timeout) {
                try await admitted(request, context: context, route: route, maxBody: maxBody, queue: queue, next: next)
            }
        }
        guard let response else {
            logger.warning("ingest request timed out; answering 503", metadata: ["route": "\(route)", "tenant": "\(context.tenant)", "write_timeout": "\(timeout)"])
            throw Self.refusal(
                .serviceUnavailable, limit: "write_timeout", route: route, retryAfter: Self.retryAfterSeconds,
                message: "the \(writer.rawValue) writer did not finish within \(timeout) (write_timeout): PostgreSQL was slow or unreachable, "
                    + "so the write was cancelled (its statement by PostgreSQL's statement_timeout) and rolled back; nothing was stored, retry later"
            )
        }
        if response.status == .contentTooLarge {
            LimitMetrics.hit("decoded_payload", route: route)
        }
        return response
    }

    private func admitted(
        _ request: Request, context: Context, route: String, maxBody: Int, queue: WriterQueue,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        switch try await queue.enter() {
        case .full:
            throw Self.refusal(.serviceUnavailable, limit: "max_queued_writes", route: route, retryAfter: Self.retryAfterSeconds, message: "the writer is saturated (max_concurrent_writes \(queue.capacity), max_queued_writes \(queue.maxWaiting)); retry later")
        case .admitted:
            break
        }
        defer { queue.leave() }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBody)
        } catch let error where RequestBody.isTooLarge(error) {
            throw Self.refusal(.contentTooLarge, limit: "max_body_bytes", route: route, message: "request body exceeds the limit of \(maxBody) bytes (max_body_bytes)")
        }
        if case .limited(let limit, let seconds) = rateLimiter.admitBytes(tenant: context.tenant, count: body.readableBytes) {
            throw Self.refusal(.tooManyRequests, limit: limit, route: route, retryAfter: seconds, message: "tenant '\(context.tenant)' is over its ingest rate (\(limit)); retry in \(seconds) s")
        }
        request.body = .init(buffer: body)
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            if error.status == .contentTooLarge { LimitMetrics.hit("decoded_payload", route: route) }
            throw error
        }
    }

    static func refusal(_ status: HTTPResponse.Status, limit: String, route: String, retryAfter: Int? = nil, message: String) -> HTTPError {
        LimitMetrics.hit(limit, route: route)
        var headers = HTTPFields()
        if let retryAfter { headers[.retryAfter] = "\(retryAfter)" }
        return HTTPError(status, headers: headers, message: message)
    }
}

/// `correlator_limit_hits_total{limit, route}`: requests refused by a configured limit.
enum LimitMetrics {
    static func hit(_ limit: String, route: String) {
        Counter(label: "correlator_limit_hits_total", dimensions: [("limit", limit), ("route", route)]).increment()
    }
}
