import Correlator
import ProfileIndex
import Testing

/// Pyroscope's level encoding of a flame graph, on a tree small enough to lay out by hand:
/// a→b 3, a→c 2, a 1, d 4 (total 10).
@Suite("Level flame graphs")
struct LevelFlameGraphTests {
    static func merged(_ stacks: [([String], Int64)]) -> MergedStacks {
        var merged = MergedStacks(sampleType: ProfileValueType(type: "cpu", unit: "nanoseconds"))
        for (index, (names, value)) in stacks.enumerated() {
            let ids = names.map { name -> Int64 in
                let id = FunctionID.of(name: name, filename: "")
                merged.functions[id] = ProfileFunction(name: name, filename: "")
                return id
            }
            merged.stacks[Int64(index)] = ids
            merged.values[Int64(index)] = value
        }
        return merged
    }

    static let sample = merged([(["a", "b"], 3), (["d"], 4), (["a", "c"], 2), (["a"], 1)])

    @Test func layoutByHand() {
        let graph = Self.sample.levelFlameGraph(maxNodes: 0)
        #expect(graph.names == ["total", "a", "b", "c", "d"])
        #expect(graph.total == 10)
        #expect(graph.maxSelf == 4)
        // Root; a at 0 (self 1 first), d right after a; b at a's x + self = 1, c right after b.
        #expect(graph.levels == [
            [0, 10, 0, 0],
            [0, 6, 1, 1, 0, 4, 4, 4],
            [1, 3, 3, 2, 0, 2, 2, 3],
        ])
    }

    @Test func prunedNodesBecomeOther() {
        // The two largest totals are a (6) and d (4): b and c go into `other` under a.
        let graph = Self.sample.levelFlameGraph(maxNodes: 2)
        #expect(graph.names == ["total", "a", "other", "d"])
        #expect(graph.levels == [
            [0, 10, 0, 0],
            [0, 6, 1, 1, 0, 4, 4, 3],
            [1, 5, 5, 2],
        ])
    }

    @Test func diffAlignsBothSides() {
        let left = Self.sample
        let right = Self.merged([(["a", "b"], 5), (["e"], 1)])
        let diff = MergedStacks.levelFlameGraphDiff(left: left, right: right, maxNodes: 0)
        #expect(diff.leftTicks == 10)
        #expect(diff.rightTicks == 6)
        #expect(diff.total == 16)
        #expect(diff.names == ["total", "a", "b", "c", "d", "e"])
        // Per node: left offset, total, self; right offset, total, self; name.
        #expect(diff.levels == [
            [0, 10, 0, 0, 6, 0, 0],
            [0, 6, 1, 0, 5, 0, 1, 0, 4, 4, 0, 0, 0, 4, 0, 0, 0, 0, 1, 1, 5],
            [1, 3, 3, 0, 5, 5, 2, 0, 2, 2, 0, 0, 0, 3],
        ])
    }

    @Test func callSiteKeepsStacksThatStartWithIt() {
        let kept = Self.sample.keepingStacks(withCallSite: ["a", "b"])
        #expect(kept.total == 3)
        #expect(Self.sample.keepingStacks(withCallSite: ["a"]).total == 6)
        #expect(Self.sample.keepingStacks(withCallSite: []).total == 10)
    }
}
