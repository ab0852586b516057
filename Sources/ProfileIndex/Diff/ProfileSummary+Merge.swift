extension ProfileSummary {
    /// One summary for a window of profiles of the same kind: totals, flat, cum and label totals
    /// added, the time range spanning them all. Sample types are matched by type and unit; a
    /// summary without one of the first summary's sample types contributes zero to it.
    ///
    /// Adding cum values is exact because each profile's cum already counts every sample once.
    /// Nil for an empty list.
    public static func merging(_ summaries: [ProfileSummary]) -> ProfileSummary? {
        guard var merged = summaries.first else { return nil }
        guard summaries.count > 1 else { return merged }
        let types = merged.sampleTypes
        var functionIndex: [ProfileFunction: Int] = [:]
        for (index, function) in merged.functions.enumerated() {
            functionIndex[ProfileFunction(name: function.name, filename: function.filename)] = index
        }
        var labelIndex: [String: (key: Int, values: [String: Int])] = [:]
        for (keyPosition, label) in merged.labels.enumerated() {
            var values: [String: Int] = [:]
            for (valuePosition, value) in label.values.enumerated() { values[value.value] = valuePosition }
            labelIndex[label.key] = (keyPosition, values)
        }
        var start = merged.timeNanos
        var end = merged.timeNanos &+ merged.durationNanos
        for summary in summaries.dropFirst() {
            // Column of each merged sample type in this summary, or nil.
            let columns: [Int?] = types.map { type in summary.sampleTypes.firstIndex(of: type) }
            func project(_ values: [Int64]) -> [Int64] { columns.map { $0.map { values[$0] } ?? 0 } }
            func add(_ values: [Int64], into target: inout [Int64]) {
                for (position, column) in columns.enumerated() {
                    if let column { target[position] &+= values[column] }
                }
            }
            add(summary.totals, into: &merged.totals)
            add(summary.profileTotals, into: &merged.profileTotals)
            merged.sampleCount += summary.sampleCount
            for function in summary.functions {
                let key = ProfileFunction(name: function.name, filename: function.filename)
                if let index = functionIndex[key] {
                    add(function.flat, into: &merged.functions[index].flat)
                    add(function.cum, into: &merged.functions[index].cum)
                    merged.functions[index].inlinedCalls |= function.inlinedCalls
                    merged.functions[index].realCalls |= function.realCalls
                } else {
                    functionIndex[key] = merged.functions.count
                    merged.functions.append(
                        FunctionSummary(
                            name: function.name,
                            filename: function.filename,
                            flat: project(function.flat),
                            cum: project(function.cum),
                            inlinedCalls: function.inlinedCalls,
                            realCalls: function.realCalls
                        )
                    )
                }
            }
            for label in summary.labels {
                if labelIndex[label.key] == nil {
                    labelIndex[label.key] = (merged.labels.count, [:])
                    merged.labels.append(LabelSummary(key: label.key, values: []))
                }
                let keyPosition = labelIndex[label.key]!.key
                for value in label.values {
                    if let valuePosition = labelIndex[label.key]!.values[value.value] {
                        add(value.totals, into: &merged.labels[keyPosition].values[valuePosition].totals)
                    } else {
                        labelIndex[label.key]!.values[value.value] = merged.labels[keyPosition].values.count
                        merged.labels[keyPosition].values.append(LabelValueSummary(value: value.value, totals: project(value.totals)))
                    }
                }
            }
            if summary.timeNanos != 0 {
                start = start == 0 ? summary.timeNanos : min(start, summary.timeNanos)
                end = max(end, summary.timeNanos &+ summary.durationNanos)
            }
        }
        merged.timeNanos = start
        merged.durationNanos = end &- start
        merged.functions.sort { ($0.name, $0.filename) < ($1.name, $1.filename) }
        merged.labels.sort { $0.key < $1.key }
        let sortIndex = merged.defaultSampleTypeIndex
        for position in merged.labels.indices {
            merged.labels[position].values.sort { left, right in
                let l = abs(left.totals[sortIndex])
                let r = abs(right.totals[sortIndex])
                return l != r ? l > r : left.value < right.value
            }
        }
        return merged
    }
}
