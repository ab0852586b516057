/// One function's numbers in a flame graph: what `go tool pprof -top` prints for the same samples.
public struct FlameGraphFunction: Sendable, Hashable {
    public var name: String
    public var file: String
    /// Value of the samples whose leaf frame is this function.
    public var flat: Int64
    /// Value of the samples with this function anywhere on the stack, each sample once.
    public var cum: Int64
}

extension FlameGraphNode {
    /// Flat and cum per function (name and file) of the tree below this node, largest flat first
    /// (then cum, then name), the root itself excluded. A recursive function's cum counts each
    /// sample once: a node's total is added only where no caller on its path is the same function.
    public func functionTotals() -> [FlameGraphFunction] {
        struct Key: Hashable { var name: String; var file: String }
        var totals: [Key: (flat: Int64, cum: Int64)] = [:]
        var onPath: [Key: Int] = [:]
        func visit(_ node: FlameGraphNode) {
            let key = Key(name: node.name, file: node.file ?? "")
            let outermost = onPath[key, default: 0] == 0
            var entry = totals[key, default: (0, 0)]
            entry.flat &+= node.selfValue
            if outermost { entry.cum &+= node.total }
            totals[key] = entry
            onPath[key, default: 0] += 1
            for child in node.children { visit(child) }
            onPath[key]! -= 1
        }
        for child in children { visit(child) }
        return totals
            .map { FlameGraphFunction(name: $0.key.name, file: $0.key.file, flat: $0.value.flat, cum: $0.value.cum) }
            .sorted { left, right in
                if left.flat != right.flat { return left.flat > right.flat }
                if left.cum != right.cum { return left.cum > right.cum }
                return (left.name, left.file) < (right.name, right.file)
            }
    }

    /// Nodes in the tree, this one included.
    public var nodeCount: Int {
        children.reduce(1) { $0 + $1.nodeCount }
    }
}
