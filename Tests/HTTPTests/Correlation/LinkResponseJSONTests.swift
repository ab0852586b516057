import Correlator
import Foundation
@testable import HTTP
import NIOCore
import Testing

/// `/api/v1/traces/{id}/profiles` writes its JSON by hand; `/api/v1/slow-requests` embeds the
/// same links through `JSONEncoder`. Both must say the same thing: each document here is
/// written both ways and parsed back with `JSONSerialization`, Foundation's own reader.
@Suite("Trace links JSON: the hand-written document equals JSONEncoder's")
struct LinkResponseJSONTests {
    /// The reference: ``TraceLinksResponse``'s fields through `JSONEncoder`.
    private struct Reference: Encodable {
        var traceID: String
        var links: [LinkResponse]
        var reason: String?

        enum CodingKeys: String, CodingKey {
            case traceID = "trace_id", links, reason
        }
    }

    private static func link(
        kind: ProfileLinkKind, spanName: String, service: String, profileID: String, overlap: Double?, top: [TopFunction]
    ) -> ProfileLink {
        ProfileLink(
            kind: kind, traceID: "5b8efff798038103d269b633813fc60c", spanID: "eee19b7ec3c1b174", spanName: spanName,
            service: service, profileID: profileID, profileType: "cpu", startNanos: 1_795_442_835_872_833_725,
            durationNanos: 10_000_000_000, overlap: overlap, top: top, topIsSpans: kind == .spanSamples
        )
    }

    static let documents: [(links: [ProfileLink], reason: String?)] = [
        ([], "no profiles for service checkout between 2026-11-23T14:07:15.872833725Z and 2026-11-23T14:07:16Z"),
        ([], nil),
        (
            [
                link(
                    kind: .spanSamples, spanName: "GET /checkout \"quoted\" \\ back\nline\ttab\u{01}", service: "chéckout ☕️",
                    profileID: "cpu/with slash?and=query", overlap: nil,
                    top: [
                        TopFunction(function: "main.(*Server).handle", file: "/src/main.go", flat: 1_200_000_000, cum: 9_000_000_000, unit: "nanoseconds"),
                        TopFunction(function: "runtime.mallocgc \u{1F}", file: "", flat: 0, cum: -1, unit: "nanoseconds"),
                    ]
                ),
                link(kind: .timeWindow, spanName: "", service: "", profileID: "p2", overlap: 0.3333333333333333, top: []),
                link(kind: .timeWindow, spanName: "x", service: "y", profileID: "p3", overlap: 1, top: []),
                link(kind: .exemplar, spanName: "x", service: "y", profileID: "p4", overlap: 0, top: []),
            ],
            nil
        ),
    ]

    @Test(arguments: documents.indices)
    func handWrittenEqualsJSONEncoder(index: Int) throws {
        let (links, reason) = Self.documents[index]
        let templates = JumpLinkTemplates(["jaeger": "http://jaeger.example:16686/trace/{{trace_id}}?uiFind={{span_id}}", "a\"b": "{{service}}"])
        let rendered = links.map { LinkResponse($0, templates: templates) }
        let traceID = "5b8efff798038103d269b633813fc60c"

        var handWritten = TraceLinksResponse(traceID: traceID, links: rendered, reason: reason).json()
        let mine = try JSONSerialization.jsonObject(with: Data(handWritten.readBytes(length: handWritten.readableBytes)!))
        let reference = try JSONSerialization.jsonObject(with: JSONEncoder().encode(Reference(traceID: traceID, links: rendered, reason: reason)))

        #expect((mine as? NSDictionary) == (reference as? NSDictionary))
        #expect((mine as? NSDictionary)?.count == (reason == nil ? 2 : 3))
    }
}
