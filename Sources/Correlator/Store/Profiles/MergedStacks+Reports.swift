import ProfileIndex

extension MergedStacks {
    /// The function of a stack frame; an id missing from `functions` (a dictionary row
    /// written by a newer version) shows its id.
    func function(_ id: Int64) -> ProfileFunction {
        functions[id] ?? ProfileFunction(name: "function \(id)", filename: "")
    }

    /// The merged stacks as a tree, the shape of the per-profile flame graph: a `root` node with
    /// the total, each path the value of the stacks through it, `self` the value of those ending
    /// there. At most `maxNodes` nodes are kept, the largest totals first (a parent's total is
    /// never below its child's, so a kept node's parent is kept); a left-out node's value stays
    /// in its parent's total, so children and self may add up to less than a total.
    public func flameGraph(maxNodes: Int) -> FlameGraphNode {
        let tree = StackTree(self)
        let kept = tree.largest(maxNodes)
        func build(_ node: Int) -> FlameGraphNode {
            let info = node == 0 ? ProfileFunction(name: "root", filename: "") : function(tree.function[node])
            var children = tree.children[node].filter { kept.contains($0) }.map(build)
            children.sort { $0.total != $1.total ? $0.total > $1.total : $0.name < $1.name }
            return FlameGraphNode(
                name: info.name, file: info.filename.isEmpty ? nil : info.filename,
                total: tree.total[node], selfValue: tree.selfValue[node], children: children
            )
        }
        return build(0)
    }

    /// Flat and cum per function over the merged stacks, as `go tool pprof -top` prints them
    /// for the merged profiles: flat is the value of the stacks ending in the function, cum of
    /// those passing through it (once per stack, however often it recurses). Largest flat
    /// first, then cum, then name; at most `limit`.
    public func top(limit: Int) -> [PprofReport.TopEntry] {
        var flat: [Int64: Int64] = [:]
        var cum: [Int64: Int64] = [:]
        var seen = Set<Int64>()
        for (stack, value) in values {
            guard let frames = stacks[stack], let leaf = frames.last else { continue }
            flat[leaf, default: 0] &+= value
            seen.removeAll(keepingCapacity: true)
            for id in frames where seen.insert(id).inserted {
                cum[id, default: 0] &+= value
            }
        }
        let entries = cum.map { id, cumValue in
            let info = function(id)
            return PprofReport.TopEntry(function: info.name, file: info.filename, flat: flat[id] ?? 0, cum: cumValue)
        }
        return Array(entries.sorted {
            if $0.flat != $1.flat { return $0.flat > $1.flat }
            if $0.cum != $1.cum { return $0.cum > $1.cum }
            return $0.function != $1.function ? $0.function < $1.function : $0.file < $1.file
        }.prefix(limit))
    }

    /// The merge as one gzip-compressed pprof profile that `go tool pprof` opens: its sample
    /// type, one sample per stack, the largest period (CPU: `cpu/nanoseconds`), the earliest
    /// start and the summed duration, as pprof's own merge does.
    public func pprof() throws -> [UInt8] {
        try pprofEncoder().gzipped()
    }

    /// The merge as a pprof encoder, filled in as ``pprof()`` writes it; `encoded()` gives the
    /// uncompressed message.
    public func pprofEncoder() -> PprofEncoder {
        let periodType = sampleType.type == "cpu" ? ProfileValueType(type: "cpu", unit: "nanoseconds") : sampleType
        var encoder = PprofEncoder(sampleTypes: [sampleType], periodType: periodType, period: period)
        encoder.timeNanos = startNanos
        encoder.durationNanos = durationNanos
        for (stack, value) in values.sorted(by: { $0.key < $1.key }) where value != 0 {
            guard let frames = stacks[stack] else { continue }
            encoder.addSample(stack: frames.map(function), values: [value])
        }
        return encoder
    }

    /// Both merges in one tree, as `go tool pprof -diff_base=BASELINE -normalize` compares
    /// them: each node's value in `current` and in `baseline` scaled to the current total
    /// (`baseline_total` / `baseline_self`). At most `maxNodes` nodes, the largest of the two
    /// values first.
    public static func diffTree(baseline: MergedStacks, current: MergedStacks, maxNodes: Int) -> DiffFlameGraphNode {
        let baseTotal = baseline.total
        let scale = baseTotal == 0 ? 0 : Double(current.total) / Double(baseTotal)
        // One tree over the union of the stacks; each side's values through its nodes.
        var both = MergedStacks(sampleType: current.sampleType)
        both.stacks = current.stacks.merging(baseline.stacks) { mine, _ in mine }
        both.functions = current.functions.merging(baseline.functions) { mine, _ in mine }
        both.values = current.values.merging(baseline.values) { $0 &+ $1 }
        let tree = StackTree(both)
        let currentValues = tree.values(of: current.values)
        let baseValues = tree.values(of: baseline.values)
        let kept = tree.largest(maxNodes) { node in max(currentValues.total[node], Int64((Double(baseValues.total[node]) * scale).rounded())) }
        func build(_ node: Int) -> DiffFlameGraphNode {
            let info = node == 0 ? ProfileFunction(name: "root", filename: "") : both.function(tree.function[node])
            var children = tree.children[node].filter { kept.contains($0) }.map(build)
            children.sort {
                let left = max(Double($0.total), $0.baselineTotal), right = max(Double($1.total), $1.baselineTotal)
                return left != right ? left > right : $0.name < $1.name
            }
            return DiffFlameGraphNode(
                name: info.name, file: info.filename.isEmpty ? nil : info.filename,
                total: currentValues.total[node], selfValue: currentValues.selfValue[node],
                baselineTotal: Double(baseValues.total[node]) * scale, baselineSelf: Double(baseValues.selfValue[node]) * scale,
                children: children
            )
        }
        return build(0)
    }
}

/// A node of a diff flame graph: the current value and the baseline's, scaled to the current
/// total (pprof's `-normalize`).
public struct DiffFlameGraphNode: Sendable, Hashable, Codable {
    public var name: String
    public var file: String?
    public var total: Int64
    public var selfValue: Int64
    public var baselineTotal: Double
    public var baselineSelf: Double
    public var children: [DiffFlameGraphNode]

    enum CodingKeys: String, CodingKey {
        case name, file, total, selfValue = "self", baselineTotal = "baseline_total", baselineSelf = "baseline_self", children
    }
}

/// The merged stacks as a prefix tree in flat arrays (node 0 is the root).
struct StackTree {
    var function: [Int64] = [0]
    var total: [Int64] = [0]
    var selfValue: [Int64] = [0]
    var children: [[Int]] = [[]]
    var depth: [Int] = [0]
    /// Node of each stack's leaf.
    var leaf: [Int64: Int] = [:]

    init(_ merged: MergedStacks) {
        var child: [Int: [Int64: Int]] = [:]
        for (stack, value) in merged.values {
            guard let frames = merged.stacks[stack] else { continue }
            var node = 0
            total[0] &+= value
            for id in frames {
                if let existing = child[node]?[id] {
                    node = existing
                } else {
                    let created = function.count
                    function.append(id)
                    total.append(0)
                    selfValue.append(0)
                    children.append([])
                    depth.append(depth[node] + 1)
                    children[node].append(created)
                    child[node, default: [:]][id] = created
                    node = created
                }
                total[node] &+= value
            }
            selfValue[node] &+= value
            leaf[stack] = node
        }
    }

    /// Total and self per node of other values over the same stacks (stacks not in this tree
    /// are left out).
    func values(of values: [Int64: Int64]) -> (total: [Int64], selfValue: [Int64]) {
        var totals = [Int64](repeating: 0, count: function.count)
        var selves = totals
        var parent = [Int](repeating: 0, count: function.count)
        for (node, list) in children.enumerated() { for one in list { parent[one] = node } }
        for (stack, value) in values {
            guard var node = leaf[stack] else { continue }
            selves[node] &+= value
            while true {
                totals[node] &+= value
                if node == 0 { break }
                node = parent[node]
            }
        }
        return (totals, selves)
    }

    /// The `count` nodes with the largest `size` (default: total), the root always; ties go to
    /// the shallower node, so a kept node's parent is kept.
    func largest(_ count: Int, size: ((Int) -> Int64)? = nil) -> Set<Int> {
        let sizeOf = size ?? { total[$0] }
        let order = function.indices.sorted {
            let left = sizeOf($0), right = sizeOf($1)
            return left != right ? left > right : depth[$0] < depth[$1]
        }
        var kept = Set<Int>([0])
        for node in order where kept.count < count {
            kept.insert(node)
        }
        return kept
    }
}
