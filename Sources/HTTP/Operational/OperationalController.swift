import Correlator
import Hummingbird

/// `/healthz` (the process is alive), `/readyz` (database reachable, migrations current) and
/// `/metrics` (Prometheus text exposition of everything swift-metrics records).
struct OperationalController {
    let store: Store

    func addRoutes(to router: Router<CorrelatorRequestContext>) {
        router.get("/healthz") { _, _ in
            "ok\n"
        }
        router.get("/readyz") { _, _ -> Response in
            if let reason = await store.readiness() {
                return Response(
                    status: .serviceUnavailable,
                    headers: [.contentType: "text/plain; charset=utf-8", .retryAfter: "5"],
                    body: .init(byteBuffer: ByteBuffer(string: "not ready: \(reason)\n"))
                )
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
        }
        router.get("/metrics") { _, _ -> Response in
            let bytes = MetricsRegistry.shared.emitToBuffer()
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes))
            )
        }
    }
}
