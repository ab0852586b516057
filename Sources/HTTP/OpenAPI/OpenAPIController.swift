import Hummingbird

/// Serves the OpenAPI 3.1 description of every route at `/openapi.yaml`.
struct OpenAPIController {
    func addRoutes(to router: Router<CorrelatorRequestContext>) {
        router.get("/openapi.yaml") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml))
            )
        }
    }
}
