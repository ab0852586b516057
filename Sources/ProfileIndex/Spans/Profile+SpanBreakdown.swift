extension Profile {
    /// The samples of each span, summarised: one ``SpanProfile`` per span id found in the sample
    /// labels (`span_id`, else legacy `profile_id`, else Datadog `span id`, else `local root span
    /// id`), largest total of the default sample type first.
    ///
    /// - Parameter functionLimit: keep at most this many functions per span (the largest flat of
    ///   the default sample type), to bound what is stored for profiles with many spans.
    /// - Parameter includeStacks: also sum each span's samples per stack (``SpanProfile/stacks``).
    public func spanBreakdown(functionLimit: Int? = nil, includeStacks: Bool = false) -> [SpanProfile] {
        let typeCount = sampleTypes.count
        let roles = labels.map { SpanLabelRole(key: $0.key) }

        // A dense span slot per distinct span-id label value (a dictionary over labels, not samples).
        var slotOfValue: [String: Int32] = [:]
        var spanIDs: [String] = []
        var slotOfLabel = [Int32](repeating: -1, count: labels.count)
        for (index, role) in roles.enumerated() where role.spanPriority != nil {
            let id = role.normalized(labels[index])
            if let slot = slotOfValue[id] {
                slotOfLabel[index] = slot
            } else {
                let slot = Int32(spanIDs.count)
                slotOfValue[id] = slot
                spanIDs.append(id)
                slotOfLabel[index] = slot
            }
        }
        guard !spanIDs.isEmpty else { return [] }

        // Each sample's span, then the samples grouped by span (counting sort).
        var sampleSlot = [Int32](repeating: -1, count: sampleCount)
        var counts = [Int](repeating: 0, count: spanIDs.count + 1)
        for sample in 0..<sampleCount {
            var best = Int.max
            var slot: Int32 = -1
            for position in Int(sampleLabelStarts[sample])..<Int(sampleLabelStarts[sample + 1]) {
                let label = Int(sampleLabels[position])
                if let priority = roles[label].spanPriority, priority < best {
                    best = priority
                    slot = slotOfLabel[label]
                }
            }
            sampleSlot[sample] = slot
            if slot >= 0 { counts[Int(slot) + 1] += 1 }
        }
        for slot in 1..<counts.count { counts[slot] += counts[slot - 1] }
        var ordered = [Int32](repeating: 0, count: counts[spanIDs.count])
        var next = counts
        for sample in 0..<sampleCount where sampleSlot[sample] >= 0 {
            let slot = Int(sampleSlot[sample])
            ordered[next[slot]] = Int32(sample)
            next[slot] += 1
        }

        var aggregator = FunctionAggregator(profile: self)
        var spans: [SpanProfile] = []
        spans.reserveCapacity(spanIDs.count)
        let sortIndex = defaultSampleTypeIndex
        for slot in spanIDs.indices {
            var traceID: String?
            var spanName: String?
            var localRoot: String?
            aggregator.add(samples: ordered[counts[slot]..<counts[slot + 1]].lazy.map { Int($0) }, of: self)
            for position in counts[slot]..<counts[slot + 1] {
                let sample = Int(ordered[position])
                if traceID == nil || spanName == nil || localRoot == nil {
                    for labelPosition in Int(sampleLabelStarts[sample])..<Int(sampleLabelStarts[sample + 1]) {
                        let label = Int(sampleLabels[labelPosition])
                        switch roles[label] {
                        case .traceID where traceID == nil: traceID = roles[label].normalized(labels[label])
                        case .spanName where spanName == nil: spanName = labels[label].displayValue
                        case .datadogLocalRootSpanID where localRoot == nil:
                            localRoot = roles[label].normalized(labels[label])
                        default: break
                        }
                    }
                }
            }
            let totals = aggregator.totals
            let count = aggregator.sampleCount
            var spanFunctions = aggregator.drain(functions, limit: functionLimit, rankIndex: sortIndex)
            if typeCount > 0 {
                spanFunctions = spanFunctions.top(sampleTypeIndex: sortIndex, count: spanFunctions.count, by: .flat)
            }
            var span = SpanProfile(
                spanID: spanIDs[slot],
                traceID: traceID,
                spanName: spanName,
                localRootSpanID: localRoot,
                sampleCount: count,
                totals: totals,
                functions: spanFunctions
            )
            if includeStacks {
                span.stacks = stacks(ofSamples: ordered[counts[slot]..<counts[slot + 1]].lazy.map { Int($0) })
            }
            spans.append(span)
        }
        if typeCount > 0 {
            spans.sort { left, right in
                let l = abs(left.totals[sortIndex])
                let r = abs(right.totals[sortIndex])
                return l != r ? l > r : left.spanID < right.spanID
            }
        }
        return spans
    }
}
