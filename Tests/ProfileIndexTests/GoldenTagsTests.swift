import Testing
@testable import ProfileIndex

/// Labels and per-span totals against `go tool pprof -tags cpu.pb.gz` (golden/cpu.tags.txt).
@Suite struct GoldenTagsTests {
    let profile: Profile
    let summary: ProfileSummary
    let golden: GoldenTags
    let goldenText: String

    init() throws {
        profile = try PprofDecoder().decode(try Fixtures.bytes("cpu.pb.gz"))
        summary = profile.summary()
        goldenText = try Fixtures.text("golden/cpu.tags.txt")
        golden = GoldenTags(goldenText)
    }

    @Test func labelTotalsMatchPprof() throws {
        let cpu = try #require(summary.sampleTypeIndex(named: "cpu"))
        #expect(golden.keys.map(\.key) == ["span_id", "span_name", "trace_id"])
        #expect(summary.labels.map(\.key) == golden.keys.map(\.key))
        for key in golden.keys {
            let mine = try #require(summary.labels.first { $0.key == key.key })
            #expect(mine.values.count == key.values.count, "\(key.key)")
            let total = try #require(PrintedQuantity(key.total, rawUnit: "nanoseconds"))
            #expect(total.matches(mine.values.reduce(0) { $0 + $1.totals[cpu] }))
            for (quantity, value) in key.values {
                let expected = try #require(PrintedQuantity(quantity, rawUnit: "nanoseconds"))
                let actual = try #require(mine.values.first { $0.value == value }, "\(key.key)=\(value)")
                #expect(expected.matches(actual.totals[cpu]), "\(key.key)=\(value): \(actual.totals[cpu]) vs \(quantity)")
            }
        }
    }

    @Test func spanBreakdownMatchesPprofTagsPerSpanAndTrace() throws {
        let cpu = try #require(summary.sampleTypeIndex(named: "cpu"))
        let spans = profile.spanBreakdown()
        let spanKey = try #require(golden.keys.first { $0.key == "span_id" })
        let traceKey = try #require(golden.keys.first { $0.key == "trace_id" })
        #expect(spans.count == spanKey.values.count)
        for (quantity, spanID) in spanKey.values {
            let span = try #require(spans.first { $0.spanID == spanID })
            #expect(try #require(PrintedQuantity(quantity, rawUnit: "nanoseconds")).matches(span.totals[cpu]))
            // Every span's samples carry its trace id; pprof's per-trace total must agree.
            let traceID = try #require(span.traceID)
            let traceTotal = spans.filter { $0.traceID == traceID }.reduce(0) { $0 + $1.totals[cpu] }
            let traceQuantity = try #require(traceKey.values.first { $0.value == traceID }?.quantity)
            #expect(try #require(PrintedQuantity(traceQuantity, rawUnit: "nanoseconds")).matches(traceTotal))
            // Flat sums to the span total; the root of every labelled stack has the whole span in cum.
            #expect(span.functions.reduce(0) { $0 + $1.flat[cpu] } == span.totals[cpu])
            #expect(span.functions.first { $0.name == "runtime/pprof.Do" }?.cum[cpu] == span.totals[cpu])
        }
        // Largest first, as pprof lists them.
        #expect(spans.first?.spanID == spanKey.values.first?.value)
    }

    @Test func renderedTagsEqualPprofText() throws {
        let rendered = PprofReport.renderTags(summary, sampleIndex: summary.defaultSampleTypeIndex)
        let expected = goldenText.split(separator: "\n", omittingEmptySubsequences: false)
        let actual = rendered.split(separator: "\n", omittingEmptySubsequences: false)
        for (line, (mine, theirs)) in zip(actual, expected).enumerated() where mine != theirs {
            Issue.record("line \(line + 1): \"\(mine)\" != \"\(theirs)\"")
        }
        #expect(actual.count == expected.count)
    }
}

/// `-tagfocus` summaries against `go tool pprof -top -tagfocus …`, recorded with Go 1.19:
/// - cpu.cpu.tagfocus-span_id.top.txt: `-sample_index=cpu -tagfocus span_id=ad0338ddcc3e722a`
/// - cpu.cpu.tagfocus-span_name.top.txt: `-sample_index=cpu -tagfocus 'span_name=GET /checkout'`
/// - cpu.samples.tagfocus-two-spans.top.txt: `-sample_index=samples -tagfocus span_id=ad0338ddcc3e722a,2fc0a57a13d912b8`
/// (all with `-top -nodecount=100000 -unit=minimum`).
@Suite struct GoldenTagFocusTests {
    static let cases: [(golden: String, sampleIndex: String, filter: String)] = [
        ("cpu.cpu.tagfocus-span_id.top.txt", "cpu", "span_id=ad0338ddcc3e722a"),
        ("cpu.cpu.tagfocus-span_name.top.txt", "cpu", "span_name=GET /checkout"),
        ("cpu.samples.tagfocus-two-spans.top.txt", "samples", "span_id=ad0338ddcc3e722a,2fc0a57a13d912b8"),
    ]

    @Test(arguments: cases)
    func filteredSummaryMatchesPprof(golden: String, sampleIndex: String, filter: String) throws {
        let profile = try PprofDecoder().decode(try Fixtures.bytes("cpu.pb.gz"))
        let summary = profile.summary(filters: [try #require(LabelFilter(parsing: filter))])
        let index = try #require(summary.sampleTypeIndex(named: sampleIndex))
        let text = try Fixtures.text("golden/" + golden)
        let top = try GoldenTop(text)
        let unit = summary.sampleTypes[index].unit
        #expect(try #require(PrintedQuantity(top.total, rawUnit: unit)).matches(summary.profileTotals[index]))
        #expect(summary.totals[index] < summary.profileTotals[index])
        for row in top.rows {
            let function = try #require(summary.function(named: row.name), "\(row.name)")
            #expect(try #require(PrintedQuantity(row.flat, rawUnit: unit)).matches(function.flat[index]), "\(row.name)")
            #expect(try #require(PrintedQuantity(row.cum, rawUnit: unit)).matches(function.cum[index]), "\(row.name)")
        }
        let rendered = PprofReport.renderTop(summary, sampleIndex: index)
        let expected = text.split(separator: "\n", omittingEmptySubsequences: false)
        let actual = rendered.split(separator: "\n", omittingEmptySubsequences: false)
        for (line, (mine, theirs)) in zip(actual, expected).enumerated() where mine != theirs {
            Issue.record("line \(line + 1): \"\(mine)\" != \"\(theirs)\"")
        }
        #expect(actual.count == expected.count)
    }

    @Test func spanProfileEqualsTagFocusOnItsID() throws {
        let profile = try PprofDecoder().decode(try Fixtures.bytes("cpu.pb.gz"))
        let span = try #require(profile.spanBreakdown().first { $0.spanID == "ad0338ddcc3e722a" })
        let focused = profile.summary(filters: [LabelFilter(key: "span_id", values: ["ad0338ddcc3e722a"])])
        #expect(span.totals == focused.totals)
        #expect(Set(span.functions) == Set(focused.functions))
        #expect(span.spanName == "GET /invoice")
        #expect(span.topFunctions(sampleTypeIndex: 1, count: 1).first?.name == "crypto/sha256.block")
    }
}
