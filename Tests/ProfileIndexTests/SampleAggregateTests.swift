import Testing
@testable import ProfileIndex

/// The pprof decoder adds samples up while reading them; its summary must be the one a walk over
/// the decoded samples gives, whatever the ids look like on the wire.
@Suite struct SampleAggregateTests {
    /// Recursion, inlined frames, an unsymbolized location, labels, and location ids of one to
    /// four varint bytes (longer than two leave the decoder's fast path), dense or sparse.
    static func profile(locationIDs ids: [UInt64]) -> [UInt8] {
        var builder = PprofBuilder()
        builder.sampleType("samples", "count")
        builder.sampleType("cpu", "nanoseconds")
        for function in 1...6 { builder.function(id: UInt64(function), name: "main.f\(function)") }
        builder.location(id: ids[0], functions: [1])
        builder.location(id: ids[1], functions: [2, 3])  // f2 inlined into f3
        builder.location(id: ids[2], functions: [3])
        builder.location(id: ids[3], functions: [4])
        builder.location(id: ids[4], functions: [])  // unsymbolized
        builder.location(id: ids[5], functions: [5, 6])
        builder.sample(locations: [ids[0], ids[2], ids[0], ids[3]], values: [1, 10], labels: [("span_id", "a")])
        builder.sample(locations: [ids[1], ids[2], ids[5], ids[4]], values: [2, 20], labels: [("span_id", "b")])
        builder.sample(locations: [ids[5], ids[5], ids[3]], values: [3, 30], packed: false)
        builder.sample(locations: [ids[4]], values: [0, 0], labels: [("span_id", "a")])
        builder.sample(locations: [], values: [4, 40])
        return builder.encoded()
    }

    @Test(arguments: [[1, 2, 127, 128, 200, 300], [1, 127, 128, 16_383, 16_384, 2_000_000]] as [[UInt64]])
    func decodedSummaryEqualsTheWalk(locationIDs: [UInt64]) throws {
        let profile = try PprofDecoder().decode(Self.profile(locationIDs: locationIDs))
        #expect(profile.sampleAggregate != nil)
        var walked = profile
        walked.sampleAggregate = nil
        let summary = profile.summary()
        #expect(summary == walked.summary())
        #expect(summary.totals == [10, 100])
        #expect(summary.sampleCount == 5)
        #expect(summary.function(named: "main.f1")?.cum == [1, 10])  // recursion counts once
        #expect(summary.function(named: "main.f3")?.cum == [3, 30])
        #expect(summary.function(named: "main.f2")?.inlineMark(sampleTypeIndex: 1) == "(inline)")
        #expect(summary.function(named: "main.f6")?.cum == [5, 50])
        #expect(summary.function(named: "main.f5")?.flat == [3, 30])
        #expect(summary.labels.first { $0.key == "span_id" }?.values.map(\.value) == ["b", "a"])
    }

    /// Large profiles are added up on a second thread while the decoder reads on
    /// (``AggregationPipeline``): the same answers as the walk, with a last partial chunk.
    @Test func largeProfileAddedUpAlongsideEqualsTheWalk() throws {
        let repeats = 3_500  // 17,500 samples: past the pipeline's threshold, not a whole number of chunks
        var builder = PprofBuilder()
        builder.sampleType("samples", "count")
        builder.sampleType("cpu", "nanoseconds")
        for function in 1...4 { builder.function(id: UInt64(function), name: "main.f\(function)") }
        builder.location(id: 1, functions: [1])
        builder.location(id: 2, functions: [2, 3])
        builder.location(id: 3, functions: [4])
        for round in 0..<repeats {
            builder.sample(locations: [1, 2, 1, 3], values: [1, 10], labels: [("span_id", round % 2 == 0 ? "a" : "b")])
            builder.sample(locations: [3, 3], values: [2, 20])
            builder.sample(locations: [], values: [1, 5])
            builder.sample(locations: [2], values: [0, 0])
            builder.sample(locations: [2, 3], values: [3, 30])
        }
        #expect(5 * repeats >= PprofMessageParser.pipelinedAggregationMinimumSamples)
        #expect((5 * repeats) % AggregationPipeline.chunk != 0)
        let profile = try PprofDecoder().decode(builder.encoded())
        var walked = profile
        walked.sampleAggregate = nil
        let summary = profile.summary()
        #expect(summary == walked.summary())
        let n = Int64(repeats)
        #expect(summary.totals == [7 * n, 65 * n])
        #expect(summary.function(named: "main.f1")?.cum == [n, 10 * n])  // recursion counts once
        #expect(summary.function(named: "main.f1")?.flat == [n, 10 * n])
        #expect(summary.function(named: "main.f4")?.cum == [6 * n, 60 * n])
        #expect(summary.function(named: "main.f2")?.flat == [3 * n, 30 * n])
        #expect(summary.function(named: "main.f3")?.cum == [4 * n, 40 * n])
    }

    /// A broken sample late in a large profile: the error, not a hang or a half-added summary.
    @Test func largeProfileWithABrokenSampleFailsCleanly() throws {
        var builder = PprofBuilder()
        builder.sampleType("samples", "count")
        builder.function(id: 1, name: "main.main")
        builder.location(id: 1, functions: [1])
        for sample in 0..<20_000 {
            builder.sample(locations: sample == 19_000 ? [1, 300_000] : [1], values: [1])
        }
        do {
            _ = try PprofDecoder().decode(builder.encoded())
            Issue.record("decoded a sample with an unknown location")
        } catch {
            #expect(error.reason == "sample 19000 references location 300000 which does not exist")
        }
    }

    @Test func unknownLongLocationIDIsNamed() throws {
        var builder = PprofBuilder()
        builder.sampleType("samples", "count")
        builder.function(id: 1, name: "main.main")
        builder.location(id: 1, functions: [1])
        builder.sample(locations: [1, 300_000], values: [1])
        do {
            _ = try PprofDecoder().decode(builder.encoded())
            Issue.record("decoded a sample with an unknown location")
        } catch {
            #expect(error.reason == "sample 0 references location 300000 which does not exist")
        }
    }
}
