import Correlator
import Foundation
import Hummingbird

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

struct TraceLinksResponse: ResponseEncodable, Sendable {
    var traceID: String
    var links: [LinkResponse]
    var reason: String?

    enum CodingKeys: String, CodingKey {
        case traceID = "trace_id", links, reason
    }
}
