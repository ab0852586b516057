import Dispatch

extension Profile {
    /// Summarises the samples that pass every filter (all samples without filters): totals,
    /// flat and cum per function and totals per label value, for every sample type.
    ///
    /// The numbers are those of `go tool pprof -top -sample_index=…` (and `-tagfocus` for the
    /// filters), one pass over the samples with dense arrays.
    public func summary(filters: [LabelFilter] = []) -> ProfileSummary {
        let typeCount = sampleTypes.count
        if filters.isEmpty, let sampleAggregate {
            return summary(
                sampleAggregate.functions,
                labelTotals: sampleAggregate.labelTotals,
                labelSeen: nil,
                profileTotals: nil,
                filters: []
            )
        }
        var aggregator = FunctionAggregator(profile: self)
        var labelTotals = [Int64](repeating: 0, count: labels.count * typeCount)
        var labelSeen = [Bool](repeating: false, count: labels.count)
        let masks = labelMatchMasks(filters)
        var profileTotals = [Int64](repeating: 0, count: typeCount)
        if masks != nil {
            for (index, value) in sampleValues.enumerated() { profileTotals[index % typeCount] &+= value }
        }
        if let masks {
            aggregator.add(samples: (0..<sampleCount).lazy.filter { self.sample($0, passes: masks, filterCount: filters.count) }, of: self)
        } else {
            aggregator.add(samples: 0..<sampleCount, of: self)
        }
        for sample in 0..<sampleCount {
            if let masks, !self.sample(sample, passes: masks, filterCount: filters.count) { continue }
            let valueBase = sample * typeCount
            for position in Int(sampleLabelStarts[sample])..<Int(sampleLabelStarts[sample + 1]) {
                let label = Int(sampleLabels[position])
                labelSeen[label] = true
                let row = label * typeCount
                for type in 0..<typeCount { labelTotals[row + type] &+= sampleValues[valueBase + type] }
            }
        }
        return summary(
            aggregator,
            labelTotals: labelTotals,
            labelSeen: labelSeen,
            profileTotals: masks == nil ? nil : profileTotals,
            filters: filters
        )
    }

    /// The summary of what `aggregator` and the label totals hold; `labelSeen` nil when every
    /// label was seen, `profileTotals` nil when equal to the aggregated totals.
    private func summary(
        _ aggregator: FunctionAggregator,
        labelTotals: [Int64],
        labelSeen: [Bool]?,
        profileTotals: [Int64]?,
        filters: [LabelFilter]
    ) -> ProfileSummary {
        let totals = aggregator.totals
        let functions: [FunctionSummary]
        let labels: [LabelSummary]
        if self.labels.count >= Self.concurrentLabelSummaryMinimum {
            // Both halves are sequential work after decoding; on two cores they overlap
            // (8.4 MB profile of Benchmarks/profiles.sh: 1.4 ms functions, 0.7 ms labels).
            nonisolated(unsafe) var functionHalf: [FunctionSummary] = []
            nonisolated(unsafe) var labelHalf: [LabelSummary] = []
            DispatchQueue.concurrentPerform(iterations: 2) { half in
                if half == 0 {
                    functionHalf = aggregator.nonZeroSummariesByName(self.functions)
                } else {
                    labelHalf = labelSummaries(labelTotals, seen: labelSeen, typeCount: sampleTypes.count)
                }
            }
            functions = functionHalf
            labels = labelHalf
        } else {
            functions = aggregator.nonZeroSummariesByName(self.functions)
            labels = labelSummaries(labelTotals, seen: labelSeen, typeCount: sampleTypes.count)
        }
        return ProfileSummary(
            sampleTypes: sampleTypes,
            defaultSampleTypeIndex: defaultSampleTypeIndex,
            periodType: periodType,
            period: period,
            timeNanos: timeNanos,
            durationNanos: durationNanos,
            mainBinary: mainBinary,
            comments: comments,
            sampleCount: aggregator.sampleCount,
            totals: totals,
            profileTotals: profileTotals ?? totals,
            functions: functions,
            labels: labels,
            filters: filters
        )
    }

    /// Label values from which the summary builds its label half on a second thread.
    static let concurrentLabelSummaryMinimum = 1024

    private func labelSummaries(_ totals: [Int64], seen: [Bool]?, typeCount: Int) -> [LabelSummary] {
        // Grouped by key with a scan of the few distinct keys, not a hash of each label's key
        // (the decoder gives labels of one key the same String, so most comparisons are of
        // identical storage).
        var keys: [String] = []
        var groups: [[LabelValueSummary]] = []
        var lastKey = -1
        for (index, label) in labels.enumerated() {
            guard seen?[index] ?? true else { continue }
            let row = index * typeCount
            let value = LabelValueSummary(value: label.displayValue, totals: Array(totals[row..<(row + typeCount)]))
            if lastKey < 0 || keys[lastKey] != label.key {
                lastKey = keys.firstIndex(of: label.key) ?? -1
                if lastKey < 0 {
                    keys.append(label.key)
                    groups.append([])
                    lastKey = keys.count - 1
                }
            }
            groups[lastKey].append(value)
        }
        let sortIndex = defaultSampleTypeIndex
        return keys.indices.sorted { keys[$0] < keys[$1] }.map { group in
            var values = groups[group]
            // Numeric labels that format alike (e.g. 1000 and 1024 bytes → "1kB") merge, as in pprof.
            var merged: [String: Int] = [:]
            merged.reserveCapacity(values.count)
            var unique: [LabelValueSummary] = []
            unique.reserveCapacity(values.count)
            for value in values {
                if let existing = merged[value.value] {
                    for type in 0..<typeCount { unique[existing].totals[type] &+= value.totals[type] }
                } else {
                    merged[value.value] = unique.count
                    unique.append(value)
                }
            }
            values = unique
            // Sorted by the default type's total (read once per value), then by value.
            let weights = values.map { $0.totals.isEmpty ? 0 : abs($0.totals[sortIndex]) }
            let order = values.indices.sorted { left, right in
                weights[left] != weights[right] ? weights[left] > weights[right] : values[left].value < values[right].value
            }
            return LabelSummary(key: keys[group], values: order.map { values[$0] })
        }
    }
}
