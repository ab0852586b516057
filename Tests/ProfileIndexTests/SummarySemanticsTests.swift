import Foundation
import Testing
@testable import ProfileIndex

/// The rules of flat and cum on hand-built stacks, where the expected numbers are obvious.
@Suite struct SummarySemanticsTests {
    /// main → a → b → a (recursion), with b inlined into a in location 2.
    static func recursiveProfile() throws -> Profile {
        var builder = PprofBuilder()
        builder.sampleType("alloc_objects", "count")
        builder.sampleType("alloc_space", "bytes")
        builder.sampleType("inuse_space", "bytes")
        builder.function(id: 1, name: "main.main")
        builder.function(id: 2, name: "main.a")
        builder.function(id: 3, name: "main.b", file: "b.go")
        builder.location(id: 10, functions: [2])  // leaf: a
        builder.location(id: 11, functions: [3, 2])  // b inlined into a
        builder.location(id: 12, functions: [1])
        builder.sample(locations: [10, 11, 12], values: [1, 100, 0], labels: [("span id", "1311768467294899695")])
        builder.sample(locations: [12], values: [2, 50, 7], labels: [("span_id", "00000000000000aa"), ("trace_id", "t1")])
        return try PprofDecoder().decode(builder.encoded())
    }

    @Test func recursionCountsOnceInCumAndInlinedFramesAreFrames() throws {
        let summary = try Self.recursiveProfile().summary()
        let a = try #require(summary.function(named: "main.a"))
        let b = try #require(summary.function(named: "main.b"))
        let main = try #require(summary.function(named: "main.main"))
        #expect(a.flat == [1, 100, 0])
        #expect(a.cum == [1, 100, 0])  // twice in the stack, counted once
        #expect(b.flat == [0, 0, 0])
        #expect(b.cum == [1, 100, 0])
        #expect(b.filename == "b.go")
        #expect(main.flat == [2, 50, 7])
        #expect(main.cum == [3, 150, 7])
        #expect(summary.totals == [3, 150, 7])
        // b is only ever reached inlined; a both inlined-into and called.
        #expect(b.inlineMark(sampleTypeIndex: 1) == "(inline)")
        #expect(a.inlineMark(sampleTypeIndex: 1) == nil)
    }

    @Test func defaultSampleTypeIsTheLastUnlessNamed() throws {
        let profile = try Self.recursiveProfile()
        #expect(profile.defaultSampleTypeIndex == 2)
        #expect(profile.sampleTypeIndex(named: nil) == 2)
        #expect(profile.sampleTypeIndex(named: "alloc_space") == 1)
        #expect(profile.sampleTypeIndex(named: "1") == 1)
        #expect(profile.sampleTypeIndex(named: "nope") == nil)

        let allocs = try PprofDecoder().decode(try Fixtures.bytes("allocs.pb.gz"))
        #expect(allocs.sampleTypes[allocs.defaultSampleTypeIndex].type == "alloc_space")
        let heap = try PprofDecoder().decode(try Fixtures.bytes("heap.pb.gz"))
        #expect(heap.sampleTypes[heap.defaultSampleTypeIndex].type == "inuse_space")
        #expect(heap.sampleTypes.map(\.description) == [
            "alloc_objects/count", "alloc_space/bytes", "inuse_objects/count", "inuse_space/bytes",
        ])
    }

    @Test func metadataOfTheCPUFixture() throws {
        let profile = try PprofDecoder().decode(try Fixtures.bytes("cpu.pb.gz"))
        #expect(profile.periodType == ProfileValueType(type: "cpu", unit: "nanoseconds"))
        #expect(profile.period == 10_000_000)
        #expect(profile.durationNanos > 3_000_000_000)
        #expect(profile.timeNanos > 0)
        #expect(profile.mainBinary?.hasSuffix("gen-go") == true)
    }

    @Test func datadogDecimalSpanIDsBecomeHex() throws {
        let spans = try Self.recursiveProfile().spanBreakdown()
        #expect(spans.map(\.spanID) == ["00000000000000aa", "1234567890abcdef"])
        #expect(spans[0].traceID == "t1")
        #expect(spans[0].totals == [2, 50, 7])
        #expect(spans[1].functions.count == 3)
        #expect(spans[1].topFunctions(sampleTypeIndex: 1, count: 1, by: .flat).map(\.name) == ["main.a"])
        #expect(spans[1].topFunctions(sampleTypeIndex: 1, count: 1, by: .cum).first?.cum[1] == 100)
        let limited = try Self.recursiveProfile().spanBreakdown(functionLimit: 1)
        #expect(limited.allSatisfy { $0.functions.count == 1 })
    }

    @Test func labelFilterKeepsMatchingSamplesOnly() throws {
        let profile = try Self.recursiveProfile()
        let filtered = profile.summary(filters: [LabelFilter(parsing: "span_id=00000000000000aa")!])
        #expect(filtered.totals == [2, 50, 7])
        #expect(filtered.profileTotals == [3, 150, 7])
        #expect(filtered.function(named: "main.a") == nil)
        #expect(profile.summary(filters: [LabelFilter(key: "span_id", values: ["x"])]).totals == [0, 0, 0])
        #expect(LabelFilter(parsing: "novalue") == nil)
        #expect(LabelFilter(parsing: "k=a,b")?.values == ["a", "b"])
    }

    @Test func labelSummaryListsKeysAndValues() throws {
        let summary = try Self.recursiveProfile().summary()
        #expect(summary.labels.map(\.key) == ["span id", "span_id", "trace_id"])
        #expect(summary.labels[1].values == [LabelValueSummary(value: "00000000000000aa", totals: [2, 50, 7])])
    }

    @Test func topEntriesAreRawAndSortedByFlat() throws {
        let summary = try PprofDecoder().decode(try Fixtures.bytes("cpu.pb.gz")).summary()
        let cpu = try #require(summary.sampleTypeIndex(named: "cpu"))
        let entries = PprofReport.topEntries(summary, sampleIndex: cpu, nodeCount: 3)
        #expect(entries.count == 3)
        #expect(entries[0].function == "crypto/sha256.block")
        #expect(entries[0].flat == 1_090_000_000)
        #expect(entries[0].file.hasSuffix("sha256block_amd64.s") || !entries[0].file.isEmpty)
        #expect(entries[0].flat >= entries[1].flat && entries[1].flat >= entries[2].flat)
    }

    @Test func topRespectsNodeCount() throws {
        let summary = try PprofDecoder().decode(try Fixtures.bytes("goroutine.pb.gz")).summary()
        let text = PprofReport.renderTop(summary, sampleIndex: 0, nodeCount: 2)
        #expect(text.contains("Showing top 2 nodes out of 12"))
        #expect(text.split(separator: "\n").count == 5 + 1 + 2)
    }

    @Test func unitFormattingFollowsPprof() {
        #expect(PprofUnits.scaledLabel(1_090_000_000, unit: "nanoseconds", to: "s") == "1.09s")
        #expect(PprofUnits.scaledLabel(54 << 20, unit: "bytes", to: "MB") == "54MB")
        #expect(PprofUnits.scaledLabel(1_628_170, unit: "bytes", to: "kB") == "1590.01kB")
        #expect(PprofUnits.scaledLabel(0, unit: "bytes", to: "MB") == "0")
        #expect(PprofUnits.scaledLabel(3_220_000_000, unit: "nanoseconds", to: "auto") == "3.22s")
        #expect(PprofUnits.scaledLabel(7_200_000_000_000, unit: "nanoseconds", to: "minimum") == "2hrs")
        #expect(PprofUnits.scaledLabel(310, unit: "count", to: "minimum") == "310")
        #expect(PprofUnits.percentage(9, of: 1000) == "  0.9%")
        #expect(PprofUnits.percentage(6 << 20, of: 702_985_000) == " 0.89%")
        #expect(PprofUnits.percentage(1, of: 1) == "  100%")
        #expect(PprofUnits.percentage(1, of: 3) == "33.33%")
        #expect(PprofReport.pprofTime(1_795_442_820_000_000_000) == "Nov 23, 2026 at 2:07pm (UTC)")
    }
}

@Suite struct FlameGraphTests {
    @Test func treeOfTheRecursiveProfile() throws {
        let root = try SummarySemanticsTests.recursiveProfile().flameGraph(sampleTypeIndex: 1)
        #expect(root.name == "root" && root.total == 150 && root.selfValue == 0)
        let main = try #require(root.children.first)
        #expect(main.name == "main.main" && main.total == 150 && main.selfValue == 50)
        // main → a → b (inlined) → a: recursion repeats along the path.
        let a = try #require(main.children.first)
        let b = try #require(a.children.first)
        let leaf = try #require(b.children.first)
        #expect([a.name, b.name, leaf.name] == ["main.a", "main.b", "main.a"])
        #expect(leaf.total == 100 && leaf.selfValue == 100 && leaf.children.isEmpty)
        #expect(b.file == "b.go")
    }

    @Test func filteredToOneSpan() throws {
        let profile = try SummarySemanticsTests.recursiveProfile()
        let root = profile.flameGraph(sampleTypeIndex: 1, spanID: "1234567890abcdef")
        #expect(root.total == 100)
        #expect(profile.flameGraph(sampleTypeIndex: 1, spanID: "ffffffffffffffff").total == 0)
    }

    @Test func cpuFixtureTreeAgreesWithSummary() throws {
        let profile = try PprofDecoder().decode(try Fixtures.bytes("cpu.pb.gz"))
        let summary = profile.summary()
        let root = profile.flameGraph(sampleTypeIndex: 1)
        #expect(root.total == summary.totals[1])
        func selfSum(_ node: FlameGraphNode) -> Int64 { node.selfValue + node.children.reduce(0) { $0 + selfSum($1) } }
        #expect(selfSum(root) == root.total)
        func check(_ node: FlameGraphNode) {
            #expect(node.total == node.selfValue + node.children.reduce(0) { $0 + $1.total })
            node.children.forEach(check)
        }
        check(root)
        #expect(String(decoding: try JSONEncoder().encode(root.children[0].children.isEmpty ? root : FlameGraphNode(name: "n", total: 1, selfValue: 1)), as: UTF8.self).contains("\"self\":1"))
        let span = profile.flameGraph(sampleTypeIndex: 1, spanID: "ad0338ddcc3e722a")
        #expect(span.total == 80_000_000)
    }
}

@Suite struct DiffAndMergeTests {
    func summary(_ values: [(String, Int64)]) throws -> ProfileSummary {
        var builder = PprofBuilder()
        builder.sampleType("cpu", "nanoseconds")
        for (index, (name, _)) in values.enumerated() {
            builder.function(id: UInt64(index + 1), name: name)
            builder.location(id: UInt64(index + 1), functions: [UInt64(index + 1)])
        }
        for (index, (_, value)) in values.enumerated() {
            builder.sample(locations: [UInt64(index + 1)], values: [value])
        }
        return try PprofDecoder().decode(builder.encoded()).summary()
    }

    @Test func baseIsNormalisedToTheNewTotal() throws {
        let base = try summary([("a", 100), ("b", 100)])
        let new = try summary([("a", 100), ("b", 300), ("c", 0)])
        let diff = try #require(ProfileDiff(base: base, new: new))
        #expect(diff.baseTotal == 200 && diff.newTotal == 400 && diff.scale == 2)
        let b = try #require(diff.entries.first { $0.name == "b" })
        #expect(b.baseFlat == 200 && b.newFlat == 300 && b.flatDelta == 100 && b.flatRelative == 0.5)
        let a = try #require(diff.entries.first { $0.name == "a" })
        #expect(a.flatDelta == -100 && a.flatRelative == -0.5)
        #expect(diff.entries.map(\.name) == ["a", "b"])
        #expect(ProfileDiff(base: base, new: new, sampleType: "alloc_space") == nil)
    }

    @Test func newFunctionsHaveNoRelativeChange() throws {
        let diff = try #require(ProfileDiff(base: try summary([("a", 10)]), new: try summary([("a", 10), ("n", 10)])))
        let n = try #require(diff.entries.first { $0.name == "n" })
        #expect(n.flatRelative == nil && n.newFlat == 10)
    }

    @Test func mergingAddsFunctionsTotalsAndLabels() throws {
        let cpu = try PprofDecoder().decode(try Fixtures.bytes("cpu.pb.gz")).summary()
        let merged = try #require(ProfileSummary.merging([cpu, cpu, cpu]))
        #expect(merged.totals == cpu.totals.map { $0 * 3 })
        #expect(merged.functions.count == cpu.functions.count)
        let block = try #require(merged.function(named: "crypto/sha256.block"))
        #expect(block.flat == cpu.function(named: "crypto/sha256.block")!.flat.map { $0 * 3 })
        #expect(merged.labels.map(\.key) == cpu.labels.map(\.key))
        #expect(merged.labels[0].values[0].totals == cpu.labels[0].values[0].totals.map { $0 * 3 })
        let other = try summary([("x", 5)])
        let mixed = try #require(ProfileSummary.merging([cpu, other]))
        // `other` has only cpu/nanoseconds: it lands in that column, samples/count gets nothing.
        #expect(mixed.totals == [cpu.totals[0], cpu.totals[1] + 5])
        #expect(mixed.function(named: "x")?.flat == [0, 5])
        #expect(ProfileSummary.merging([]) == nil)
    }
}
