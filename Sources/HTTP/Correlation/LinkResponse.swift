import Correlator
import Foundation
import Hummingbird
import NIOCore
import ProfileIndex

/// One link as the API renders it.
struct LinkResponse: Codable, Sendable {
    var kind: String
    var traceID: String
    var spanID: String
    var spanName: String
    var service: String
    var profileID: String
    var profileType: String
    var start: String
    var end: String
    var overlap: Double?
    /// `span` when ``top`` is the span's own samples, `profile` when it is the whole profile's.
    var topScope: String
    var top: [TopFunction]
    var jump: [String: String]

    enum CodingKeys: String, CodingKey {
        case kind, traceID = "trace_id", spanID = "span_id", spanName = "span_name", service
        case profileID = "profile_id", profileType = "profile_type", start, end, overlap
        case topScope = "top_scope", top, jump
    }

    init(_ link: ProfileLink, templates: JumpLinkTemplates) {
        kind = link.kind.rawValue
        traceID = link.traceID
        spanID = link.spanID
        spanName = link.spanName
        service = link.service
        profileID = link.profileID
        profileType = link.profileType
        start = Timestamp.rfc3339(link.startNanos)
        end = Timestamp.rfc3339(link.endNanos)
        overlap = link.overlap
        topScope = link.topIsSpans ? "span" : "profile"
        top = link.top
        jump = JumpURLs.urls(for: link, templates: templates)
    }
}

/// The built-in views of a link and the configured external ones.
enum JumpURLs {
    static func urls(for link: ProfileLink, templates: JumpLinkTemplates) -> [String: String] {
        let id = link.profileID.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? link.profileID
        let spanQuery = link.topIsSpans && !link.spanID.isEmpty ? "?span_id=\(link.spanID)" : ""
        var urls = templates.render(link)
        urls["profile"] = "/ui/profiles/\(id)\(spanQuery)"
        urls["flamegraph"] = "/api/v1/profiles/\(id)/flamegraph\(spanQuery)"
        urls["pprof"] = "/api/v1/profiles/\(id)/pprof"
        urls["trace"] = "/api/v1/traces/\(link.traceID)"
        return urls
    }
}

/// `{"trace_id","links":[…],"reason"?}`, written by hand: `JSONEncoder` was 6.5 % of the
/// server's CPU on `/api/v1/traces/{id}/profiles` (perf, Benchmarks/correlation.sh), the
/// largest cost of the handler. The same document as ``LinkResponse``'s `Codable` form, which
/// `/api/v1/slow-requests` embeds (`LinkResponseJSONTests` decodes both and compares).
struct TraceLinksResponse: ResponseGenerator, Sendable {
    var traceID: String
    var links: [LinkResponse]
    var reason: String?

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: json()))
    }

    func json() -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 1024 + 1024 * links.count)
        buffer.writeStaticString("{\"trace_id\":")
        JSONText.appendString(traceID, to: &buffer)
        buffer.writeStaticString(",\"links\":[")
        for (index, link) in links.enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            link.appendJSON(to: &buffer)
        }
        buffer.writeStaticString("]")
        if let reason {
            buffer.writeStaticString(",\"reason\":")
            JSONText.appendString(reason, to: &buffer)
        }
        buffer.writeStaticString("}")
        return buffer
    }
}

extension LinkResponse {
    /// This link as its `Codable` form encodes it (keys as ``CodingKeys``; `overlap` absent when
    /// nil, as the synthesised `encodeIfPresent` leaves it).
    func appendJSON(to buffer: inout ByteBuffer) {
        buffer.writeStaticString("{\"kind\":"); JSONText.appendString(kind, to: &buffer)
        buffer.writeStaticString(",\"trace_id\":"); JSONText.appendString(traceID, to: &buffer)
        buffer.writeStaticString(",\"span_id\":"); JSONText.appendString(spanID, to: &buffer)
        buffer.writeStaticString(",\"span_name\":"); JSONText.appendString(spanName, to: &buffer)
        buffer.writeStaticString(",\"service\":"); JSONText.appendString(service, to: &buffer)
        buffer.writeStaticString(",\"profile_id\":"); JSONText.appendString(profileID, to: &buffer)
        buffer.writeStaticString(",\"profile_type\":"); JSONText.appendString(profileType, to: &buffer)
        buffer.writeStaticString(",\"start\":"); JSONText.appendString(start, to: &buffer)
        buffer.writeStaticString(",\"end\":"); JSONText.appendString(end, to: &buffer)
        if let overlap {
            // Clamped to 0…1 by the resolver; a non-finite value (which JSON cannot hold) is null.
            buffer.writeStaticString(",\"overlap\":")
            if overlap.isFinite { buffer.writeString(String(overlap)) } else { buffer.writeStaticString("null") }
        }
        buffer.writeStaticString(",\"top_scope\":"); JSONText.appendString(topScope, to: &buffer)
        buffer.writeStaticString(",\"top\":[")
        for (index, function) in top.enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            buffer.writeStaticString("{\"function\":"); JSONText.appendString(function.function, to: &buffer)
            buffer.writeStaticString(",\"file\":"); JSONText.appendString(function.file, to: &buffer)
            buffer.writeStaticString(",\"flat\":"); buffer.writeString(String(function.flat))
            buffer.writeStaticString(",\"cum\":"); buffer.writeString(String(function.cum))
            buffer.writeStaticString(",\"unit\":"); JSONText.appendString(function.unit, to: &buffer)
            buffer.writeStaticString("}")
        }
        buffer.writeStaticString("],\"jump\":{")
        for (index, (name, url)) in jump.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            JSONText.appendString(name, to: &buffer)
            buffer.writeStaticString(":")
            JSONText.appendString(url, to: &buffer)
        }
        buffer.writeStaticString("}}")
    }
}
