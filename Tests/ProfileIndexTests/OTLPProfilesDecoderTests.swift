import Testing
@testable import ProfileIndex

/// OTLP profiles (v1.10+ numbering) built by hand, field by field from the .proto.
@Suite struct OTLPProfilesDecoderTests {
    static let traceID: [UInt8] = Array(1...16)
    static let spanID: [UInt8] = [0xAB, 0xCD, 0, 0, 0, 0, 0, 0x01]

    /// A request with one resource (`service.name = checkout`) and one CPU profile; the
    /// dictionary is written after the profiles, as protobuf serializers order fields.
    static func request(link: Int64 = 1, stackLocations: [UInt64] = [1, 2]) -> [UInt8] {
        let strings = ["", "cpu", "nanoseconds", "main.main", "main.go", "main.work", "span_name", "GET /x"]
        var writer = TestProtobufWriter()
        writer.message(1) { resourceProfiles in
            resourceProfiles.message(1) { resource in
                resource.message(1) { keyValue in
                    keyValue.string(1, "service.name")
                    keyValue.message(2) { $0.string(1, "checkout") }
                }
            }
            resourceProfiles.message(2) { scope in
                scope.message(2) { profile in
                    profile.message(1) { $0.int(1, 1); $0.int(2, 2) }
                    profile.message(2) { sample in
                        sample.int(1, 1)
                        sample.packed(2, [1])
                        sample.int(3, link)
                        sample.packed(4, [30])
                    }
                    profile.message(2) { sample in
                        sample.int(1, 2)
                        sample.int(4, 10)
                    }
                    profile.message(2) { sample in
                        sample.int(1, 1)
                        for timestamp in 1...3 { sample.fixed64(5, UInt64(timestamp)) }
                    }
                    profile.fixed64(3, 1_795_442_820_000_000_000)
                    profile.uint(4, 5_000_000_000)
                    profile.bytes(7, Array(repeating: 0x42, count: 16))
                }
            }
        }
        writer.message(2) { dictionary in
            dictionary.message(1) { _ in }  // mapping 0
            dictionary.message(2) { _ in }  // location 0
            dictionary.message(2) { $0.message(3) { $0.int(1, 2) } }  // location 1: main.work
            dictionary.message(2) { $0.message(3) { $0.int(1, 1) } }  // location 2: main.main
            dictionary.message(3) { _ in }  // function 0
            dictionary.message(3) { $0.int(1, 3); $0.int(3, 4) }
            dictionary.message(3) { $0.int(1, 5); $0.int(3, 4) }
            dictionary.message(4) { _ in }  // link 0
            dictionary.message(4) { $0.bytes(1, traceID); $0.bytes(2, spanID) }
            for string in strings { dictionary.string(5, string) }
            dictionary.message(6) { _ in }  // attribute 0
            dictionary.message(6) { attribute in
                attribute.int(1, 6)
                attribute.message(2) { $0.string(1, "GET /x") }
            }
            dictionary.message(7) { _ in }  // stack 0
            dictionary.message(7) { $0.packed(1, stackLocations) }
            dictionary.message(7) { $0.packed(1, [2]) }
        }
        return writer.bytes
    }

    @Test func decodesSummaryAndResource() throws {
        let profiles = try OTLPProfilesDecoder().decode(Self.request())
        let otlp = try #require(profiles.first)
        #expect(profiles.count == 1)
        #expect(otlp.serviceName == "checkout")
        #expect(otlp.profileID == String(repeating: "42", count: 16))
        let summary = otlp.profile.summary()
        #expect(summary.sampleTypes == [ProfileValueType(type: "cpu", unit: "nanoseconds")])
        #expect(summary.totals == [43])  // 30 + 10 + three observations without values
        #expect(summary.function(named: "main.work")?.flat == [33])
        #expect(summary.function(named: "main.main")?.cum == [43])
        #expect(summary.function(named: "main.main")?.filename == "main.go")
        #expect(summary.timeNanos == 1_795_442_820_000_000_000)
        #expect(summary.durationNanos == 5_000_000_000)
    }

    @Test func linkBecomesTheSpanOfItsSamples() throws {
        let profile = try #require(try OTLPProfilesDecoder().decode(Self.request()).first).profile
        let spans = profile.spanBreakdown()
        #expect(spans.count == 1)
        #expect(spans[0].spanID == "abcd000000000001")
        #expect(spans[0].traceID == "0102030405060708090a0b0c0d0e0f10")
        #expect(spans[0].spanName == "GET /x")
        #expect(spans[0].totals == [30])
        #expect(spans[0].functions.map(\.name).sorted() == ["main.main", "main.work"])
        #expect(profile.flameGraph(sampleTypeIndex: 0, spanID: "abcd000000000001").total == 30)
    }

    @Test func gzippedRequestDecodes() throws {
        let profiles = try OTLPProfilesDecoder().decode(StoredGzip.wrap(Self.request()))
        #expect(profiles.first?.profile.summary().totals == [43])
    }

    @Test func badReferencesAreRejected() throws {
        #expect(throws: ProfileDecodingError.self) { try OTLPProfilesDecoder().decode(Self.request(link: 5)) }
        do {
            _ = try OTLPProfilesDecoder().decode(Self.request(stackLocations: [1, 9]))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidReference)
            #expect(error.reason == "stack 1 references location 9 which does not exist")
        }
        do {
            _ = try OTLPProfilesDecoder().decode(Self.request(stackLocations: [0]))
            Issue.record("expected an error")
        } catch {
            #expect(error.reason == "stack 1 references location 0 (the zero value)")
        }
    }

    @Test func truncatedRequestIsMalformed() throws {
        let bytes = Self.request()
        #expect(throws: ProfileDecodingError.self) { try OTLPProfilesDecoder().decode(Array(bytes.dropLast(3))) }
    }

    @Test func sampleLimitCoversTheWholeRequest() throws {
        do {
            _ = try OTLPProfilesDecoder(limits: .init(maxSamples: 2)).decode(Self.request())
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .tooManySamples)
        }
    }
}
