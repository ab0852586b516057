import Correlator
import Exemplars
import Foundation
import Hummingbird

/// `GET /api/v1/traces/{id}/explain[?span_id=]`: why the request was slow, as ranked causes
/// with their evidence (``RequestExplainer``). The span is the trace's root unless `span_id`
/// names another (an exemplar's span).
struct ExplainController {
    let explainer: RequestExplainer

    func addRoutes(to router: Router<CorrelatorRequestContext>) {
        router.get("/api/v1/traces/:id/explain") { request, context in
            try await explain(request, context: context)
        }
    }

    @Sendable func explain(_ request: Request, context: CorrelatorRequestContext) async throws -> ExplanationResponse {
        let text = try HexID.trace(context.parameters.require("id"))
        guard let traceID = TraceID(hex: text) else {
            throw HTTPError(.badRequest, message: "trace id: '\(text.prefix(80))' is not a trace id (32 hex digits, not all zero)")
        }
        let spanID = try QueryParameters(request).string("span_id").map { text -> SpanID in
            guard let id = SpanID(hex: try HexID.span(text)) else {
                throw HTTPError(.badRequest, message: "span_id: '\(text.prefix(40))' is not a span id (16 hex digits, not all zero)")
            }
            return id
        }
        let explanation = try await withDatabaseErrors {
            try await explainer.explain(tenant: context.tenant, traceID: traceID, spanID: spanID)
        }
        guard let explanation else {
            throw HTTPError(.notFound, message: spanID.map { "span \($0.hexString) of trace \(text) is unknown" } ?? "trace \(text) has no span stored")
        }
        return ExplanationResponse(explanation: explanation)
    }
}

struct ExplanationResponse: ResponseEncodable, Sendable {
    var explanation: RequestExplanation

    func encode(to encoder: any Encoder) throws {
        try explanation.encode(to: encoder)
    }
}
