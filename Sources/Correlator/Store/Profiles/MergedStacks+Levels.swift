import ProfileIndex

/// A flame graph in levels, the encoding Pyroscope's query API answers and Grafana's flame
/// graph panel draws: per depth, four numbers a node — its x offset from the end of the
/// previous node of the same level, its total, its self and the index of its name in `names`.
/// `names[0]` is `total`, the root. Within a node's span its self comes first, then its
/// children in name order; nodes are functions by name (the same name in two files is one node).
public struct LevelFlameGraph: Sendable, Equatable {
    public var names: [String]
    public var levels: [[Int64]]
    public var total: Int64
    public var maxSelf: Int64
}

/// Two merges in one level tree, as Pyroscope's `Diff` answers: seven numbers a node — the
/// left side's offset, total and self, the right side's offset, total and self, the name index.
public struct LevelFlameGraphDiff: Sendable, Equatable {
    public var names: [String]
    public var levels: [[Int64]]
    /// Left plus right.
    public var total: Int64
    public var maxSelf: Int64
    public var leftTicks: Int64
    public var rightTicks: Int64
}

extension MergedStacks {
    /// The merge as a level flame graph of at most `maxNodes` nodes (0: all). When there are
    /// more, the nodes whose total is below the `maxNodes`-th largest are summed into one
    /// `other` node under their parent, as Pyroscope prunes.
    public func levelFlameGraph(maxNodes: Int) -> LevelFlameGraph {
        let tree = FunctionNameTree([self])
        let minimum = tree.minimumTotal(maxNodes: maxNodes)
        var names = NameIndex()
        var levels: [[Int64]] = []
        var maxSelf: Int64 = 0
        // Depth-first, children in order: each level's nodes come left to right.
        var pending: [(node: FunctionNameTree.Node, depth: Int, x: Int64)] = [(tree.root, 0, 0)]
        while let item = pending.popLast() {
            let (node, depth, x) = item
            if depth == levels.count { levels.append([]) }
            levels[depth] += [x, node.totals[0], node.selfValues[0], Int64(names.index(depth == 0 ? "total" : node.name))]
            maxSelf = max(maxSelf, node.selfValues[0])
            var next: [(FunctionNameTree.Node, Int, Int64)] = []
            var childX = x + node.selfValues[0]
            var other: Int64 = 0
            for child in node.children {
                if child.totals[0] >= minimum, child.name != "other" {
                    next.append((child, depth + 1, childX))
                    childX += child.totals[0]
                } else {
                    other += child.totals[0]
                }
            }
            if other != 0 {
                next.append((FunctionNameTree.Node(name: "other", totals: [other], selfValues: [other]), depth + 1, childX))
            }
            pending.append(contentsOf: next.reversed())
        }
        for index in levels.indices { Self.deltaEncode(&levels[index], stride: 4, offsets: [0]) }
        return LevelFlameGraph(names: names.names, levels: levels, total: tree.root.totals[0], maxSelf: maxSelf)
    }

    /// `left` and `right` in one level tree of at most `maxNodes` nodes (0: all): a node is kept
    /// when either side's total reaches the `maxNodes`-th largest; the rest of a parent's
    /// children are one `other` node per side.
    public static func levelFlameGraphDiff(left: MergedStacks, right: MergedStacks, maxNodes: Int) -> LevelFlameGraphDiff {
        let tree = FunctionNameTree([left, right])
        let minimum = tree.minimumTotal(maxNodes: maxNodes)
        var names = NameIndex()
        var levels: [[Int64]] = []
        var maxSelf: Int64 = 0
        var pending: [(node: FunctionNameTree.Node, depth: Int, x: [Int64])] = [(tree.root, 0, [0, 0])]
        while let item = pending.popLast() {
            let (node, depth, x) = item
            if depth == levels.count { levels.append([]) }
            levels[depth] += [
                x[0], node.totals[0], node.selfValues[0],
                x[1], node.totals[1], node.selfValues[1],
                Int64(names.index(depth == 0 ? "total" : node.name)),
            ]
            maxSelf = max(maxSelf, node.selfValues[0], node.selfValues[1])
            var next: [(FunctionNameTree.Node, Int, [Int64])] = []
            var childX = [x[0] + node.selfValues[0], x[1] + node.selfValues[1]]
            var other: [Int64] = [0, 0]
            for child in node.children {
                if child.totals[0] >= minimum || child.totals[1] >= minimum {
                    next.append((child, depth + 1, childX))
                    childX = [childX[0] + child.totals[0], childX[1] + child.totals[1]]
                } else {
                    other = [other[0] + child.totals[0], other[1] + child.totals[1]]
                }
            }
            if other != [0, 0] {
                next.append((FunctionNameTree.Node(name: "other", totals: other, selfValues: other), depth + 1, childX))
            }
            pending.append(contentsOf: next.reversed())
        }
        for index in levels.indices { deltaEncode(&levels[index], stride: 7, offsets: [0, 3]) }
        let (leftTotal, rightTotal) = (tree.root.totals[0], tree.root.totals[1])
        return LevelFlameGraphDiff(
            names: names.names, levels: levels, total: leftTotal + rightTotal, maxSelf: maxSelf,
            leftTicks: leftTotal, rightTicks: rightTotal
        )
    }

    /// The stacks that start, root first, with functions of these names; the others dropped
    /// (Pyroscope's stack trace selector `call_site`).
    public func keepingStacks(withCallSite callSite: [String]) -> MergedStacks {
        guard !callSite.isEmpty else { return self }
        var kept = self
        kept.values = values.filter { stack, _ in
            guard let frames = stacks[stack], frames.count >= callSite.count else { return false }
            return zip(frames, callSite).allSatisfy { function($0).name == $1 }
        }
        return kept
    }

    /// Absolute x positions → offsets from the end (x + total) of the previous node of the level.
    private static func deltaEncode(_ values: inout [Int64], stride: Int, offsets: [Int]) {
        for offset in offsets {
            var end: Int64 = 0
            for start in Swift.stride(from: 0, to: values.count, by: stride) {
                let x = values[start + offset]
                values[start + offset] = x - end
                end = x + values[start + offset + 1]
            }
        }
    }
}

/// Names in order of first use, each once.
private struct NameIndex {
    var names: [String] = []
    var position: [String: Int] = [:]

    mutating func index(_ name: String) -> Int {
        if let known = position[name] { return known }
        position[name] = names.count
        names.append(name)
        return names.count - 1
    }
}

/// Merged stacks (one or more sides) as a tree of function names, children by name: what
/// Pyroscope's flame graphs are drawn from. The root holds every value, its self the stacks
/// without frames.
struct FunctionNameTree {
    final class Node {
        let name: String
        var totals: [Int64]
        var selfValues: [Int64]
        var children: [Node] = []
        var childByName: [String: Node] = [:]

        init(name: String, totals: [Int64], selfValues: [Int64]) {
            self.name = name
            self.totals = totals
            self.selfValues = selfValues
        }

        func sortChildren() {
            children.sort { $0.name < $1.name }
            childByName = [:]
            for child in children { child.sortChildren() }
        }
    }

    let root: Node
    private(set) var nodeCount = 0

    init(_ sides: [MergedStacks]) {
        let zeros = [Int64](repeating: 0, count: sides.count)
        root = Node(name: "total", totals: zeros, selfValues: zeros)
        for (side, merged) in sides.enumerated() {
            for (stack, value) in merged.values where value != 0 {
                guard let frames = merged.stacks[stack] else { continue }
                var node = root
                node.totals[side] &+= value
                for id in frames {
                    let name = merged.function(id).name
                    if let existing = node.childByName[name] {
                        node = existing
                    } else {
                        let created = Node(name: name, totals: zeros, selfValues: zeros)
                        node.children.append(created)
                        node.childByName[name] = created
                        nodeCount += 1
                        node = created
                    }
                    node.totals[side] &+= value
                }
                node.selfValues[side] &+= value
            }
        }
        root.sortChildren()
    }

    /// The smallest total (the larger side's) a node needs to be among the `maxNodes` largest;
    /// 0 when the tree has no more nodes than that (or `maxNodes` is 0).
    func minimumTotal(maxNodes: Int) -> Int64 {
        guard maxNodes > 0, nodeCount > maxNodes else { return 0 }
        var totals: [Int64] = []
        totals.reserveCapacity(nodeCount)
        var pending = root.children
        while let node = pending.popLast() {
            totals.append(node.totals.max() ?? 0)
            pending.append(contentsOf: node.children)
        }
        totals.sort(by: >)
        return totals[maxNodes - 1]
    }
}
