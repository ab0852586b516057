import Correlator
import GRPCCore
import Hummingbird
import Logging
import Metrics
import NIOCore

/// The OTLP/gRPC receiver: `opentelemetry.proto.collector.trace.v1.TraceService/Export`,
/// `…metrics.v1.MetricsService/Export` and `…profiles.v1development.ProfilesService/Export`,
/// registered by hand over our own message codecs (``OTLPExportDeserializer``).
///
/// Each call takes the path of its HTTP twin, step for step: the caller from the
/// `x-scope-orgid` and `authorization` metadata (``TenantMiddleware/caller(auth:tenantHeader:authorization:scope:what:)``),
/// the tenant's request rate, a slot of the signal's writer within `write_timeout`, the message
/// (within the route's `max_body_bytes`, decoded by the signal's shared ingest path), the
/// tenant's byte rate, and the shared store; the response goes out after the commit. The
/// ``IngestGate`` is the HTTP router's own, so rates and writer slots are shared by both ports.
/// Refusals end the call with the status OTLP pairs with the HTTP answer
/// (``RPCError/init(refusal:)``): `INVALID_ARGUMENT`, `UNAUTHENTICATED`, `PERMISSION_DENIED`,
/// `RESOURCE_EXHAUSTED`, `UNAVAILABLE` (retryable, with its delay). grpc-swift answers unknown
/// methods `UNIMPLEMENTED`.
struct OTLPGRPCReceiver: RegistrableRPCService {
    /// One export method: its descriptor, the HTTP route whose `max_body_bytes` is its largest
    /// message, and the writer that stores it.
    struct ExportMethod: Sendable {
        let descriptor: MethodDescriptor
        let httpRoute: String
        let writer: RouteAccess.Writer

        /// `/package.Service/Method`, the HTTP/2 `:path` and the `route` of the limit counters.
        var path: String { "/" + descriptor.fullyQualifiedMethod }

        init(service: String, httpRoute: String, writer: RouteAccess.Writer) {
            self.descriptor = MethodDescriptor(service: ServiceDescriptor(fullyQualifiedService: service), method: "Export")
            self.httpRoute = httpRoute
            self.writer = writer
        }
    }

    static let traceExport = ExportMethod(service: "opentelemetry.proto.collector.trace.v1.TraceService", httpRoute: "/v1/traces", writer: .traces)
    static let metricsExport = ExportMethod(service: "opentelemetry.proto.collector.metrics.v1.MetricsService", httpRoute: "/v1/metrics", writer: .exemplars)
    static let profilesExport = ExportMethod(
        service: "opentelemetry.proto.collector.profiles.v1development.ProfilesService", httpRoute: "/v1development/profiles", writer: .profiles
    )
    static let methods = [traceExport, metricsExport, profilesExport]

    let traces: TraceIngest<Store>
    let metrics: OTLPMetricsIngest
    let profiles: OTLPProfilesIngest
    let gate: IngestGate
    let auth: AuthConfiguration
    let logger = Logger(label: "correlator.grpc")

    var limits: IngestLimits { gate.limits }

    /// The receiver `buildApplication` serves: the signals' shared ingest paths over the store,
    /// and the HTTP router's gate.
    init(store: Store, configuration: CorrelatorConfiguration, gate: IngestGate) {
        self.traces = TraceIngest(store: store, configuration: configuration, refusals: gate.refusals)
        self.metrics = OTLPMetricsIngest(store: store, limits: configuration.limits, idKeys: configuration.exemplars.idKeys)
        self.profiles = OTLPProfilesIngest(profiles: ProfileController(store: store, limits: configuration.limits))
        self.gate = gate
        self.auth = configuration.auth
    }

    /// The largest message of any method, for the transport's own limit.
    var maxMessageBytes: Int {
        Self.methods.map { limits.maxBodyBytes(route: $0.httpRoute) }.max() ?? limits.maxBodyBytes
    }

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let (traces, metrics, profiles) = (self.traces, self.metrics, self.profiles)
        register(Self.traceExport, with: &router) { bytes in
            try traces.decode(protobuf: bytes)
        } store: { decoded, tenant in
            try await traces.store(decoded, tenant: tenant, route: Self.traceExport.path)
        }
        register(Self.metricsExport, with: &router) { bytes in
            try metrics.decode(protobuf: bytes)
        } store: { decoded, tenant in
            try await metrics.store(decoded, tenant: tenant)
            return AcceptedExportResponse()
        }
        register(Self.profilesExport, with: &router) { bytes in
            try profiles.decode(ByteBuffer(bytes: bytes))
        } store: { decoded, tenant in
            try await profiles.store(decoded, tenant: tenant)
            return AcceptedExportResponse()
        }
    }

    private func register<Transport: ServerTransport, Decoded: Sendable, Response: OTLPExportResponse>(
        _ method: ExportMethod, with router: inout RPCRouter<Transport>,
        decode: @escaping @Sendable (UnsafeRawBufferPointer) throws -> Decoded,
        store: @escaping @Sendable (Decoded, String) async throws -> Response
    ) {
        let deserializer = OTLPExportDeserializer(maxMessageBytes: limits.maxBodyBytes(route: method.httpRoute), route: method.path, decode: decode)
        router.registerHandler(forMethod: method.descriptor, deserializer: deserializer, serializer: OTLPExportResponseSerializer<Response>()) { request, _ in
            let response = try await export(request, method: method, store: store)
            return StreamingServerResponse(single: ServerResponse(message: response))
        }
    }

    /// One export call, as its HTTP twin takes it through `TenantMiddleware`, `IngestGate` and
    /// the controller.
    func export<Decoded: Sendable, Response: OTLPExportResponse>(
        _ request: StreamingServerRequest<OTLPExportRequest<Decoded>>, method: ExportMethod,
        store: @escaping @Sendable (Decoded, String) async throws -> Response
    ) async throws -> Response {
        let route = method.path
        // Known once the caller is: refusals before that (authentication) are not ingest
        // refusals, as on HTTP, where `TenantMiddleware` runs before the gate.
        var knownTenant: String?
        do {
            let metadata = request.metadata
            let caller = try TenantMiddleware.caller(
                auth: auth, tenantHeader: metadata[stringValues: "x-scope-orgid"].first { _ in true },
                authorization: metadata[stringValues: "authorization"].first { _ in true }, scope: .ingest, what: route
            )
            let tenant = caller.tenant
            knownTenant = tenant
            try gate.admitRequest(tenant: tenant, route: route)
            let gate = self.gate
            let response = try await gate.withWriter(method.writer, tenant: tenant, route: route) {
                // Reading the message runs the deserializer: the size limit and the decoder.
                let message = try await ServerRequest(stream: request).message
                try gate.admitBytes(message.messageBytes, tenant: tenant, route: route)
                return try await store(message.decoded, tenant)
            }
            Self.count(route, code: "ok")
            return response
        } catch {
            let failure = rpcError(error, route: route)
            if let knownTenant, Self.isRefusal(failure.code) {
                gate.refusals.refused(route: route, tenant: knownTenant, status: "\(failure.code)", reason: failure.message)
            }
            Self.count(route, code: "\(failure.code)")
            throw failure
        }
    }

    private func rpcError(_ error: any Error, route: String) -> RPCError {
        switch error {
        case let error as RPCError:
            return error
        case let error as HTTPError:
            return RPCError(refusal: error)
        case is CancellationError:
            return RPCError(code: .cancelled, message: "the call was cancelled before its data was stored")
        default:
            logger.error("OTLP/gRPC export failed", metadata: ["method": "\(route)", "error": "\(String(reflecting: error))"])
            return RPCError(code: .internalError, message: "\(route) failed on the server; see its log")
        }
    }

    /// Whether a call ended with `code` was refused for what the client sent (the codes
    /// ``RPCStatus/Code/init(refusal:)`` gives a 4xx), not failed by the server.
    static func isRefusal(_ code: RPCError.Code) -> Bool {
        [.invalidArgument, .resourceExhausted, .permissionDenied, .unauthenticated].contains(code)
    }

    /// `correlator_grpc_requests_total{method, code}`.
    private static func count(_ route: String, code: String) {
        Counter(label: "correlator_grpc_requests_total", dimensions: [("method", route), ("code", code)]).increment()
    }
}
