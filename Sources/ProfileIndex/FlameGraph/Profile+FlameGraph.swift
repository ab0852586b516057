extension Profile {
    /// The samples' stacks merged into a tree for sample type `sampleTypeIndex`, root first:
    /// the root (named `root`) holds the total, each path the value of the samples through it.
    /// Inlined frames are nodes of their own; recursion repeats nodes along the path.
    ///
    /// - Parameters:
    ///   - spanID: keep only the samples of this span (as ``spanBreakdown(functionLimit:)`` names
    ///     spans: `span_id`, `profile_id`, Datadog ids as 16 hex digits).
    ///   - filters: keep only the samples passing every label filter.
    public func flameGraph(sampleTypeIndex: Int, spanID: String? = nil, filters: [LabelFilter] = []) -> FlameGraphNode {
        let typeCount = sampleTypes.count
        var spanLabels: [Bool]?
        if let spanID {
            spanLabels = labels.map { label in
                let role = SpanLabelRole(key: label.key)
                return role.spanPriority != nil && role.normalized(label) == spanID
            }
        }
        let masks = labelMatchMasks(filters)

        // Nodes in flat arrays; children found through one dictionary keyed by (parent, function).
        var nodeFunction: [Int32] = [-1]
        var nodeTotal: [Int64] = [0]
        var nodeSelf: [Int64] = [0]
        var nodeChildren: [[Int32]] = [[]]
        var child: [UInt64: Int32] = [:]
        for sample in 0..<sampleCount {
            let value = sampleValues[sample * typeCount + sampleTypeIndex]
            if value == 0 { continue }
            if let masks, !self.sample(sample, passes: masks, filterCount: filters.count) { continue }
            if let spanLabels {
                var found = false
                for position in Int(sampleLabelStarts[sample])..<Int(sampleLabelStarts[sample + 1])
                where spanLabels[Int(sampleLabels[position])] {
                    found = true
                }
                if !found { continue }
            }
            var node: Int32 = 0
            nodeTotal[0] &+= value
            let locations = Int(sampleLocationStarts[sample])..<Int(sampleLocationStarts[sample + 1])
            for position in locations.reversed() {
                let location = Int(sampleLocations[position])
                for frame in (Int(locationFrameStarts[location])..<Int(locationFrameStarts[location + 1])).reversed() {
                    let function = locationFrames[frame]
                    let key = UInt64(UInt32(bitPattern: node)) << 32 | UInt64(UInt32(bitPattern: function))
                    if let existing = child[key] {
                        node = existing
                    } else {
                        let created = Int32(nodeFunction.count)
                        nodeFunction.append(function)
                        nodeTotal.append(0)
                        nodeSelf.append(0)
                        nodeChildren.append([])
                        nodeChildren[Int(node)].append(created)
                        child[key] = created
                        node = created
                    }
                    nodeTotal[Int(node)] &+= value
                }
            }
            nodeSelf[Int(node)] &+= value
        }

        func build(_ node: Int32) -> FlameGraphNode {
            let function = nodeFunction[Int(node)]
            let info = function >= 0 ? functions[Int(function)] : ProfileFunction(name: "root", filename: "")
            var children = nodeChildren[Int(node)].map(build)
            children.sort { $0.total != $1.total ? $0.total > $1.total : $0.name < $1.name }
            return FlameGraphNode(
                name: info.name,
                file: info.filename.isEmpty ? nil : info.filename,
                total: nodeTotal[Int(node)],
                selfValue: nodeSelf[Int(node)],
                children: children
            )
        }
        return build(0)
    }
}
