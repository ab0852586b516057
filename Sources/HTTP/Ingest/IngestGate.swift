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
    /// Refusals (4xx) told to the operator, HTTP and gRPC alike.
    let refusals: RefusalLog

    /// Seconds a client is asked to wait after a 503.
    static let retryAfterSeconds = 5

    init(limits: IngestLimits, refusals: RefusalLog = RefusalLog()) {
        self.limits = limits
        self.refusals = refusals
        self.rateLimiter = TenantRateLimiter(limits: limits)
        // A tenth of the timeout, 10 ms to 100 ms: a timed-out write is cancelled at most that late.
        self.deadlines = RequestDeadlines(tick: min(max(limits.writeTimeout / 10, .milliseconds(10)), .milliseconds(100)))
        self.queues = Dictionary(uniqueKeysWithValues: RouteAccess.Writer.allCases.map {
            ($0, WriterQueue(capacity: limits.maxConcurrentWrites, maxWaiting: limits.maxQueuedWrites))
        })
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard case .ingest(let writer) = RouteAccess(method: request.method, path: path), queues[writer] != nil else {
            return try await next(request, context)
        }
        let response: Response
        do {
            response = try await gate(request, context: context, writer: writer, next: next)
        } catch {
            refusals.refused(route: path, tenant: context.tenant, error: error)
            guard let error = error as? HTTPError else { throw error }
            if path == "/push.v1.PusherService/Push" {
                // Connect clients read errors as {"code", "message"}.
                throw ConnectError(error)
            }
            // OTLP/HTTP clients read a google.rpc.Status in the request's encoding.
            if writer == .traces || path == "/v1/metrics", let encoding = OTLPEncoding(contentType: request.headers[.contentType]) {
                return encoding.response(error)
            }
            throw error
        }
        if (400..<500).contains(response.status.code) {
            refusals.refused(route: path, tenant: context.tenant, status: "\(response.status.code)", reason: "answered \(response.status) (the reason is in the body)")
        }
        return response
    }

    private func gate(
        _ request: Request, context: Context, writer: RouteAccess.Writer,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        let route = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        try admitRequest(tenant: context.tenant, route: route)
        let maxBody = limits.maxBodyBytes(route: route)
        let declaredLength = request.headers[.contentLength].flatMap(Int.init)
        if let length = declaredLength, length > maxBody {
            throw Self.refusal(.contentTooLarge, limit: "max_body_bytes", route: route, message: "request body of \(length) bytes exceeds the limit of \(maxBody) bytes (max_body_bytes)")
        }
        // The byte rate is charged on the declared length, before the body is read: a tenant
        // over its rate costs neither the upload's time nor its memory. Chunked bodies (no
        // Content-Length) are charged once read.
        if let length = declaredLength {
            try admitBytes(length, tenant: context.tenant, route: route)
        }
        // `withWriter` returns only after its work has ended, so `next` does not outlive this
        // call; the work calls it at most once, while this task just awaits.
        let response = try await withoutActuallyEscaping(next) { escapable in
            nonisolated(unsafe) let next = escapable
            return try await withWriter(writer, tenant: context.tenant, route: route) {
                try await admitted(request, context: context, route: route, maxBody: maxBody, chargeBytes: declaredLength == nil, next: next)
            }
        }
        if response.status == .contentTooLarge {
            LimitMetrics.hit("decoded_payload", route: route)
        }
        return response
    }

    private func admitted(
        _ request: Request, context: Context, route: String, maxBody: Int, chargeBytes: Bool,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBody)
        } catch let error where RequestBody.isTooLarge(error) {
            throw Self.refusal(.contentTooLarge, limit: "max_body_bytes", route: route, message: "request body exceeds the limit of \(maxBody) bytes (max_body_bytes)")
        }
        if chargeBytes {
            try admitBytes(body.readableBytes, tenant: context.tenant, route: route)
        }
        request.body = .init(buffer: body)
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            if error.status == .contentTooLarge { LimitMetrics.hit("decoded_payload", route: route) }
            throw error
        }
    }

    // MARK: - The gate's steps, for every receiver (HTTP above, gRPC in OTLPGRPCReceiver)

    /// Takes one request from `tenant`'s request rate, before its body is read; 429 with
    /// `Retry-After` when over.
    func admitRequest(tenant: String, route: String) throws {
        try Self.refuseIfLimited(rateLimiter.admitRequest(tenant: tenant), tenant: tenant, route: route)
    }

    /// Runs `work` holding a slot of `writer` and within `write_timeout`: 503 with
    /// `Retry-After` when the writer's line is full, or when the work (waiting in line
    /// included) failed past the timeout, cancelled and rolled back. Work that succeeds late
    /// has committed and its result is returned (see ``RequestDeadlines``).
    func withWriter<Value: Sendable>(
        _ writer: RouteAccess.Writer, tenant: String, route: String, _ work: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        guard let queue = queues[writer] else { return try await work() }
        let timeout = limits.writeTimeout
        let result = try await deadlines.run(timeout: timeout) { () async throws -> Value in
            switch try await queue.enter() {
            case .full:
                throw Self.refusal(.serviceUnavailable, limit: "max_queued_writes", route: route, retryAfter: Self.retryAfterSeconds, message: "the writer is saturated (max_concurrent_writes \(queue.capacity), max_queued_writes \(queue.maxWaiting)); retry later")
            case .admitted:
                break
            }
            defer { queue.leave() }
            return try await work()
        }
        guard let result else {
            logger.warning("ingest request timed out; answering 503", metadata: ["route": "\(route)", "tenant": "\(tenant)", "write_timeout": "\(timeout)"])
            throw Self.refusal(
                .serviceUnavailable, limit: "write_timeout", route: route, retryAfter: Self.retryAfterSeconds,
                message: "the \(writer.rawValue) writer did not finish within \(timeout) (write_timeout): PostgreSQL was slow or unreachable, "
                    + "so the write was cancelled (its statement by PostgreSQL's statement_timeout) and rolled back; nothing was stored, retry later"
            )
        }
        return result
    }

    /// Charges `count` body bytes to the tenant's byte rate; 429 with `Retry-After` when over.
    func admitBytes(_ count: Int, tenant: String, route: String) throws {
        try Self.refuseIfLimited(rateLimiter.admitBytes(tenant: tenant, count: count), tenant: tenant, route: route)
    }

    private static func refuseIfLimited(_ verdict: TenantRateLimiter.Verdict, tenant: String, route: String) throws {
        if case .limited(let limit, let seconds) = verdict {
            throw refusal(.tooManyRequests, limit: limit, route: route, retryAfter: seconds, message: "tenant '\(tenant)' is over its ingest rate (\(limit)); retry in \(seconds) s")
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
