import Testing
@testable import ProfileIndex

/// The summaries against `go tool pprof -top -nodecount=100000 -sample_index=X` on the Go 1.19
/// fixtures: the numbers parsed from pprof's text, then the whole text.
@Suite struct GoldenTopTests {
    static func load(_ golden: String) throws -> (ProfileSummary, Int, GoldenTop) {
        let parts = golden.split(separator: ".")
        let profile = try PprofDecoder().decode(try Fixtures.bytes("\(parts[0]).pb.gz"))
        let summary = profile.summary()
        let index = try #require(summary.sampleTypeIndex(named: String(parts[1])))
        return (summary, index, try GoldenTop(try Fixtures.text("golden/" + golden)))
    }

    @Test(arguments: Fixtures.topGoldens)
    func numbersMatchPprof(golden: String) throws {
        let (summary, index, top) = try Self.load(golden)
        let unit = summary.sampleTypes[index].unit
        let total = try #require(PrintedQuantity(top.total, rawUnit: unit))
        #expect(total.matches(summary.totals[index]), "total \(summary.totals[index]) vs \(top.total)")
        #expect(top.rows.isEmpty == (summary.totals[index] == 0))

        // Functions by name, as -top groups them.
        var byName: [String: (flat: Int64, cum: Int64)] = [:]
        for function in summary.functions where function.flat[index] != 0 || function.cum[index] != 0 {
            byName[function.name, default: (0, 0)].flat += function.flat[index]
            byName[function.name, default: (0, 0)].cum += function.cum[index]
        }
        for row in top.rows {
            let mine = try #require(byName[row.name], "\(row.name) missing")
            let flat = try #require(PrintedQuantity(row.flat, rawUnit: unit))
            let cum = try #require(PrintedQuantity(row.cum, rawUnit: unit))
            #expect(flat.matches(mine.flat), "\(row.name) flat \(mine.flat) vs \(row.flat)")
            #expect(cum.matches(mine.cum), "\(row.name) cum \(mine.cum) vs \(row.cum)")
        }
        // Everything pprof did not list is what it dropped under the node fraction.
        let cutoff = abs(Int64(Double(summary.totals[index]) * 0.005))
        let belowCutoff = byName.values.filter { abs($0.cum) < cutoff }.count
        #expect(belowCutoff == top.dropped)
        #expect(byName.count == top.rows.count + top.dropped)
        // Flat sums to the total.
        #expect(byName.values.reduce(0) { $0 + $1.flat } == summary.totals[index])
    }

    @Test(arguments: Fixtures.topGoldens)
    func renderedTopEqualsPprofText(golden: String) throws {
        let (summary, index, top) = try Self.load(golden)
        let rendered = PprofReport.renderTop(summary, sampleIndex: index)
        let expected = top.text.split(separator: "\n", omittingEmptySubsequences: false)
        let actual = rendered.split(separator: "\n", omittingEmptySubsequences: false)
        for (line, (mine, theirs)) in zip(actual, expected).enumerated() where mine != theirs {
            Issue.record("line \(line + 1): \"\(mine)\" != \"\(theirs)\"")
        }
        #expect(actual.count == expected.count)
    }
}
