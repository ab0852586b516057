@testable import HTTP
import ProfileIndex
import Testing

@Suite("Flame graph HTML")
struct FlameGraphHTMLTests {
    /// 10,000 frames (100 callers × 99 callees): all drawn, compact, quick.
    @Test func tenThousandFramesRenderAsNestedDivs() throws {
        var callers: [FlameGraphNode] = []
        for caller in 0..<100 {
            let callees = (0..<99).map { FlameGraphNode(name: "pkg.callee\(caller)_\($0)", total: 100, selfValue: 100) }
            callers.append(FlameGraphNode(name: "pkg.caller\(caller)", total: 9900, selfValue: 0, children: callees))
        }
        let root = FlameGraphNode(name: "root", total: 990_000, selfValue: 0, children: callers)
        #expect(root.nodeCount == 10_001)
        let clock = ContinuousClock()
        var rendered: FlameGraphHTML.Rendered?
        let elapsed = clock.measure { rendered = FlameGraphHTML(unit: "nanoseconds").render(root) }
        let html = try #require(rendered).html
        #expect(rendered?.shownFrames == 10_001)
        #expect(rendered?.hiddenFrames == 0)
        #expect(html.utf8.count < 3_000_000, "\(html.utf8.count) bytes")
        #expect(elapsed < .seconds(10), "\(elapsed)")
        // Widths are percent of the parent: a caller is 1% of the root, a callee 1/99 of its caller.
        #expect(html.contains(#"<div class="n" style="width:1.0000%" data-v="9900" data-s="0""#))
        #expect(html.contains(#"<div class="n" style="width:1.0101%" data-v="100" data-s="100""#))
    }

    @Test func namesAndFilesAreEscaped() {
        let root = FlameGraphNode(name: "root", total: 10, selfValue: 0, children: [
            FlameGraphNode(name: "<script>alert(\"x\")</script>", file: "a'b.go", total: 10, selfValue: 10),
        ])
        let html = FlameGraphHTML(unit: "count").render(root).html
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</span>"))
        #expect(html.contains("a&#39;b.go"))
    }

    /// Frames below 0.01% of the root are left out, and counted.
    @Test func tinyFramesAreCountedNotDrawn() {
        let root = FlameGraphNode(name: "root", total: 1_000_000, selfValue: 0, children: [
            FlameGraphNode(name: "big", total: 999_999, selfValue: 999_999),
            FlameGraphNode(name: "tiny", total: 1, selfValue: 1),
        ])
        let rendered = FlameGraphHTML(unit: "count").render(root)
        #expect(rendered.shownFrames == 2)
        #expect(rendered.hiddenFrames == 1)
        #expect(!rendered.html.contains("tiny"))
    }

    @Test func functionTotalsCountRecursionOnce() {
        // main → f → f → g (5) and main → g (3): f cum 5 (not 10), g flat 8 cum 8.
        let root = FlameGraphNode(name: "root", total: 8, selfValue: 0, children: [
            FlameGraphNode(name: "main", total: 8, selfValue: 0, children: [
                FlameGraphNode(name: "f", total: 5, selfValue: 0, children: [
                    FlameGraphNode(name: "f", total: 5, selfValue: 0, children: [FlameGraphNode(name: "g", total: 5, selfValue: 5)]),
                ]),
                FlameGraphNode(name: "g", total: 3, selfValue: 3),
            ]),
        ])
        let totals = Dictionary(uniqueKeysWithValues: root.functionTotals().map { ($0.name, ($0.flat, $0.cum)) })
        #expect(totals["f"]! == (0, 5))
        #expect(totals["g"]! == (8, 8))
        #expect(totals["main"]! == (0, 8))
        #expect(root.functionTotals().first?.name == "g")
    }
}
