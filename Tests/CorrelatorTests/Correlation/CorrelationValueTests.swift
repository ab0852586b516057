import Correlator
import Foundation
import Testing

@Suite("Correlation values: timestamps, cursors, jump link templates")
struct CorrelationValueTests {
    @Test(arguments: [
        (Int64(1_795_442_835_872_833_725), "2026-11-23T14:07:15.872833725Z"),
        (Int64(0), "1970-01-01T00:00:00.000000000Z"),
        (Int64(-1), "1969-12-31T23:59:59.999999999Z"),
        (Int64(-86_400_000_000_001), "1969-12-30T23:59:59.999999999Z"),
    ])
    func rfc3339WithNanoseconds(nanos: Int64, text: String) {
        #expect(Timestamp.rfc3339(nanos) == text)
        #expect(Timestamp.parse(text) == nanos)
    }

    /// Any stored Int64 renders (a span's start is a client's uint64 taken as Int64); the
    /// expected texts are Python's `datetime` on `divmod(nanos, 10**9)`.
    @Test(arguments: [
        (Int64.min, "1677-09-21T00:12:43.145224192Z"),
        (Int64.max, "2262-04-11T23:47:16.854775807Z"),
    ])
    func rfc3339AtTheEndsOfInt64(nanos: Int64, text: String) {
        #expect(Timestamp.rfc3339(nanos) == text)
    }

    @Test func parsesOffsetsShortFractionsAndUnixSeconds() {
        #expect(Timestamp.parse("2026-11-23T15:07:15.5+01:00") == 1_795_442_835_500_000_000)
        #expect(Timestamp.parse("2026-11-23T14:07:15Z") == 1_795_442_835_000_000_000)
        #expect(Timestamp.parse("1795442835.25") == 1_795_442_835_250_000_000)
        #expect(Timestamp.parse("yesterday") == nil)
        #expect(Timestamp.parse("2026-11-23T14:07:15.1234567890Z") == nil)
    }

    @Test func cursorsRoundTripAndRejectForeignText() throws {
        let cursor = PageCursor(["0.25", "17", "a|b%c"])
        let decoded = try #require(PageCursor(encoded: cursor.encoded, count: 3))
        #expect(decoded == cursor)
        #expect(!cursor.encoded.contains("="))
        #expect(PageCursor(encoded: cursor.encoded, count: 2) == nil)
        #expect(PageCursor(encoded: "nonsense", count: 3) == nil)
    }

    @Test func jumpTemplatesRenderEncodedValues() {
        let link = ProfileLink(
            kind: .spanSamples, traceID: "0123456789abcdef0123456789abcdef", spanID: "ad0338ddcc3e722a",
            spanName: "GET /checkout", service: "checkout api", profileID: "p/1", profileType: "cpu",
            startNanos: 1_795_442_835_000_000_000, durationNanos: 10_000_000_000, overlap: nil, top: [], topIsSpans: true
        )
        let templates = JumpLinkTemplates([
            "tempo": "http://tempo/trace/{{trace_id}}?service={{service}}&from={{start}}",
            "grafana": "http://g/explore?span={{ span_id }}&p={{profile_id}}&to={{end_ms}}",
        ])
        let urls = templates.render(link)
        #expect(urls["tempo"] == "http://tempo/trace/0123456789abcdef0123456789abcdef?service=checkout%20api&from=2026-11-23T14:07:15.000000000Z")
        #expect(urls["grafana"] == "http://g/explore?span=ad0338ddcc3e722a&p=p%2F1&to=1795442845000")
        #expect(JumpLinkTemplates.unknownPlaceholder(in: "x{{trace_id}}{{nope}}") == "nope")
        #expect(JumpLinkTemplates.unknownPlaceholder(in: "x{{trace_id}}") == nil)
    }

    @Test func jumpLinksSectionOfTheConfigurationFile() throws {
        let path = NSTemporaryDirectory() + "jump-\(UUID().uuidString).yaml"
        try "jump_links:\n  jaeger: \"http://jaeger/trace/{{trace_id}}\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try CorrelatorConfiguration.load(configFile: path, environment: [:])
        #expect(configuration.jumpLinks.templates == ["jaeger": "http://jaeger/trace/{{trace_id}}"])
        try "jump_links:\n  jaeger: \"http://jaeger/trace/{{trace}}\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { try CorrelatorConfiguration.load(configFile: path, environment: [:]) }
    }
}
