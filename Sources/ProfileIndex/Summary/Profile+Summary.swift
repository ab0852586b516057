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
        let functions = aggregator.nonZeroSummariesByName(self.functions)
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
            labels: labelSummaries(labelTotals, seen: labelSeen, typeCount: sampleTypes.count),
            filters: filters
        )
    }

    private func labelSummaries(_ totals: [Int64], seen: [Bool]?, typeCount: Int) -> [LabelSummary] {
        var byKey: [String: [LabelValueSummary]] = [:]
        for (index, label) in labels.enumerated() {
            let row = index * typeCount
            let values = Array(totals[row..<(row + typeCount)])
            guard seen?[index] ?? true else { continue }
            byKey[label.key, default: []].append(LabelValueSummary(value: label.displayValue, totals: values))
        }
        let sortIndex = defaultSampleTypeIndex
        return byKey.keys.sorted().map { key in
            var values = byKey[key]!
            // Numeric labels that format alike (e.g. 1000 and 1024 bytes → "1kB") merge, as in pprof.
            var merged: [String: Int] = [:]
            var unique: [LabelValueSummary] = []
            for value in values {
                if let existing = merged[value.value] {
                    for type in 0..<typeCount { unique[existing].totals[type] &+= value.totals[type] }
                } else {
                    merged[value.value] = unique.count
                    unique.append(value)
                }
            }
            values = unique
            values.sort { left, right in
                let l = left.totals.isEmpty ? 0 : abs(left.totals[sortIndex])
                let r = right.totals.isEmpty ? 0 : abs(right.totals[sortIndex])
                return l != r ? l > r : left.value < right.value
            }
            return LabelSummary(key: key, values: values)
        }
    }
}
