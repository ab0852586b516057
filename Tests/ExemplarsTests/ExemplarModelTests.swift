import Testing

@testable import Exemplars

@Suite struct ExemplarModelTests {
    @Test func traceIDParsing() throws {
        let full = try #require(TraceID(hex: "4BF92F3577B34DA6A3CE929D0E0E4736"))
        #expect(full.hexString == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(full.bytes == hex("4bf92f3577b34da6a3ce929d0e0e4736"))
        #expect(TraceID(bytes: full.bytes) == full)
        // 64-bit ids are left-padded with zeros.
        let short = try #require(TraceID(hex: "a3ce929d0e0e4736"))
        #expect(short.hexString == "0000000000000000a3ce929d0e0e4736")
        #expect(TraceID(hex: "00000000000000000000000000000000") == nil)
        #expect(TraceID(hex: "4bf92f3577b34da6a3ce929d0e0e473") == nil)
        #expect(TraceID(hex: "4bf92f3577b34da6a3ce929d0e0e473g") == nil)
        #expect(TraceID(hex: "oHg5SJYRHA0") == nil)
        #expect(TraceID(hex: "") == nil)
    }

    @Test func spanIDParsing() throws {
        let span = try #require(SpanID(hex: "00F067AA0BA902B7"))
        #expect(span.hexString == "00f067aa0ba902b7")
        #expect(SpanID(bytes: span.bytes) == span)
        #expect(SpanID(hex: "0000000000000000") == nil)
        #expect(SpanID(hex: "00f067aa0ba902b") == nil)
    }

    @Test func idKeysAreConfigurableAndOrdered() {
        let series = LabelSet(["__name__": "x_total"])
        let labels = LabelSet([
            "traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "trace_id": "not-hex",
            "span.id": "00f067aa0ba902b7", "pyroscope.profile.id": "prof",
        ])
        // trace_id comes first but is invalid: the next key with a valid id wins.
        let defaults = Exemplar(series: series, labels: labels, value: 1, timestamp: 0)
        #expect(defaults.traceID?.hexString == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(defaults.spanID?.hexString == "00f067aa0ba902b7")
        #expect(defaults.profileID == "prof")
        let custom = Exemplar(
            series: series, labels: LabelSet(["tid": "a3ce929d0e0e4736"]), value: 1, timestamp: 0,
            idKeys: ExemplarIDKeys(traceID: ["tid"], spanID: [], profileID: [])
        )
        #expect(custom.traceID?.hexString == "0000000000000000a3ce929d0e0e4736")
        #expect(custom.spanID == nil && custom.profileID == nil)
    }

    @Test func labelLimitCountsCodePoints() {
        let series = LabelSet(["__name__": "x_total"])
        // "trace_id" (8) + 32 hex + "note" (4) + 84 × "é" = 128 code points, 212 bytes.
        let atLimit = LabelSet([
            "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "note": String(repeating: "é", count: 84),
        ])
        #expect(!Exemplar(series: series, labels: atLimit, value: 1, timestamp: 0).exceedsLabelLimit)
        let over = LabelSet([
            "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "note": String(repeating: "é", count: 85),
        ])
        let exemplar = Exemplar(series: series, labels: over, value: 1, timestamp: 0)
        #expect(exemplar.exceedsLabelLimit)
        #expect(exemplar.traceID != nil)
    }

    /// Reference values computed with a separate FNV-1a implementation (Python) over the
    /// documented encoding.
    @Test func fingerprintIsDocumentedFNV1a() {
        let set = LabelSet(["job": "api", "instance": "a:9090", "__name__": "up"])
        #expect(set.fingerprint == 0xcfe3_b06f_ad65_5e72)
        #expect(LabelSet().fingerprint == 0xcbf2_9ce4_8422_2325)
        #expect(LabelSet(["__name__": "up", "instance": "a:9090", "job": "api"]) == set)
        #expect(set.map(\.name) == ["__name__", "instance", "job"])
        #expect(set.description == #"up{instance="a:9090", job="api"}"#)
    }

    @Test func duplicateNamesKeepTheLast() {
        let set = LabelSet([Label(name: "a", value: "1"), Label(name: "a", value: "2")])
        #expect(set.count == 1 && set["a"] == "2")
    }
}
