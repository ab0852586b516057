import Testing

@testable import Exemplars

@Suite struct RemoteWriteTests {
    static let traceHex = "4bf92f3577b34da6a3ce929d0e0e4736"

    static func request() -> RemoteWriteRequest {
        let bucket = LabelSet(["le": "0.5", "__name__": "rpc_seconds_bucket", "job": "api"])
        let total = LabelSet(["__name__": "rpc_total", "job": "api", "code": "200"])
        return RemoteWriteRequest(timeseries: [
            .init(
                labels: bucket,
                samples: [.init(value: 3, timestamp: 1_700_000_000_000), .init(value: 4, timestamp: 1_700_000_015_000)],
                exemplars: [
                    Exemplar(
                        series: bucket,
                        labels: LabelSet(["trace_id": traceHex, "span_id": "00f067aa0ba902b7", "profile_id": "p-1"]),
                        value: 0.42, timestamp: 1_700_000_000_100
                    )
                ]
            ),
            .init(labels: total, samples: [.init(value: -1.5, timestamp: -5)]),
            .init(
                labels: total,
                exemplars: [Exemplar(series: total, labels: LabelSet(["user": "ana"]), value: 1, timestamp: 7)]
            ),
        ])
    }

    @Test func roundTripsThroughSnappyAndProtobuf() throws {
        let original = Self.request()
        let body = RemoteWriteEncoder.encodeBody(original)
        let decoded = try RemoteWriteDecoder().decode(body: body, defaultTimestamp: 99)
        #expect(decoded == original)
        #expect(decoded.exemplars.count == 2)
        #expect(decoded.sampleCount == 3)
        let first = decoded.exemplars[0]
        #expect(first.traceID?.hexString == Self.traceHex)
        #expect(first.spanID?.hexString == "00f067aa0ba902b7")
        #expect(first.profileID == "p-1")
        #expect(first.metricName == "rpc_seconds_bucket")
        #expect(first.series["le"] == "0.5")
        #expect(decoded.exemplars[1].traceID == nil)
    }

    /// A WriteRequest assembled byte by byte (not by RemoteWriteEncoder):
    /// timeseries { labels job=api, __name__=rpc_seconds_bucket, le=0.5 (unsorted);
    ///   samples { value 1.5 (fixed64), timestamp 1700000000123 };
    ///   exemplars { labels trace_id=4bf9…4736; value 0.25; timestamp 1700000000456 };
    ///   histograms { 08 01 } }
    /// metadata { 08 01 12 03 "abc" }
    static let handAssembled = hex(
        "0a8d010a0a0a036a6f6212036170690a1e0a085f5f6e616d655f5f12127270635f7365636f6e64735f6275636b6574"
            + "0a090a026c651203302e35121009000000000000f83f10fbd095ffbc311a3e0a2c0a0874726163655f6964122034"
            + "6266393266333537376233346461366133636539323964306530653437333611000000000000d03f18c8d395ffbc"
            + "31220208011a0708011203616263"
    )

    @Test func decodesHandAssembledMessage() throws {
        let bytes = Self.handAssembled
        #expect(bytes.count == 153)
        let request = try RemoteWriteDecoder().decode(message: bytes, defaultTimestamp: 0)
        #expect(request.metadataCount == 1)
        let series = try #require(request.timeseries.first)
        #expect(series.labels.map(\.name) == ["__name__", "job", "le"])
        #expect(series.labels.metricName == "rpc_seconds_bucket")
        #expect(series.samples == [.init(value: 1.5, timestamp: 1_700_000_000_123)])
        #expect(series.histogramCount == 1)
        let exemplar = try #require(series.exemplars.first)
        #expect(exemplar.value == 0.25)
        #expect(exemplar.timestamp == 1_700_000_000_456)
        #expect(exemplar.traceID?.hexString == Self.traceHex)
        #expect(exemplar.series == series.labels)
        // The compressed form decodes the same.
        #expect(try RemoteWriteDecoder().decode(body: Snappy.compress(bytes), defaultTimestamp: 0) == request)
    }

    @Test func missingExemplarTimestampUsesDefault() throws {
        let series = LabelSet(["__name__": "x_total"])
        let request = RemoteWriteRequest(timeseries: [
            .init(labels: series, exemplars: [Exemplar(series: series, labels: LabelSet(), value: 1, timestamp: 0)])
        ])
        let decoded = try RemoteWriteDecoder().decode(body: RemoteWriteEncoder.encodeBody(request), defaultTimestamp: 1234)
        #expect(decoded.exemplars[0].timestamp == 1234)
        #expect(!decoded.exemplars[0].hasExplicitTimestamp)
    }

    @Test func framedSnappyIsRejected() throws {
        let framed: [UInt8] = [0xFF, 0x06, 0x00, 0x00, 0x73, 0x4E, 0x61, 0x50, 0x70, 0x59] + [0x00, 0x01]
        let error = try #require(decodeError(body: framed))
        #expect(error.code == .framedSnappy)
        #expect(!error.isPayloadTooLarge)
    }

    @Test func oversizedBodyIsRejectedBeforeDecompressing() throws {
        var limits = ExemplarLimits.default
        limits.maxDecompressedBytes = 100
        let body = RemoteWriteEncoder.encodeBody(Self.request())
        let error = try #require(decodeError(body: body, limits: limits))
        #expect(error.code == .decompressedTooLarge && error.isPayloadTooLarge && error.isLimitViolation)
    }

    @Test func corruptSnappyNamesTheOffset() throws {
        let error = try #require(decodeError(body: [0x05, 0x01, 0x00]))
        #expect(error.code == .corruptSnappy)
        #expect(error.description == "corrupt snappy block at byte 1 of the snappy body")
    }

    @Test func truncatedProtobufNamesTheOffset() throws {
        let message = Array(Self.handAssembled.dropLast(10))
        let error = try #require(decodeError(body: Snappy.compress(message)))
        #expect(error.code == .malformedProtobuf)
        #expect(error.location == .message)
        // The first timeseries' length (the varint at byte 1) runs past the end of the message.
        #expect(error.offset == 1)
        #expect(error.description == "message truncated at byte 1 of the decompressed message")
        // Cutting inside the metadata (which starts at byte 144) names the metadata's length.
        let cutMetadata = Array(Self.handAssembled.dropLast(2))
        #expect(decodeError(message: cutMetadata)?.offset == 145)
    }

    @Test func wrongWireTypeNamesTheOffset() throws {
        // timeseries { samples { value as varint (key 0x08) } }
        let message: [UInt8] = [0x0A, 0x04, 0x12, 0x02, 0x08, 0x01]
        let error = try #require(decodeError(message: message))
        #expect(error.code == .malformedProtobuf)
        #expect(error.description == "field has the wrong wire type at byte 4 of the decompressed message")
    }

    @Test func invalidLabelSetsAreRejected() throws {
        // A series with only a sample: no labels.
        let noLabels: [UInt8] = [0x0A, 0x02, 0x12, 0x00]
        #expect(decodeError(message: noLabels)?.description == "series has no labels at byte 0 of the decompressed message")
        let duplicate = RemoteWriteEncoder.encodeMessage(
            RemoteWriteRequest(timeseries: [.init(labels: LabelSet(["a": "1"]))])
        )
        // Append the same label again inside the series: rewrite the series length.
        let label: [UInt8] = [0x0A, 0x06, 0x0A, 0x01, 0x61, 0x12, 0x01, 0x32]
        let twice: [UInt8] = [0x0A, UInt8(duplicate.count - 2 + label.count)] + duplicate.dropFirst(2) + label
        #expect(decodeError(message: twice)?.description == "label 'a' appears twice in the series at byte 0 of the decompressed message")
        let emptyName: [UInt8] = [0x0A, 0x05, 0x0A, 0x03, 0x12, 0x01, 0x78]
        #expect(decodeError(message: emptyName)?.code == .invalidLabels)
    }

    @Test func invalidUTF8InALabelNamesTheOffset() throws {
        // timeseries { labels { name "a" value C3 28 } }
        let message: [UInt8] = [0x0A, 0x09, 0x0A, 0x07, 0x0A, 0x01, 0x61, 0x12, 0x02, 0xC3, 0x28]
        let error = try #require(decodeError(message: message))
        #expect(error.code == .malformedProtobuf)
        #expect(error.description == "string is not valid UTF-8 at byte 8 of the decompressed message")
    }

    /// Two problems in one series: both decodes report the first in wire order.
    @Test func theFirstOfTwoProblemsIsReported() throws {
        // timeseries { labels { name "a" value C3 28 } samples <5 bytes claimed, 1 present> }
        let message: [UInt8] = [0x0A, 0x0C, 0x0A, 0x07, 0x0A, 0x01, 0x61, 0x12, 0x02, 0xC3, 0x28, 0x12, 0x05, 0x09]
        let error = try #require(decodeError(message: message))
        #expect(error.description == "string is not valid UTF-8 at byte 8 of the decompressed message")
    }

    /// Neighbouring series share label Strings through the decoder's cache; values must still
    /// be the series' own.
    @Test func repeatedLabelsDecodeToTheirOwnValues() throws {
        let series = (0..<50).map { index in
            RemoteWriteRequest.TimeSeries(
                labels: LabelSet(["__name__": "requests_total", "route": "/route/\(index % 3)", "job": "api"]),
                samples: [.init(value: Double(index), timestamp: Int64(index))]
            )
        }
        let request = RemoteWriteRequest(timeseries: series)
        #expect(try RemoteWriteDecoder().decode(body: RemoteWriteEncoder.encodeBody(request), defaultTimestamp: 0) == request)
    }

    @Test func limitsAreEnforced() throws {
        let body = RemoteWriteEncoder.encodeBody(Self.request())
        var limits = ExemplarLimits.default
        limits.maxSeriesPerRequest = 2
        let series = try #require(decodeError(body: body, limits: limits))
        #expect(series.code == .tooManySeries && series.isPayloadTooLarge)

        limits = .default
        limits.maxLabelsPerSeries = 2
        #expect(decodeError(body: body, limits: limits)?.code == .tooManyLabels)

        limits = .default
        limits.maxLabelValueLength = 3
        let value = try #require(decodeError(body: body, limits: limits))
        #expect(value.code == .labelValueTooLong)
        // Labels are written sorted: __name__ is the first label, its key at byte 3.
        #expect(value.description == "value of label '__name__' longer than 3 bytes at byte 3 of the decompressed message")

        limits = .default
        limits.maxLabelNameLength = 4
        #expect(decodeError(body: body, limits: limits)?.code == .labelNameTooLong)
    }

    @Test(arguments: [
        ("application/x-protobuf", RemoteWriteVersion.v1),
        ("application/x-protobuf;proto=prometheus.WriteRequest", .v1),
        ("Application/X-Protobuf; proto=io.prometheus.write.v2.Request", .v2),
        ("application/x-protobuf;proto=\"io.prometheus.write.v2.Request\"", .v2),
    ])
    func versionFromContentType(_ header: String, _ version: RemoteWriteVersion) {
        #expect(RemoteWriteVersion(contentType: header) == version)
    }

    @Test func versionOfOtherContentTypes() {
        #expect(RemoteWriteVersion(contentType: nil) == .v1)
        #expect(RemoteWriteVersion(contentType: "application/json") == nil)
        #expect(RemoteWriteVersion(contentType: "application/x-protobuf;proto=foo.Bar") == nil)
    }

    /// The error of a full decode, after checking that the exemplars-only decode the service
    /// uses (which builds nothing for series without exemplars) fails the same way.
    func decodeError(body: [UInt8], limits: ExemplarLimits = .default, sourceLocation: SourceLocation = #_sourceLocation) -> RemoteWriteError? {
        let decoder = RemoteWriteDecoder(limits: limits)
        var full: RemoteWriteError?
        do {
            _ = try decoder.decode(body: body, defaultTimestamp: 0)
        } catch {
            full = error
        }
        var exemplarsOnly: RemoteWriteError?
        do {
            _ = try body.withUnsafeBytes { raw in try decoder.decodeExemplars(body: raw, defaultTimestamp: 0) }
        } catch let error as RemoteWriteError {
            exemplarsOnly = error
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
        #expect(exemplarsOnly?.description == full?.description, sourceLocation: sourceLocation)
        return full
    }

    func decodeError(message: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> RemoteWriteError? {
        var full: RemoteWriteError?
        do {
            _ = try RemoteWriteDecoder().decode(message: message, defaultTimestamp: 0)
        } catch {
            full = error
        }
        #expect(decodeError(body: Snappy.compress(message), sourceLocation: sourceLocation)?.description == full?.description, sourceLocation: sourceLocation)
        return full
    }

    /// The service's decode returns the exemplars of a full decode, in order, series without
    /// exemplars skipped.
    @Test func exemplarsOnlyDecodeReturnsTheSameExemplars() throws {
        let repeated = RemoteWriteRequest(timeseries: (0..<50).map { index in
            let labels = LabelSet(["__name__": "requests_bucket", "route": "/route/\(index % 3)", "le": "\(index)"])
            return RemoteWriteRequest.TimeSeries(
                labels: labels,
                samples: [.init(value: Double(index), timestamp: Int64(index))],
                exemplars: index % 7 == 0 ? [Exemplar(series: labels, labels: LabelSet(["trace_id": Self.traceHex]), value: 1, timestamp: 0, hasExplicitTimestamp: false)] : []
            )
        })
        for request in [Self.request(), repeated] {
            let body = RemoteWriteEncoder.encodeBody(request)
            let exemplars = try body.withUnsafeBytes { raw in try RemoteWriteDecoder().decodeExemplars(body: raw, defaultTimestamp: 5) }
            #expect(exemplars == (try RemoteWriteDecoder().decode(body: body, defaultTimestamp: 5)).exemplars)
            #expect(exemplars.count == request.exemplars.count)
        }
    }
}

func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        bytes.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}
